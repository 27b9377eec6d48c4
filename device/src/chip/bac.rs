//! Basic Access Control (Doc 9303 Part 11 §4.3): keys from the MRZ, GET CHALLENGE, mutual
//! authentication with EXTERNAL AUTHENTICATE, and the 3DES session keys and SSC.
//!
//! The steps are pure functions (tested against Appendix D) driven by [`establish`].

use super::access::MrzKey;
use super::apdu::CommandApdu;
use super::channel::Channel;
use super::crypto::{Cipher, CipherKind, ct_eq, kdf, pad, retail_mac};
use super::error::ChipError;
use super::random::RandomSource;
use super::sm::SmSession;
use super::transport::Transport;

/// Kenc and Kmac (3DES, parity-adjusted) from the key seed.
pub(crate) fn document_keys(seed: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (kdf(CipherKind::Tdes, seed, 1), kdf(CipherKind::Tdes, seed, 2))
}

/// The terminal's nonces and key share.
pub(crate) struct TerminalSecrets {
    pub(crate) rnd_ifd: [u8; 8],
    pub(crate) k_ifd: [u8; 16],
}

impl TerminalSecrets {
    pub(crate) fn generate(rng: &mut dyn RandomSource) -> Result<Self, ChipError> {
        let mut secrets = Self { rnd_ifd: [0; 8], k_ifd: [0; 16] };
        rng.fill(&mut secrets.rnd_ifd)?;
        rng.fill(&mut secrets.k_ifd)?;
        Ok(secrets)
    }
}

/// E_IFD ‖ M_IFD: the EXTERNAL AUTHENTICATE data.
pub(crate) fn authenticate_data(
    k_enc: &[u8],
    k_mac: &[u8],
    rnd_icc: &[u8; 8],
    secrets: &TerminalSecrets,
) -> Result<Vec<u8>, ChipError> {
    let s = [&secrets.rnd_ifd[..], rnd_icc, &secrets.k_ifd].concat();
    let mut data = Cipher::new(CipherKind::Tdes, k_enc)?.cbc_encrypt(&[0; 8], &s)?;
    let mac = retail_mac(k_mac, &pad(&data, 8))?;
    data.extend_from_slice(&mac);
    Ok(data)
}

/// Checks the chip's E_ICC ‖ M_ICC and derives the session (KSenc, KSmac, SSC).
pub(crate) fn session_from_answer(
    k_enc: &[u8],
    k_mac: &[u8],
    rnd_icc: &[u8; 8],
    secrets: &TerminalSecrets,
    answer: &[u8],
) -> Result<SmSession, ChipError> {
    let (Some(e_icc), Some(m_icc), 40) = (answer.get(..32), answer.get(32..40), answer.len()) else {
        return Err(ChipError::Malformed { what: "EXTERNAL AUTHENTICATE" });
    };
    if !ct_eq(&retail_mac(k_mac, &pad(e_icc, 8))?, m_icc) {
        return Err(ChipError::ChipAuthentication);
    }
    let r = Cipher::new(CipherKind::Tdes, k_enc)?.cbc_decrypt(&[0; 8], e_icc)?;
    let (Some(their_rnd_icc), Some(their_rnd_ifd), Some(k_icc)) = (r.get(..8), r.get(8..16), r.get(16..32)) else {
        return Err(ChipError::Malformed { what: "EXTERNAL AUTHENTICATE" });
    };
    if their_rnd_icc != rnd_icc || !ct_eq(their_rnd_ifd, &secrets.rnd_ifd) {
        return Err(ChipError::ChipAuthentication);
    }
    let seed: Vec<u8> = secrets.k_ifd.iter().zip(k_icc).map(|(a, b)| a ^ b).collect();
    let (ks_enc, ks_mac) = document_keys(&seed);
    let ssc = [&rnd_icc[4..], &secrets.rnd_ifd[4..]].concat();
    Ok(SmSession::new(CipherKind::Tdes, &ks_enc, &ks_mac, ssc)?)
}

/// Runs BAC over `channel` and returns the secure-messaging session it establishes.
pub(crate) fn establish<T: Transport>(
    channel: &mut Channel<T>,
    key: &MrzKey,
    rng: &mut dyn RandomSource,
) -> Result<SmSession, ChipError> {
    let (k_enc, k_mac) = document_keys(&key.bac_seed());
    let challenge = channel.send(&CommandApdu::new(0x00, 0x84, 0x00, 0x00).with_le(8))?;
    if !challenge.sw.is_success() {
        return Err(ChipError::Status { command: "GET CHALLENGE", sw: challenge.sw });
    }
    let rnd_icc: [u8; 8] =
        challenge.data.as_slice().try_into().map_err(|_| ChipError::Malformed { what: "GET CHALLENGE" })?;
    let secrets = TerminalSecrets::generate(rng)?;
    let data = authenticate_data(&k_enc, &k_mac, &rnd_icc, &secrets)?;
    let cmd = CommandApdu::new(0x00, 0x82, 0x00, 0x00).with_data(data).with_le(40);
    let answer = channel.send(&cmd)?;
    if !answer.sw.is_success() {
        tracing::debug!(sw = %answer.sw, "BAC refused");
        return Err(ChipError::from_auth_status("EXTERNAL AUTHENTICATE", answer.sw));
    }
    let session = session_from_answer(&k_enc, &k_mac, &rnd_icc, &secrets, &answer.data)?;
    tracing::debug!("BAC established");
    Ok(session)
}
