//! The camera on a tablet. Android's camera runs as its own activity, so a capture is two
//! steps: pressing "scan" with no photo waiting opens the camera (through the
//! [`Platform`](crate::bridge::Platform)); the photo comes back through the bridge, and
//! the next press takes it through the scan pipeline into the case (the same pipeline
//! and store as on the desktop: `keis_ui::real::RealCamera::take`).

use std::path::Path;
use std::sync::Arc;

use keis_mobile::views::wizard::Scan;
use keis_ui::real::RealCamera;
use keis_ui::{CameraService, Capture, ServiceError};

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
    fn capture(&self) -> Result<Capture, ServiceError> {
        if let Some(photo) = self.bridge.take_photo() {
            let scan = self.pipeline.take(&photo).map(Capture::Page);
            // The photo is in the encrypted store now (or unusable): no copy stays in clear.
            if let Err(e) = std::fs::remove_file(&photo) {
                tracing::warn!(error = %e, "could not delete the camera's photo");
            }
            return scan;
        }
        let platform = self.bridge.platform().ok_or_else(|| ServiceError(NO_CAMERA.into()))?;
        platform.open_camera().map_err(|e| {
            tracing::warn!(error = %e, "the camera did not open");
            ServiceError(NO_CAMERA.into())
        })?;
        Ok(Capture::Opened)
    }

    fn import(&self, path: &Path) -> Result<Scan, ServiceError> {
        self.pipeline.take(path)
    }
}
