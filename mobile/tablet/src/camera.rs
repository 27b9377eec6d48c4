//! The camera on a tablet. The platform's camera runs as its own activity or view
//! controller, so a capture is two steps: pressing "scan" with no photo waiting opens the
//! camera (through the [`Platform`](crate::bridge::Platform)); the photo comes back
//! through the bridge, and the next press takes it through the scan pipeline into the
//! case, off the window (the same pipeline and store as on the desktop:
//! `keis_ui::real::RealCamera::take_later`).

use std::path::PathBuf;
use std::sync::Arc;

use keis_mobile::views::wizard::Scan;
use keis_ui::real::RealCamera;
use keis_ui::{CameraService, Capture, Later, ServiceError};

use crate::bridge::Bridge;

/// The tablet's camera.
pub struct PhoneCamera {
    bridge: Arc<Bridge>,
    pipeline: RealCamera,
}

impl PhoneCamera {
    /// Photos from `bridge`, processed and stored by `pipeline`.
    pub fn new(bridge: Arc<Bridge>, pipeline: RealCamera) -> Self {
        Self { bridge, pipeline }
    }
}

const NO_CAMERA: &str =
    "Камера недоступна; додайте документ із файлу / The camera is not available; add the document from a file";

impl CameraService for PhoneCamera {
    fn capture(&self) -> Later<Capture> {
        if let Some(photo) = self.bridge.take_photo() {
            // Into the encrypted store (or refused), and no copy stays in clear either way.
            let page = self.pipeline.take_later(photo, true);
            return Box::pin(async move { page.await.map(Capture::Page) });
        }
        let opened = match self.bridge.platform() {
            None => Err(ServiceError(NO_CAMERA.into())),
            Some(platform) => platform.open_camera().map(|()| Capture::Opened).map_err(|e| {
                tracing::warn!(error = %e, "the camera did not open");
                ServiceError(NO_CAMERA.into())
            }),
        };
        Box::pin(std::future::ready(opened))
    }

    fn import(&self, paths: Vec<PathBuf>) -> Later<Vec<Result<Scan, ServiceError>>> {
        self.pipeline.import_later(paths)
    }
}
