//! PACE (Doc 9303 Part 11 §4.4): reading EF.CardAccess, then ECDH generic mapping over
//! MSE:Set AT and four GENERAL AUTHENTICATE steps, ending in an AES (or 3DES) secure
//! messaging session with the SSC at zero.

pub mod card_access;
pub mod ec;
pub(crate) mod mapping;

use self::card_access::PaceInfo;
use self::ec::{Curve, EcError};
use crate::chip::access::AccessKey;
use crate::chip::apdu::{CommandApdu, ResponseApdu};
use crate::chip::channel::Channel;
use crate::chip::crypto::ct_eq;
use crate::chip::error::ChipError;
use crate::chip::random::{RandomError, RandomSource};
use crate::chip::sm::SmSession;
use crate::chip::tlv;
use crate::chip::transport::Transport;

const GA: &str = "GENERAL AUTHENTICATE";

fn card_point(err: EcError) -> ChipError {
    match err {
        EcError::Random => ChipError::Random(RandomError),
        _ => ChipError::Malformed { what: GA },
    }
}

/// The MSE:Set AT command. Tag 84 (the parameter id) is always sent: Ukrainian cards
/// refuse the command without it.
pub(crate) fn mse_set_at(info: &PaceInfo, key: &AccessKey) -> CommandApdu {
    let mut data = tlv::encode(0x80, &info.oid);
    data.extend(tlv::encode(0x83, &[key.pace_reference()]));
    if let Some(id) = info.parameter_id {
        data.extend(tlv::encode(0x84, &[id]));
    }
    CommandApdu::new(0x00, 0x22, 0xC1, 0xA4).with_data(data)
}

/// One GENERAL AUTHENTICATE step: sends `7C { tag value }`, returns the value of
/// `answer_tag` in the `7C` answer.
fn general_authenticate<T: Transport>(
    channel: &mut Channel<T>,
    last: bool,
    item: Option<(u32, &[u8])>,
    answer_tag: u32,
) -> Result<Vec<u8>, ChipError> {
    let inner = item.map(|(tag, value)| tlv::encode(tag, value)).unwrap_or_default();
    let cla = if last { 0x00 } else { 0x10 };
    let cmd = CommandApdu::new(cla, 0x86, 0x00, 0x00).with_data(tlv::encode(0x7C, &inner)).with_le(256);
    let ResponseApdu { data, sw } = channel.send(&cmd)?;
    if !sw.is_success() {
        tracing::debug!(%sw, "PACE step refused");
        return Err(ChipError::from_auth_status(GA, sw));
    }
    let objects = tlv::expect(&data, 0x7C).map_err(ChipError::tlv(GA))?;
    tlv::find(objects, answer_tag)
        .map_err(ChipError::tlv(GA))?
        .map(<[u8]>::to_vec)
        .ok_or(ChipError::Malformed { what: GA })
}

/// Runs PACE with `info` over `channel` and returns the secure-messaging session.
pub(crate) fn establish<T: Transport>(
    channel: &mut Channel<T>,
    info: &PaceInfo,
    key: &AccessKey,
    rng: &mut dyn RandomSource,
) -> Result<SmSession, ChipError> {
    let curve = info.parameter_id.and_then(Curve::from_parameter_id).filter(|_| info.is_supported()).ok_or(
        ChipError::Unsupported { what: "a PACE variant other than ECDH generic mapping on P-256 or brainpoolP256r1" },
    )?;
    let cipher = info.cipher;

    let answer = channel.send(&mse_set_at(info, key))?;
    if !(answer.sw.is_success() || answer.sw.retries_left().is_some_and(|n| n > 0)) {
        if answer.sw.retries_left() == Some(0) {
            return Err(ChipError::AccessBlocked);
        }
        return Err(ChipError::from_auth_status("MSE:Set AT", answer.sw));
    }

    // Step 1: the chip's encrypted nonce.
    let encrypted_nonce = general_authenticate(channel, false, None, 0x80)?;
    let k_pi = mapping::password_key(cipher, &key.pace_secret());
    let nonce =
        mapping::decrypt_nonce(cipher, &k_pi, &encrypted_nonce).map_err(|_| ChipError::Malformed { what: GA })?;

    // Step 2: mapping keys, then G' = s·G + H.
    let map_private = curve.random_scalar(rng).map_err(card_point)?;
    let map_public = curve.mul(&curve.generator(), &map_private).map_err(card_point)?;
    let chip_map_public = general_authenticate(channel, false, Some((0x81, &map_public)), 0x82)?;
    if chip_map_public == map_public {
        return Err(ChipError::ChipAuthentication);
    }
    let generator = mapping::mapped_generator(curve, &nonce, &map_private, &chip_map_public).map_err(card_point)?;

    // Step 3: ephemeral key agreement on G'.
    let eph_private = curve.random_scalar(rng).map_err(card_point)?;
    let eph_public = curve.mul(&generator, &eph_private).map_err(card_point)?;
    let chip_public = general_authenticate(channel, false, Some((0x83, &eph_public)), 0x84)?;
    if chip_public == eph_public {
        return Err(ChipError::ChipAuthentication);
    }
    let shared = curve.mul(&chip_public, &eph_private).map_err(card_point)?;
    let (ks_enc, ks_mac) = mapping::session_keys(cipher, &curve.x_coordinate(&shared));

    // Step 4: mutual authentication tokens. A wrong MRZ/CAN is refused here.
    let token = mapping::auth_token(cipher, &ks_mac, &info.oid, &chip_public)?;
    let chip_token = general_authenticate(channel, true, Some((0x85, &token)), 0x86)?;
    let expected = mapping::auth_token(cipher, &ks_mac, &info.oid, &eph_public)?;
    if !ct_eq(&chip_token, &expected) {
        return Err(ChipError::ChipAuthentication);
    }
    tracing::debug!(?cipher, ?curve, "PACE established");
    Ok(SmSession::new(cipher, &ks_enc, &ks_mac, vec![0; cipher.block_len()])?)
}
