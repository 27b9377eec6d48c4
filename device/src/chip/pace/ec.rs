//! Elliptic-curve arithmetic PACE needs, on the standardized curves Keis supports
//! (parameter id 12 = NIST P-256, 13 = brainpoolP256r1). Points travel as uncompressed
//! SEC1 bytes (`04 ‖ X ‖ Y`); every point from the card is checked to be on the curve.

use crate::chip::random::RandomSource;

/// A point or scalar from the card (or the caller) that is not valid on the curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EcError {
    #[error("not a point on the curve")]
    InvalidPoint,
    #[error("not a valid scalar for the curve")]
    InvalidScalar,
    #[error("the result is the point at infinity")]
    Identity,
    #[error("no usable random scalar")]
    Random,
}

/// A PACE standardized elliptic curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (secp256r1), parameter id 12.
    P256,
    /// brainpoolP256r1, parameter id 13.
    BrainpoolP256r1,
}

macro_rules! curve_ops {
    ($module:ident, $($path:ident)::+) => {
        mod $module {
            use super::EcError;
            use $($path)::+::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};
            use p256::elliptic_curve::PrimeField;
            use p256::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};

            pub(super) fn scalar(bytes: &[u8]) -> Result<Scalar, EcError> {
                let mut padded = [0u8; 32];
                let start = 32usize.checked_sub(bytes.len()).ok_or(EcError::InvalidScalar)?;
                padded.get_mut(start..).ok_or(EcError::InvalidScalar)?.copy_from_slice(bytes);
                let repr = FieldBytes::from(padded);
                Option::<Scalar>::from(Scalar::from_repr(repr)).ok_or(EcError::InvalidScalar)
            }

            fn point(bytes: &[u8]) -> Result<ProjectivePoint, EcError> {
                if bytes.first() != Some(&0x04) {
                    return Err(EcError::InvalidPoint);
                }
                let affine = AffinePoint::from_sec1_bytes(bytes).map_err(|_| EcError::InvalidPoint)?;
                Ok(ProjectivePoint::from(affine))
            }

            fn encode(p: ProjectivePoint) -> Result<Vec<u8>, EcError> {
                let bytes = p.to_affine().to_sec1_point(false).as_bytes().to_vec();
                if bytes.len() == 65 { Ok(bytes) } else { Err(EcError::Identity) }
            }

            pub(super) fn is_valid_scalar(bytes: &[u8]) -> bool {
                scalar(bytes).is_ok_and(|s| !bool::from(<Scalar as p256::elliptic_curve::Field>::is_zero(&s)))
            }

            pub(super) fn generator() -> Vec<u8> {
                ProjectivePoint::GENERATOR.to_affine().to_sec1_point(false).as_bytes().to_vec()
            }

            pub(super) fn mul(p: &[u8], k: &[u8]) -> Result<Vec<u8>, EcError> {
                encode(point(p)? * scalar(k)?)
            }

            pub(super) fn map(s: &[u8], g: &[u8], h: &[u8]) -> Result<Vec<u8>, EcError> {
                encode(point(g)? * scalar(s)? + point(h)?)
            }
        }
    };
}

curve_ops!(nist, p256);
curve_ops!(brainpool, bp256::r1);

impl Curve {
    /// The curve of a standardized domain parameter id, if Keis supports it.
    pub(crate) fn from_parameter_id(id: u8) -> Option<Self> {
        match id {
            12 => Some(Self::P256),
            13 => Some(Self::BrainpoolP256r1),
            _ => None,
        }
    }

    /// Bytes of a field element / scalar.
    pub(crate) fn size(self) -> usize {
        32
    }

    /// The curve's standard generator G.
    pub(crate) fn generator(self) -> Vec<u8> {
        match self {
            Self::P256 => nist::generator(),
            Self::BrainpoolP256r1 => brainpool::generator(),
        }
    }

    /// `k · P` for a point from anywhere (validated) and a big-endian scalar.
    pub(crate) fn mul(self, point: &[u8], scalar: &[u8]) -> Result<Vec<u8>, EcError> {
        match self {
            Self::P256 => nist::mul(point, scalar),
            Self::BrainpoolP256r1 => brainpool::mul(point, scalar),
        }
    }

    /// Generic mapping: `G' = s · G + H`.
    pub(crate) fn map_generator(self, nonce: &[u8], h: &[u8]) -> Result<Vec<u8>, EcError> {
        let g = self.generator();
        match self {
            Self::P256 => nist::map(nonce, &g, h),
            Self::BrainpoolP256r1 => brainpool::map(nonce, &g, h),
        }
    }

    /// A uniformly random non-zero private key (rejection sampling).
    pub(crate) fn random_scalar(self, rng: &mut dyn RandomSource) -> Result<Vec<u8>, EcError> {
        for _ in 0..16 {
            let mut k = vec![0u8; self.size()];
            rng.fill(&mut k).map_err(|_| EcError::Random)?;
            let valid = match self {
                Self::P256 => nist::is_valid_scalar(&k),
                Self::BrainpoolP256r1 => brainpool::is_valid_scalar(&k),
            };
            if valid {
                return Ok(k);
            }
        }
        Err(EcError::Random)
    }

    /// The x-coordinate of a point: the ECDH shared secret.
    pub(crate) fn x_coordinate(self, point: &[u8]) -> Vec<u8> {
        point.get(1..=self.size()).unwrap_or_default().to_vec()
    }
}
