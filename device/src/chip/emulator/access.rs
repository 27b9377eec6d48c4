//! The chip side of BAC and PACE for the emulated chip. Wrong keys get the status words
//! real chips answer (6300); malformed steps get 6A80 and reset the protocol.

use super::{EmulatedChip, status};
use crate::chip::access::AccessKey;
use crate::chip::apdu::{CommandApdu, ResponseApdu, StatusWord};
use crate::chip::bac;
use crate::chip::crypto::{Cipher, CipherKind, ct_eq, pad, retail_mac};
use crate::chip::pace::mapping;
use crate::chip::sm::SmSession;
use crate::chip::tlv;

/// Where the chip is in an access-control protocol.
pub(super) enum AuthState {
    Idle,
    BacChallenge([u8; 8]),
    Pace(Box<PaceRun>),
}

/// The chip's PACE state between GENERAL AUTHENTICATE steps.
pub(super) struct PaceRun {
    password: AccessKey,
    step: u8,
    nonce: Vec<u8>,
    generator: Vec<u8>,
    own_public: Vec<u8>,
    terminal_public: Vec<u8>,
    ks_enc: Vec<u8>,
    ks_mac: Vec<u8>,
}

impl EmulatedChip {
    pub(super) fn get_challenge(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        if !self.bac {
            return status(StatusWord::INS_NOT_SUPPORTED);
        }
        if cmd.le != Some(8) {
            return status(StatusWord::WRONG_LENGTH);
        }
        let mut rnd_icc = [0u8; 8];
        if self.rng.fill(&mut rnd_icc).is_err() {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        self.auth = super::AuthState::BacChallenge(rnd_icc);
        ResponseApdu { data: rnd_icc.to_vec(), sw: StatusWord::SUCCESS }
    }

    pub(super) fn external_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let AuthState::BacChallenge(rnd_icc) = std::mem::replace(&mut self.auth, AuthState::Idle) else {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        self.bac_answer(&rnd_icc, &cmd.data).unwrap_or_else(status)
    }

    fn bac_answer(&mut self, rnd_icc: &[u8; 8], data: &[u8]) -> Result<ResponseApdu, StatusWord> {
        let refused = StatusWord::VERIFICATION_FAILED;
        let (k_enc, k_mac) = bac::document_keys(&self.mrz_key.bac_seed());
        let (Some(e_ifd), Some(m_ifd), 40) = (data.get(..32), data.get(32..), data.len()) else {
            return Err(StatusWord::WRONG_LENGTH);
        };
        if !ct_eq(&retail_mac(&k_mac, &pad(e_ifd, 8)).map_err(|_| refused)?, m_ifd) {
            return Err(refused);
        }
        let cipher = Cipher::new(CipherKind::Tdes, &k_enc).map_err(|_| refused)?;
        let s = cipher.cbc_decrypt(&[0; 8], e_ifd).map_err(|_| refused)?;
        let (Some(rnd_ifd), Some(their_rnd_icc), Some(k_ifd)) = (s.get(..8), s.get(8..16), s.get(16..32)) else {
            return Err(refused);
        };
        if their_rnd_icc != rnd_icc {
            return Err(refused);
        }
        let mut k_icc = [0u8; 16];
        self.rng.fill(&mut k_icc).map_err(|_| StatusWord::CONDITIONS_NOT_SATISFIED)?;
        let r = [&rnd_icc[..], rnd_ifd, &k_icc].concat();
        let mut answer = cipher.cbc_encrypt(&[0; 8], &r).map_err(|_| refused)?;
        let mac = retail_mac(&k_mac, &pad(&answer, 8)).map_err(|_| refused)?;
        answer.extend_from_slice(&mac);
        let seed: Vec<u8> = k_ifd.iter().zip(k_icc).map(|(a, b)| a ^ b).collect();
        let (ks_enc, ks_mac) = bac::document_keys(&seed);
        let ssc = [rnd_icc.get(4..).unwrap_or_default(), rnd_ifd.get(4..).unwrap_or_default()].concat();
        self.pending_sm = Some(SmSession::new(CipherKind::Tdes, &ks_enc, &ks_mac, ssc).map_err(|_| refused)?);
        Ok(ResponseApdu { data: answer, sw: StatusWord::SUCCESS })
    }

    pub(super) fn mse_set_at(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let Some(profile) = self.pace else {
            return status(StatusWord::INS_NOT_SUPPORTED);
        };
        if (cmd.p1, cmd.p2) != (0xC1, 0xA4) {
            return status(StatusWord::INCORRECT_P1P2);
        }
        let Ok(objects) = tlv::parse_all(&cmd.data) else {
            return status(StatusWord::WRONG_DATA);
        };
        let value = |tag| objects.iter().find(|o| o.tag == tag).map(|o| o.value);
        if value(0x80) != Some(profile.oid().as_slice()) {
            return status(StatusWord::REFERENCE_NOT_FOUND);
        }
        match value(0x84) {
            None if self.ukrainian_quirks => return status(StatusWord::LC_INCONSISTENT_WITH_P1P2),
            Some(id) if id != [profile.parameter_id()] => {
                return status(StatusWord::REFERENCE_NOT_FOUND);
            }
            _ => {}
        }
        let password = match (value(0x83), &self.can) {
            (Some([1]), _) => AccessKey::Mrz(self.mrz_key.clone()),
            (Some([2]), Some(can)) => AccessKey::Can(can.clone()),
            _ => return status(StatusWord::REFERENCE_NOT_FOUND),
        };
        self.sm = None;
        self.auth = AuthState::Pace(Box::new(PaceRun {
            password,
            step: 0,
            nonce: Vec::new(),
            generator: Vec::new(),
            own_public: Vec::new(),
            terminal_public: Vec::new(),
            ks_enc: Vec::new(),
            ks_mac: Vec::new(),
        }));
        status(StatusWord::SUCCESS)
    }

    pub(super) fn general_authenticate(&mut self, cmd: &CommandApdu) -> ResponseApdu {
        let (Some(profile), AuthState::Pace(mut run)) = (self.pace, std::mem::replace(&mut self.auth, AuthState::Idle))
        else {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let chained = cmd.cla & 0x10 != 0;
        if chained != (run.step < 3) {
            return status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        match self.pace_step(profile, &mut run, &cmd.data) {
            Ok(data) => {
                if run.step < 4 {
                    self.auth = AuthState::Pace(run);
                }
                ResponseApdu { data, sw: StatusWord::SUCCESS }
            }
            Err(sw) => status(sw),
        }
    }

    fn pace_step(
        &mut self,
        profile: super::PaceProfile,
        run: &mut PaceRun,
        data: &[u8],
    ) -> Result<Vec<u8>, StatusWord> {
        let bad = StatusWord::WRONG_DATA;
        let inner = tlv::expect(data, 0x7C).map_err(|_| bad)?;
        let item = |tag| tlv::find(inner, tag).ok().flatten().ok_or(bad);
        let (cipher, curve) = (profile.cipher, profile.curve);
        let rng: &mut dyn crate::chip::random::RandomSource = &mut *self.rng;
        let answer = match run.step {
            0 => {
                let mut nonce = vec![0u8; cipher.block_len()];
                rng.fill(&mut nonce).map_err(|_| bad)?;
                let k_pi = mapping::password_key(cipher, &run.password.pace_secret());
                let encrypted = mapping::encrypt_nonce(cipher, &k_pi, &nonce).map_err(|_| bad)?;
                run.nonce = nonce;
                tlv::encode(0x80, &encrypted)
            }
            1 => {
                let private = curve.random_scalar(rng).map_err(|_| bad)?;
                let public = curve.mul(&curve.generator(), &private).map_err(|_| bad)?;
                run.generator = mapping::mapped_generator(curve, &run.nonce, &private, item(0x81)?).map_err(|_| bad)?;
                tlv::encode(0x82, &public)
            }
            2 => {
                run.terminal_public = item(0x83)?.to_vec();
                let private = curve.random_scalar(rng).map_err(|_| bad)?;
                run.own_public = curve.mul(&run.generator, &private).map_err(|_| bad)?;
                let shared = curve.mul(&run.terminal_public, &private).map_err(|_| bad)?;
                (run.ks_enc, run.ks_mac) = mapping::session_keys(cipher, &curve.x_coordinate(&shared));
                tlv::encode(0x84, &run.own_public)
            }
            _ => {
                let oid = profile.oid();
                let expected = mapping::auth_token(cipher, &run.ks_mac, &oid, &run.own_public).map_err(|_| bad)?;
                if !ct_eq(&expected, item(0x85)?) {
                    return Err(StatusWord::VERIFICATION_FAILED);
                }
                let token = mapping::auth_token(cipher, &run.ks_mac, &oid, &run.terminal_public).map_err(|_| bad)?;
                let ssc = vec![0; cipher.block_len()];
                self.pending_sm = Some(SmSession::new(cipher, &run.ks_enc, &run.ks_mac, ssc).map_err(|_| bad)?);
                tlv::encode(0x86, &token)
            }
        };
        run.step += 1;
        Ok(tlv::encode(0x7C, &answer))
    }
}
