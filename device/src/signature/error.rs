//! Errors of signature capture and of the device signature, with messages the UI can show.

use thiserror::Error;

/// Language of a message shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Ukrainian, the default for the people at the table.
    Uk,
    /// English, for support staff and logs read by developers.
    En,
}

/// A handwritten signature that cannot be accepted; the applicant should sign again.
#[derive(Debug, Error)]
pub enum CaptureError {
    /// No ink at all.
    #[error("the signature is empty: ask the applicant to sign again")]
    Empty,
    /// Some ink, but too little to be a signature (a tap, a dot, a short line).
    #[error(
        "the signature is too short ({points} points, {ink_length:.0} px of ink, \
         {bbox_width:.0}×{bbox_height:.0} px): ask the applicant to sign again"
    )]
    TooShort {
        /// Number of points captured.
        points: usize,
        /// Total length of the strokes, in canvas units.
        ink_length: f32,
        /// Width of the ink's bounding box, in canvas units.
        bbox_width: f32,
        /// Height of the ink's bounding box, in canvas units.
        bbox_height: f32,
    },
    /// More points than any real signature has: the input device misbehaved.
    #[error("the signature has {count} points, more than {max}: clear the pad and sign again")]
    TooManyPoints {
        /// Number of points captured.
        count: usize,
        /// The most accepted.
        max: usize,
    },
    /// A coordinate, time or pressure that is not a finite number.
    #[error("point {index} of stroke {stroke} is not a valid number: clear the pad and sign again")]
    InvalidPoint {
        /// Index of the stroke.
        stroke: usize,
        /// Index of the point in the stroke.
        index: usize,
    },
    /// The signing pad's size is zero, negative or not a number.
    #[error("the signing pad has no usable size ({width}×{height}): restart the signing screen")]
    InvalidCanvas {
        /// Width given.
        width: f32,
        /// Height given.
        height: f32,
    },
    /// The requested image size is zero or absurdly large.
    #[error("cannot draw the signature at {width} px wide: use a width between 16 and 4096")]
    InvalidRenderWidth {
        /// Width asked for.
        width: u32,
    },
    /// The PNG encoder failed (out of memory or an internal error).
    #[error("could not encode the signature image: try again")]
    Encode(#[from] png::EncodingError),
}

impl CaptureError {
    /// A short message for the person holding the tablet, in `lang`.
    pub fn user_message(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Empty | Self::TooShort { .. }, Lang::Uk) => {
                "Підпис порожній або закороткий — попросіть заявника розписатися ще раз."
            }
            (Self::Empty | Self::TooShort { .. }, Lang::En) => {
                "The signature is empty or too short — ask the applicant to sign again."
            }
            (Self::TooManyPoints { .. } | Self::InvalidPoint { .. }, Lang::Uk) => {
                "Підпис зчитано з помилкою — очистіть поле й попросіть розписатися ще раз."
            }
            (Self::TooManyPoints { .. } | Self::InvalidPoint { .. }, Lang::En) => {
                "The signature was not read correctly — clear the pad and ask to sign again."
            }
            (Self::InvalidCanvas { .. } | Self::InvalidRenderWidth { .. }, Lang::Uk) => {
                "Поле для підпису не готове — закрийте й відкрийте екран підпису ще раз."
            }
            (Self::InvalidCanvas { .. } | Self::InvalidRenderWidth { .. }, Lang::En) => {
                "The signing pad is not ready — close and reopen the signing screen."
            }
            (Self::Encode(_), Lang::Uk) => "Не вдалося зберегти підпис — спробуйте ще раз.",
            (Self::Encode(_), Lang::En) => "Could not save the signature — try again.",
        }
    }
}

/// A failure of the device's Ed25519 key or signature.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DeviceSignatureError {
    /// The system's random number generator failed; the key was not created.
    #[error("could not generate a device key: the system random generator failed; retry or restart the device")]
    KeyGeneration,
    /// Stored key bytes are not an Ed25519 PKCS#8 v2 document.
    #[error("the stored device key is unreadable ({reason}): re-enrol the device")]
    KeyRejected {
        /// What `ring` found wrong.
        reason: String,
    },
    /// A public key that is not 32 bytes.
    #[error("a device public key is 32 bytes, got {len}: check the enrolment record")]
    PublicKeyLength {
        /// Length found.
        len: usize,
    },
    /// A signature that is not 64 bytes.
    #[error("a device signature is 64 bytes, got {len}: the record is damaged")]
    SignatureLength {
        /// Length found.
        len: usize,
    },
    /// A signer field too long to encode (more than 4 GiB, or above the field limit).
    #[error("the signer's {field} is too long ({len} bytes, at most {max}): shorten it")]
    FieldTooLong {
        /// Which field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// The signature does not match: content, image or signer changed after signing, or
    /// another device's key was used.
    #[error("the signature does not match: the content changed after signing or it was signed by another device")]
    Invalid,
}

impl DeviceSignatureError {
    /// A short message for the person holding the tablet, in `lang`.
    pub fn user_message(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Invalid, Lang::Uk) => {
                "Підпис не збігається: зміст змінено після підписання або підписано іншим пристроєм."
            }
            (Self::Invalid, Lang::En) => {
                "The signature does not match: the content changed after signing or another device signed it."
            }
            (Self::FieldTooLong { .. }, Lang::Uk) => "Дані підписанта задовгі — скоротіть їх і спробуйте ще раз.",
            (Self::FieldTooLong { .. }, Lang::En) => "The signer's details are too long — shorten them and try again.",
            (_, Lang::Uk) => "Ключ пристрою недоступний — зверніться до адміністратора для повторної реєстрації.",
            (_, Lang::En) => "The device key is unavailable — ask the administrator to re-enrol the device.",
        }
    }
}
