//! EXIF orientation: a phone held sideways stores the photo sideways and says so in tag
//! 0x0112; the page is turned upright here.

use std::io::Cursor;

use exif::{In, Reader, Tag};
use image::metadata::Orientation;

/// Reads the EXIF orientation (1..=8) of a JPEG, TIFF or PNG; anything missing or unreadable
/// means "as stored".
pub(crate) fn exif_orientation(bytes: &[u8]) -> Orientation {
    let exif = match Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(err) => {
            tracing::trace!(%err, "no usable EXIF; keeping the image as stored");
            return Orientation::NoTransforms;
        }
    };
    let value = exif
        .get_field(Tag::Orientation, In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok());
    match value.and_then(Orientation::from_exif) {
        Some(o) => o,
        None => {
            tracing::debug!(?value, "missing or invalid EXIF orientation; keeping as stored");
            Orientation::NoTransforms
        }
    }
}
