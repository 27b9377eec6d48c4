//! Decoding JPEG, PNG and TIFF bytes within limits.
//!
//! The header is read first and its dimensions checked, so a decompression bomb is refused
//! before any pixel buffer is allocated; the decoder then runs with the same limits.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::error::ScanError;

/// How large an input the pipeline accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Largest file accepted, in bytes.
    pub max_input_bytes: usize,
    /// Largest image accepted, in pixels (width × height as declared in the header).
    pub max_pixels: u64,
    /// Largest width or height accepted, in pixels.
    pub max_side: u32,
    /// Smallest width or height accepted: below this no page is legible.
    pub min_side: u32,
}

impl Default for ScanLimits {
    fn default() -> Self {
        // A 50 MP phone photo or a 600 dpi A4 scan fits; 40 MB covers a lossless TIFF of it.
        Self { max_input_bytes: 40 << 20, max_pixels: 50_000_000, max_side: 20_000, min_side: 64 }
    }
}

/// Decodes `bytes` after checking their size, format and declared dimensions.
///
/// With `want_grey`, a colour JPEG is decoded straight to luma: the chroma planes are
/// never transformed or upsampled, which saves a third of the time on a 12 MP photo.
pub(crate) fn decode(bytes: &[u8], limits: &ScanLimits, want_grey: bool) -> Result<DynamicImage, ScanError> {
    if bytes.is_empty() {
        return Err(ScanError::Empty);
    }
    if bytes.len() > limits.max_input_bytes {
        return Err(ScanError::TooManyBytes { bytes: bytes.len(), max: limits.max_input_bytes });
    }
    let format = image::guess_format(bytes).map_err(|_| ScanError::UnsupportedFormat)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Tiff) {
        return Err(ScanError::UnsupportedFormat);
    }
    // Only the header is read here; the size limits apply below, with the real numbers.
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(classify)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels || width > limits.max_side || height > limits.max_side {
        return Err(ScanError::TooManyPixels { width, height, max_pixels: limits.max_pixels });
    }
    if width < limits.min_side || height < limits.min_side {
        return Err(ScanError::TooSmall { width, height });
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a cut-off photo with grey; a half page is no use on file.
        return Err(ScanError::Truncated);
    }
    tracing::debug!(?format, width, height, "decoding scan");
    if want_grey
        && format == ImageFormat::Jpeg
        && let Some(grey) = decode_jpeg_luma(bytes, width, height, limits)
    {
        return Ok(DynamicImage::ImageLuma8(grey));
    }
    reader(bytes, format, limits).decode().map_err(classify)
}

/// The luma plane of a YCbCr or greyscale JPEG; `None` for other colour spaces or on any
/// error, so the general decoder runs and reports it.
fn decode_jpeg_luma(bytes: &[u8], width: u32, height: u32, limits: &ScanLimits) -> Option<GrayImage> {
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(limits.max_side as usize)
        .set_max_height(limits.max_side as usize);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().ok()?;
    if !matches!(decoder.input_colorspace(), Some(ColorSpace::YCbCr | ColorSpace::Luma)) {
        return None;
    }
    let pixels = decoder.decode().ok()?;
    GrayImage::from_raw(width, height, pixels)
}

fn reader<'a>(bytes: &'a [u8], format: ImageFormat, limits: &ScanLimits) -> ImageReader<Cursor<&'a [u8]>> {
    let mut r = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    // Room for the widest sample layout we accept (16-bit RGBA) plus decoder scratch.
    l.max_alloc = Some(limits.max_pixels.saturating_mul(10));
    r.limits(l);
    r
}

/// Limit errors from the decoder mean "too large"; everything else means a damaged file.
fn classify(err: image::ImageError) -> ScanError {
    match &err {
        image::ImageError::Limits(_) => ScanError::ExceedsLimits(err),
        image::ImageError::Unsupported(_) => ScanError::UnsupportedFormat,
        _ => ScanError::Corrupt(err),
    }
}

/// A complete JPEG has an end-of-image marker after its last start-of-scan marker.
///
/// Entropy-coded data escapes `FF` bytes, so `FF D9` there is a real marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    last_sos.is_some_and(|sos| bytes[sos..].windows(2).any(|w| w == [0xFF, 0xD9]))
}
