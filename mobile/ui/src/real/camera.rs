//! The real [`CameraService`] where there is no camera: images from a file, or from a
//! directory (the scanner's output folder) taken one after another in name order, each
//! through the scan pipeline (orientation, crop, A4 at 200 dpi, 1-bit PNG) and stored as
//! an encrypted blob.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use keis_device::scan::{ScanOptions, process};
use keis_device::signature::Lang;
use keis_mobile::views::wizard::Scan;

use super::{ABORTED, Shared, data_url, is_image, lock, off_the_window, random_hex, service_error};
use crate::services::{CameraService, Capture, Later, ServiceError};

/// Scans from files.
pub struct RealCamera {
    store: Shared,
    source: Option<PathBuf>,
    /// How many images were taken from a directory source.
    taken: Cell<usize>,
}

impl RealCamera {
    /// Takes images from `source` (a file, or a directory in name order) into `store`.
    pub fn new(store: Shared, source: Option<PathBuf>) -> Self {
        Self { store, source, taken: Cell::new(0) }
    }

    /// The next file to take.
    fn next_file(&self) -> Result<PathBuf, ServiceError> {
        let Some(source) = &self.source else {
            return Err(ServiceError(
                "Камеру не налаштовано: запустіть застосунок із --scans ФАЙЛ або ТЕКА / \
                 No camera is set up: start the app with --scans FILE or DIRECTORY"
                    .into(),
            ));
        };
        if !source.is_dir() {
            return Ok(source.clone());
        }
        let images = images_in(source)?;
        if images.is_empty() {
            return Err(ServiceError(format!(
                "У теці {} немає зображень (PNG, JPEG, TIFF) / There are no images (PNG, JPEG, TIFF) in {}",
                source.display(),
                source.display()
            )));
        }
        let n = self.taken.get();
        self.taken.set(n + 1);
        Ok(images[n % images.len()].clone())
    }
}

/// The images in `dir`, in name order.
fn images_in(dir: &Path) -> Result<Vec<PathBuf>, ServiceError> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ServiceError(format!("тека {} / directory {}: {e}", dir.display(), dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_image(p))
        .collect();
    out.sort();
    Ok(out)
}

impl RealCamera {
    /// The image at `path` through the scan pipeline, stored as a blob: a scan for the
    /// wizard.
    pub fn take(&self, path: &Path) -> Result<Scan, ServiceError> {
        take_page(&self.store, path)
    }

    /// [`RealCamera::take`] on a thread of its own; `delete_after`: the file is a
    /// camera's photo in clear, deleted once taken (a phone's camera bridge).
    pub fn take_later(&self, path: PathBuf, delete_after: bool) -> Later<Scan> {
        let store = self.store.clone();
        off_the_window(
            move || {
                let scan = take_page(&store, &path);
                if delete_after && let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!(error = %e, "could not delete the camera's photo");
                }
                scan
            },
            || ServiceError(ABORTED.into()),
        )
    }

    /// Files the user chose, each through the pipeline, on a thread of its own.
    pub fn import_later(&self, paths: Vec<PathBuf>) -> Later<Vec<Result<Scan, ServiceError>>> {
        let store = self.store.clone();
        off_the_window(
            move || Ok(paths.iter().map(|p| take_page(&store, p)).collect()),
            || ServiceError(ABORTED.into()),
        )
    }
}

/// The image at `path` through the scan pipeline into `store`.
fn take_page(store: &Shared, path: &Path) -> Result<Scan, ServiceError> {
    let input = std::fs::read(path)
        .map_err(|e| ServiceError(format!("файл {} / file {}: {e}", path.display(), path.display())))?;
    let page = process(&input, &ScanOptions::default()).map_err(|e| {
        let name = path.display();
        ServiceError(format!("{name}: {} / {name}: {}", e.user_message(Lang::Uk), e.user_message(Lang::En)))
    })?;
    let sha256 = lock(store).put_blob(&page.bytes).map_err(service_error)?;
    tracing::info!(bytes = page.bytes.len(), "page scanned and stored");
    Ok(Scan {
        id: format!("scan-{}", random_hex(6)?),
        sha256,
        mime: page.mime.into(),
        size: page.bytes.len() as u64,
        thumbnail: data_url(page.thumbnail_mime, &page.thumbnail),
        document: None,
    })
}

impl CameraService for RealCamera {
    fn capture(&self) -> Later<Capture> {
        match self.next_file() {
            Ok(path) => {
                let page = self.take_later(path, false);
                Box::pin(async move { page.await.map(Capture::Page) })
            }
            Err(e) => Box::pin(std::future::ready(Err(e))),
        }
    }

    fn import(&self, paths: Vec<PathBuf>) -> Later<Vec<Result<Scan, ServiceError>>> {
        self.import_later(paths)
    }
}
