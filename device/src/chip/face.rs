//! DG2, the face image (Doc 9303 Part 10 §4.7.2; ISO/IEC 19794-5 facial record): the
//! JPEG or JPEG 2000 bytes and their format, decoded for display (both in pure Rust).

use super::tlv::{self, TlvError};

/// The encoding of the face image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceFormat {
    Jpeg,
    Jpeg2000,
}

impl std::fmt::Display for FaceFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Jpeg => "JPEG",
            Self::Jpeg2000 => "JPEG 2000",
        })
    }
}

/// Why DG2 gave no usable face image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaceError {
    #[error("the face data group is malformed: {0}")]
    Tlv(#[from] TlvError),
    #[error("the face data group holds no JPEG or JPEG 2000 image")]
    NoImage,
    #[error("the face image is larger than a portrait can be; it is kept but not shown")]
    TooLarge,
    #[error("the face image could not be decoded: {0}")]
    Decode(String),
}

/// The face image as stored on the chip. `Debug` omits the image bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub format: FaceFormat,
    /// Width and height from the facial record header, when present.
    pub declared_size: Option<(u16, u16)>,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceImage").field("format", &self.format).field("len", &self.bytes.len()).finish()
    }
}

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const JP2_MAGIC: &[u8] = &[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];
const J2K_MAGIC: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];

fn format_of(bytes: &[u8]) -> Option<FaceFormat> {
    if bytes.starts_with(JPEG_MAGIC) {
        Some(FaceFormat::Jpeg)
    } else if bytes.starts_with(JP2_MAGIC) || bytes.starts_with(J2K_MAGIC) {
        Some(FaceFormat::Jpeg2000)
    } else {
        None
    }
}

fn be(bytes: &[u8], at: usize, len: usize) -> Option<usize> {
    Some(bytes.get(at..at.checked_add(len)?)?.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b)))
}

/// The image inside an ISO 19794-5 block (`FAC\0`), by its structure where it is sound,
/// else by scanning for a JPEG or JPEG 2000 signature.
fn image_in_block(block: &[u8]) -> Option<(&[u8], Option<(u16, u16)>)> {
    let structured = || {
        if !block.starts_with(b"FAC\0") {
            return None;
        }
        // Header 14 bytes; facial record header 20; feature points 8 each; image info 12.
        let record_len = be(block, 14, 4)?;
        let points = be(block, 18, 2)?;
        let info = 14 + 20 + points * 8;
        let size = (u16::try_from(be(block, info + 2, 2)?).ok()?, u16::try_from(be(block, info + 4, 2)?).ok()?);
        let image = block.get(info + 12..14usize.checked_add(record_len)?)?;
        format_of(image).map(|_| (image, Some(size)))
    };
    structured().or_else(|| {
        let at = block.windows(4).position(|w| w.starts_with(JPEG_MAGIC) || w == J2K_MAGIC || w == &JP2_MAGIC[..4])?;
        block.get(at..).filter(|b| format_of(b).is_some()).map(|b| (b, None))
    })
}

impl FaceImage {
    /// Parses DG2: `75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E|7F2E block } … } }`;
    /// returns the first face.
    pub fn parse_dg2(bytes: &[u8]) -> Result<Self, FaceError> {
        let group = tlv::expect(bytes, 0x75)?;
        let templates = tlv::find(group, 0x7F61)?.ok_or(FaceError::NoImage)?;
        for template in tlv::parse_all(templates)?.into_iter().filter(|t| t.tag == 0x7F60) {
            let inner = tlv::parse_all(template.value)?;
            let Some(block) = inner.iter().find(|t| t.tag == 0x5F2E || t.tag == 0x7F2E) else { continue };
            if let Some((image, declared_size)) = image_in_block(block.value) {
                let format = format_of(image).ok_or(FaceError::NoImage)?;
                return Ok(Self { format, declared_size, bytes: image.to_vec() });
            }
        }
        Err(FaceError::NoImage)
    }

    /// Decodes the image for display (JPEG, or JPEG 2000 with a pure-Rust decoder),
    /// refusing images larger than a face photo can be.
    pub fn decode(&self) -> Result<image::DynamicImage, FaceError> {
        let failed = |e: &dyn std::fmt::Display| FaceError::Decode(e.to_string());
        match self.format {
            FaceFormat::Jpeg2000 => {
                let settings = hayro_jpeg2000::DecodeSettings::default();
                let img = hayro_jpeg2000::Image::new(&self.bytes, &settings).map_err(|e| failed(&e))?;
                if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
                    return Err(FaceError::TooLarge);
                }
                image::DynamicImage::from_decoder(img).map_err(|e| failed(&e))
            }
            FaceFormat::Jpeg => {
                let mut reader =
                    image::ImageReader::with_format(std::io::Cursor::new(&self.bytes), image::ImageFormat::Jpeg);
                let mut limits = image::Limits::default();
                limits.max_image_width = Some(MAX_SIDE);
                limits.max_image_height = Some(MAX_SIDE);
                reader.limits(limits);
                reader.decode().map_err(|e| match e {
                    image::ImageError::Limits(_) => FaceError::TooLarge,
                    e => failed(&e),
                })
            }
        }
    }
}

/// The largest width or height decoded (ICAO portraits are a few hundred pixels).
const MAX_SIDE: u32 = 4096;

/// Builds DG2 around an image (the emulator and tests use it).
pub fn encode_dg2(image: &[u8], jpeg2000: bool, size: (u16, u16)) -> Vec<u8> {
    let mut record = Vec::new();
    record.extend_from_slice(&[0; 4]); // block length, set below
    record.extend_from_slice(&[0; 16]); // no feature points, unspecified attributes
    record.extend_from_slice(&[1, u8::from(jpeg2000)]);
    record.extend_from_slice(&size.0.to_be_bytes());
    record.extend_from_slice(&size.1.to_be_bytes());
    record.extend_from_slice(&[0; 6]);
    record.extend_from_slice(image);
    let record_len = u32::try_from(record.len()).unwrap_or(u32::MAX).to_be_bytes();
    record.splice(0..4, record_len);
    let total = u32::try_from(record.len() + 14).unwrap_or(u32::MAX).to_be_bytes();
    let mut block = b"FAC\x00010\x00".to_vec();
    block.extend_from_slice(&total);
    block.extend_from_slice(&[0, 1]);
    block.extend(record);
    let header = tlv::encode(0xA1, &tlv::encode(0x80, &[1, 1]));
    let template = tlv::encode(0x7F60, &[header, tlv::encode(0x5F2E, &block)].concat());
    let group = tlv::encode(0x7F61, &[tlv::encode(0x02, &[1]), template].concat());
    tlv::encode(0x75, &group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_image_and_its_format() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let face = FaceImage::parse_dg2(&encode_dg2(&jpeg, false, (480, 640))).expect("parses");
        assert_eq!(
            (face.format, face.declared_size, face.bytes.as_slice()),
            (FaceFormat::Jpeg, Some((480, 640)), &jpeg[..])
        );
        let jp2 = [JP2_MAGIC, &[9, 9]].concat();
        let face = FaceImage::parse_dg2(&encode_dg2(&jp2, true, (1, 1))).expect("parses");
        assert_eq!(face.format, FaceFormat::Jpeg2000);
        assert!(matches!(face.decode(), Err(FaceError::Decode(_))), "a broken JPEG 2000 is an error");
        assert!(matches!(FaceImage::parse_dg2(&encode_dg2(&[1, 2, 3], false, (1, 1))), Err(FaceError::NoImage)));
        assert!(FaceImage::parse_dg2(&[0x75, 0x03, 0x7F]).is_err());
    }
}
