//! Why a scan could not be turned into a page, with what the user can do about it.

use thiserror::Error;

use crate::signature::Lang;

/// A scan that cannot be used; the message says what to do next.
#[derive(Debug, Error)]
pub enum ScanError {
    /// Nothing was received.
    #[error("the file is empty: photograph or scan the document again")]
    Empty,
    /// The file is larger than the configured limit.
    #[error("the file is {bytes} bytes, more than the {max} allowed: scan at a lower resolution")]
    TooManyBytes {
        /// Size received.
        bytes: usize,
        /// The most accepted.
        max: usize,
    },
    /// Not a JPEG, PNG or TIFF.
    #[error(
        "this is not a JPEG, PNG or TIFF image: photograph the document with the camera or save the scan as JPEG, PNG or TIFF"
    )]
    UnsupportedFormat,
    /// The header declares more pixels than the limit: refused before decoding.
    #[error("the image is {width}×{height} pixels, more than the {max_pixels} allowed: scan at a lower resolution")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The most pixels accepted.
        max_pixels: u64,
    },
    /// The decoder would need more memory than the limits allow.
    #[error("the image needs more memory than allowed: scan at a lower resolution")]
    ExceedsLimits(#[source] image::ImageError),
    /// Too small to hold a legible page.
    #[error("the image is only {width}×{height} pixels: photograph the document closer or at a higher resolution")]
    TooSmall {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// The file is damaged or truncated.
    #[error("the image file is damaged or incomplete: photograph or scan the document again")]
    Corrupt(#[source] image::ImageError),
    /// The file ends before the image does (an interrupted transfer or save).
    #[error("the image file is incomplete: photograph or scan the document again")]
    Truncated,
    /// Encoding the page failed (out of memory or an internal error).
    #[error("could not save the page image: try again")]
    EncodePng(#[from] png::EncodingError),
    /// Encoding the photo or thumbnail failed (out of memory or an internal error).
    #[error("could not save the page image: try again")]
    EncodeJpeg(#[source] image::ImageError),
}

impl ScanError {
    /// A short message for the person holding the tablet, in `lang`.
    pub fn user_message(&self, lang: Lang) -> &'static str {
        use Lang::{En, Uk};
        match (self, lang) {
            (Self::Empty | Self::Corrupt(_) | Self::Truncated, Uk) => {
                "Файл зображення порожній або пошкоджений — сфотографуйте документ ще раз."
            }
            (Self::Empty | Self::Corrupt(_) | Self::Truncated, En) => {
                "The image file is empty or damaged — photograph the document again."
            }
            (Self::TooManyBytes { .. } | Self::TooManyPixels { .. } | Self::ExceedsLimits(_), Uk) => {
                "Зображення завелике — скануйте з меншою роздільною здатністю."
            }
            (Self::TooManyBytes { .. } | Self::TooManyPixels { .. } | Self::ExceedsLimits(_), En) => {
                "The image is too large — scan at a lower resolution."
            }
            (Self::UnsupportedFormat, Uk) => "Непідтримуваний формат — потрібні JPEG, PNG або TIFF.",
            (Self::UnsupportedFormat, En) => "Unsupported format — use JPEG, PNG or TIFF.",
            (Self::TooSmall { .. }, Uk) => "Зображення замале — сфотографуйте документ ближче.",
            (Self::TooSmall { .. }, En) => "The image is too small — photograph the document closer.",
            (Self::EncodePng(_) | Self::EncodeJpeg(_), Uk) => "Не вдалося зберегти сторінку — спробуйте ще раз.",
            (Self::EncodePng(_) | Self::EncodeJpeg(_), En) => "Could not save the page — try again.",
        }
    }
}
