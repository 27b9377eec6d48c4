//! Encoding pages: bilevel PNG (1 bit per pixel, highest compression) for documents, JPEG
//! for photos and thumbnails.

use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// Encodes a bilevel image as a 1-bit greyscale PNG at maximum compression.
///
/// `white` holds one byte per pixel, row by row: non-zero is white (paper), zero is black
/// (ink). The output is deterministic for a given `png` crate version.
pub(crate) fn encode_bilevel_png(width: u32, height: u32, white: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let w = width as usize;
    let row_bytes = w.div_ceil(8);
    let mut packed = vec![0u8; row_bytes * height as usize];
    for (src, dst) in white.chunks_exact(w.max(1)).zip(packed.chunks_exact_mut(row_bytes.max(1))) {
        for (x, &v) in src.iter().enumerate() {
            if v != 0 {
                dst[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    enc.set_deflate_compression(png::DeflateCompression::Level(9));
    // Bilevel text compresses best unfiltered or with Up; adaptive picks per row.
    enc.set_filter(png::Filter::NoFilter);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&packed)?;
    writer.finish()?;
    Ok(out)
}

/// Encodes 8-bit greyscale (`channels` 1) or RGB (`channels` 3) pixels as baseline JPEG at
/// `quality` (1..=100).
pub(crate) fn encode_jpeg(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: usize,
    quality: u8,
) -> Result<Vec<u8>, image::ImageError> {
    let color = if channels == 1 { ExtendedColorType::L8 } else { ExtendedColorType::Rgb8 };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100)).write_image(pixels, width, height, color)?;
    Ok(out)
}
