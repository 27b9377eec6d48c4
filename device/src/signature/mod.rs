//! Handwritten signatures and the device signature over the case content.
//!
//! - [`strokes`]: points from the pen or finger, and the checks that reject an empty pad or
//!   a tap ([`CaptureError`], with messages in Ukrainian and English).
//! - [`render`]: deterministic 1-bit PNG and SVG images of the strokes.
//! - [`device_sig`]: the device's Ed25519 key and the canonical payload it signs: content
//!   digest, image hash, signer and time.
//! - [`record`]: the applicant's signature as the case records it.
//!
//! ```
//! use keis_device::signature::*;
//!
//! let stroke = Stroke {
//!     points: (0..40u32)
//!         .map(|i| Point::new(50.0 + i as f32 * 10.0, 100.0 + (i as f32 * 0.5).sin() * 40.0, i * 16))
//!         .collect(),
//! };
//! let sig = HandwrittenSignature::new(Canvas { width: 600.0, height: 200.0 }, vec![stroke])?;
//! let image = render_png(&sig, DEFAULT_RENDER_WIDTH)?;
//!
//! let key = DeviceKey::generate(&ring::rand::SystemRandom::new())?;
//! let signer = SignerIdentity {
//!     role: "applicant".into(),
//!     full_name: "Заявник".into(),
//!     position_id: String::new(),
//!     organisation_id: "hromada-1".into(),
//! };
//! let content = SignedContent::new([7; 32], &image.png, signer, 1_700_000_000_000);
//! let device_sig = key.sign(&content)?;
//! key.public_key().verify(&content, &device_sig)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod device_sig;
pub mod error;
pub mod record;
pub mod render;
pub mod strokes;

pub use device_sig::{DOMAIN_TAG, DeviceKey, DevicePublicKey, DeviceSignature, SignedContent, SignerIdentity};
pub use error::{CaptureError, DeviceSignatureError, Lang};
pub use record::applicant_record;
pub use render::{DEFAULT_RENDER_WIDTH, RenderedSignature, render_png, render_svg};
pub use strokes::{Canvas, HandwrittenSignature, Point, SignatureRules, Stroke};
