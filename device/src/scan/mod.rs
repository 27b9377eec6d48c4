//! Document scans: a camera photo or scanner file turned into a compact, legible page.
//!
//! The pipeline, one module per step:
//! - [`decode`]: JPEG, PNG or TIFF within [`ScanLimits`] (bombs refused before allocating);
//! - `orient`: EXIF orientation applied;
//! - `crop`: the page found on a darker background, else the full image kept;
//! - `resample`: scaled to 200 dpi A4 ([`A4_LONG_SIDE_PX`] × [`A4_SHORT_SIDE_PX`]), never up;
//! - `threshold`: document mode flattens lighting and thresholds to 1 bit (Sauvola);
//! - `encode`: 1-bit PNG (document) or JPEG (photo), and a JPEG thumbnail.
//!
//! All of it is pure: bytes in, [`ScannedPage`] out, no I/O and no clock.

mod crop;
pub mod decode;
pub(crate) mod encode;
pub mod error;
mod orient;
mod resample;
mod threshold;

use image::DynamicImage;
use image::metadata::Orientation;
use sha2::{Digest, Sha256};

pub use decode::ScanLimits;
pub use error::ScanError;

use resample::{Pixels, Rect, fit_within, resize_area};

/// Long side of an A4 page at 200 dpi, in pixels.
pub const A4_LONG_SIDE_PX: u32 = 2339;
/// Short side of an A4 page at 200 dpi, in pixels.
pub const A4_SHORT_SIDE_PX: u32 = 1654;

/// What the page holds, which decides how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScanMode {
    /// Printed or handwritten text: 1-bit PNG, smallest and most legible.
    #[default]
    Document,
    /// Photos, colour stamps, anything where grey matters: JPEG.
    Photo,
}

/// How to process a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// Document or photo.
    pub mode: ScanMode,
    /// Input size limits.
    pub limits: ScanLimits,
    /// Look for the page on a darker background and crop to it.
    pub detect_page: bool,
    /// JPEG quality in photo mode.
    pub photo_quality: u8,
    /// Longest side of the thumbnail, in pixels.
    pub thumbnail_long_side: u32,
    /// JPEG quality of the thumbnail.
    pub thumbnail_quality: u8,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            mode: ScanMode::Document,
            limits: ScanLimits::default(),
            detect_page: true,
            photo_quality: 80,
            thumbnail_long_side: 320,
            thumbnail_quality: 70,
        }
    }
}

/// A processed page, ready to store as a content-addressed blob.
#[derive(Clone, PartialEq, Eq)]
pub struct ScannedPage {
    /// The encoded page.
    pub bytes: Vec<u8>,
    /// `image/png` in document mode, `image/jpeg` in photo mode.
    pub mime: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Number of pages: always 1 (a multi-page TIFF gives its first page).
    pub pages: u32,
    /// A small JPEG preview for lists.
    pub thumbnail: Vec<u8>,
    /// Always `image/jpeg`.
    pub thumbnail_mime: &'static str,
    /// SHA-256 of `bytes`, lowercase hex: the blob's address.
    pub sha256_hex: String,
}

impl std::fmt::Debug for ScannedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sizes and the hash only: a document's pixels never go to logs.
        f.debug_struct("ScannedPage")
            .field("bytes", &self.bytes.len())
            .field("mime", &self.mime)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pages", &self.pages)
            .field("thumbnail", &self.thumbnail.len())
            .field("sha256_hex", &self.sha256_hex)
            .finish()
    }
}

/// Turns the bytes of a photo or scanner file into a page.
#[tracing::instrument(skip_all, fields(mode = ?options.mode, input_bytes = bytes.len()))]
pub fn process(bytes: &[u8], options: &ScanOptions) -> Result<ScannedPage, ScanError> {
    let image = decode::decode(bytes, &options.limits, options.mode == ScanMode::Document)?;
    let orientation = orient::exif_orientation(bytes);
    let (channels, mut pixels) = match options.mode {
        ScanMode::Document => (1, DynamicImage::ImageLuma8(to_grey(image))),
        ScanMode::Photo => (3, DynamicImage::ImageRgb8(image.into_rgb8())),
    };
    pixels.apply_orientation(orientation);
    let (width, height) = (pixels.width(), pixels.height());
    let data = pixels.as_bytes();

    let page = if options.detect_page {
        let grey_owned;
        let grey = if channels == 1 {
            data
        } else {
            grey_owned = rgb_to_grey(data);
            &grey_owned
        };
        crop::find_page(grey, width, height)
    } else {
        None
    };
    let rect = page.unwrap_or(Rect::full(width, height));
    let (dw, dh) = fit_within(rect.width, rect.height, A4_LONG_SIDE_PX, A4_SHORT_SIDE_PX);
    let scaled = resize_area(Pixels { data, width, height, channels }, rect, dw, dh);
    tracing::debug!(width, height, ?orientation, cropped = page.is_some(), dw, dh, "page geometry");

    let (encoded, mime, preview) = match options.mode {
        ScanMode::Document => {
            let bilevel = threshold::binarize(&scaled, dw, dh);
            let png = encode::encode_bilevel_png(dw, dh, &bilevel.white)?;
            (png, "image/png", bilevel.flattened)
        }
        ScanMode::Photo => {
            let jpeg = encode::encode_jpeg(&scaled, dw, dh, 3, options.photo_quality).map_err(ScanError::EncodeJpeg)?;
            (jpeg, "image/jpeg", scaled)
        }
    };
    let long = options.thumbnail_long_side.max(16);
    let (tw, th) = fit_within(dw, dh, long, long);
    let thumb = resize_area(Pixels { data: &preview, width: dw, height: dh, channels }, Rect::full(dw, dh), tw, th);
    let thumbnail =
        encode::encode_jpeg(&thumb, tw, th, channels, options.thumbnail_quality).map_err(ScanError::EncodeJpeg)?;
    let sha256_hex = hex::encode(Sha256::digest(&encoded));
    tracing::debug!(bytes = encoded.len(), thumbnail_bytes = thumbnail.len(), "page encoded");
    Ok(ScannedPage {
        bytes: encoded,
        mime,
        width: dw,
        height: dh,
        pages: 1,
        thumbnail,
        thumbnail_mime: "image/jpeg",
        sha256_hex,
    })
}

/// Greyscale with integer Rec. 601 weights, fast for the common 8-bit RGB case.
fn to_grey(image: DynamicImage) -> image::GrayImage {
    match image {
        DynamicImage::ImageLuma8(g) => g,
        DynamicImage::ImageRgb8(rgb) => {
            let (w, h) = rgb.dimensions();
            let grey = rgb_to_grey(rgb.as_raw());
            // The buffer has exactly w × h bytes, so this cannot fail.
            image::GrayImage::from_raw(w, h, grey).unwrap_or_else(|| image::GrayImage::new(w, h))
        }
        other => other.to_luma8(),
    }
}

fn rgb_to_grey(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|p| ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8) as u8)
        .collect()
}

/// A thumbnail of a stored page (a document's PNG or a photo's JPEG, as [`process`] made
/// it): a JPEG whose longest side is `options.thumbnail_long_side`, for the case detail.
/// The same limits as for any input, so a damaged or hostile blob is refused, not decoded.
pub fn thumbnail(bytes: &[u8], options: &ScanOptions) -> Result<Vec<u8>, ScanError> {
    let image = decode::decode(bytes, &options.limits, false)?;
    let (channels, pixels) = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageLumaA8(_) => (1, DynamicImage::ImageLuma8(image.into_luma8())),
        other => (3, DynamicImage::ImageRgb8(other.into_rgb8())),
    };
    let (width, height) = (pixels.width(), pixels.height());
    let long = options.thumbnail_long_side.max(16);
    let (tw, th) = fit_within(width, height, long, long);
    let data = pixels.as_bytes();
    let thumb = resize_area(Pixels { data, width, height, channels }, Rect::full(width, height), tw, th);
    encode::encode_jpeg(&thumb, tw, th, channels, options.thumbnail_quality).map_err(ScanError::EncodeJpeg)
}

/// EXIF orientation is exposed for callers that show the original photo.
pub fn exif_orientation(bytes: &[u8]) -> Orientation {
    orient::exif_orientation(bytes)
}
