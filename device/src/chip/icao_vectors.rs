//! Byte-exact replays of the worked examples of ICAO Doc 9303 Part 11: Appendix D (BAC and
//! secure messaging with 3DES) and Appendix G.1 (PACE, ECDH generic mapping on
//! brainpoolP256r1, AES-128). Randomness is injected with the examples' values.

use std::collections::VecDeque;

use super::access::{AccessKey, MrzKey};
use super::apdu::CommandApdu;
use super::channel::Channel;
use super::crypto::CipherKind;
use super::pace::card_access::parse_card_access;
use super::pace::ec::Curve;
use super::pace::mapping;
use super::random::ScriptedRandom;
use super::transport::{Transport, TransportError};
use super::{bac, files, pace};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test vector is hex")
}

/// A card that expects exactly the given commands and gives the given answers.
struct ScriptedCard {
    script: VecDeque<(Vec<u8>, Vec<u8>)>,
}

impl ScriptedCard {
    fn new(script: &[(&str, &str)]) -> Self {
        Self { script: script.iter().map(|(c, r)| (h(c), h(r))).collect() }
    }
}

impl Transport for ScriptedCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let (expected, answer) = self.script.pop_front().expect("no more commands expected");
        assert_eq!(hex::encode_upper(apdu), hex::encode_upper(expected), "command differs");
        Ok(answer)
    }
}

// Appendix D.
const RND_ICC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const EIFD_MIFD: &str = "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7";
const EICC_MICC: &str = "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449";

fn appendix_d_key() -> MrzKey {
    MrzKey::new("L898902C", "690806", "940623").expect("valid key")
}

fn appendix_d_secrets() -> bac::TerminalSecrets {
    let mut rng = ScriptedRandom::new([h(RND_IFD), h(K_IFD)]);
    bac::TerminalSecrets::generate(&mut rng).expect("scripted randomness")
}

#[test]
fn bac_key_seed_and_document_keys_match_appendix_d() {
    let seed = appendix_d_key().bac_seed();
    assert_eq!(hex::encode_upper(seed), "239AB9CB282DAF66231DC5A4DF6BFBAE");
    let (k_enc, k_mac) = bac::document_keys(&seed);
    assert_eq!(hex::encode_upper(k_enc), "AB94FDECF2674FDFB9B391F85D7F76F2");
    assert_eq!(hex::encode_upper(k_mac), "7962D9ECE03D1ACD4C76089DCE131543");
}

#[test]
fn bac_mutual_authentication_matches_appendix_d() {
    let (k_enc, k_mac) = bac::document_keys(&appendix_d_key().bac_seed());
    let rnd_icc: [u8; 8] = h(RND_ICC).try_into().expect("8 bytes");
    let secrets = appendix_d_secrets();
    let data = bac::authenticate_data(&k_enc, &k_mac, &rnd_icc, &secrets).expect("encrypts");
    assert_eq!(hex::encode_upper(data), EIFD_MIFD);

    let session = bac::session_from_answer(&k_enc, &k_mac, &rnd_icc, &secrets, &h(EICC_MICC))
        .expect("the chip's answer verifies");
    assert_eq!(hex::encode_upper(session.ssc()), "887022120C06C226");
    // KSenc/KSmac are checked through the protected SELECT below.
    let (ks_enc, ks_mac) = bac::document_keys(&h("0036D272F5C350ACAC50C3F572D23600"));
    assert_eq!(hex::encode_upper(ks_enc), "979EC13B1CBFE9DCD01AB0FED307EAE5");
    assert_eq!(hex::encode_upper(ks_mac), "F1CB1F1FB5ADF208806B89DC579DC1F8");

    let mut tampered = h(EICC_MICC);
    tampered[39] ^= 1;
    assert!(bac::session_from_answer(&k_enc, &k_mac, &rnd_icc, &secrets, &tampered).is_err());
    assert!(bac::session_from_answer(&k_enc, &k_mac, &rnd_icc, &secrets, &tampered[..39]).is_err());
}

/// The whole of Appendix D: BAC, then SELECT EF.COM and two READ BINARY under 3DES SM.
#[test]
fn bac_and_secure_messaging_replay_appendix_d() {
    let card = ScriptedCard::new(&[
        ("0084000008", "4608F919887022129000"),
        (&format!("0082000028{EIFD_MIFD}28"), &format!("{EICC_MICC}9000")),
        ("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8ED9000"),
        ("0CB000000D9701048E08ED6705417E96BA5500", "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"),
        (
            "0CB000040D9701128E082EA28A70F3C7B53500",
            "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
        ),
    ]);
    let mut channel = Channel::new(card);
    let mut rng = ScriptedRandom::new([h(RND_IFD), h(K_IFD)]);
    let session = bac::establish(&mut channel, &appendix_d_key(), &mut rng).expect("BAC");
    channel.set_secure_messaging(Some(session));
    let ef_com = files::read_file(&mut channel, files::EF_COM).expect("EF.COM");
    assert_eq!(hex::encode_upper(ef_com), "60145F0104303130365F36063034303030305C026175");
    let (card, _) = channel.into_parts();
    assert!(card.script.is_empty());
}

#[test]
fn a_protected_answer_with_a_wrong_mac_is_refused() {
    let card = ScriptedCard::new(&[
        ("0084000008", "4608F919887022129000"),
        (&format!("0082000028{EIFD_MIFD}28"), &format!("{EICC_MICC}9000")),
        ("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800", "990290008E08FA855A5D4C50A8EE9000"),
    ]);
    let mut channel = Channel::new(card);
    let mut rng = ScriptedRandom::new([h(RND_IFD), h(K_IFD)]);
    let session = bac::establish(&mut channel, &appendix_d_key(), &mut rng).expect("BAC");
    channel.set_secure_messaging(Some(session));
    let select = CommandApdu::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]);
    let err = channel.send(&select).expect_err("MAC must not verify");
    assert!(matches!(err, super::ChipError::SecureMessaging(super::SmError::MacMismatch)));
}

// Appendix G.1.
const G1_CARD_ACCESS: &str = "31143012060A04007F0007020204020202010202010D";
const G1_NONCE_ENC: &str = "95A3A016522EE98D01E76CB6B98B42C3";
const G1_NONCE: &str = "3F00C4D39D153F2B2A214A078D899B22";
const G1_MAP_SK: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const G1_MAP_PK: &str = "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const G1_CHIP_MAP_SK: &str = "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560";
const G1_CHIP_MAP_PK: &str = "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
const G1_H: &str = "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD50840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181";
const G1_MAPPED_G: &str = "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E28C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522";
const G1_EPH_SK: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const G1_EPH_PK: &str = "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const G1_CHIP_EPH_SK: &str = "107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A";
const G1_CHIP_EPH_PK: &str = "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";
const G1_SHARED: &str = "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925";
const G1_OID: &str = "04007F00070202040202";

fn g1_key() -> AccessKey {
    AccessKey::Mrz(MrzKey::new("T22000129", "640812", "101031").expect("valid key"))
}

#[test]
fn pace_steps_match_appendix_g1() {
    let curve = Curve::BrainpoolP256r1;
    let k_pi = mapping::password_key(CipherKind::Aes128, &g1_key().pace_secret());
    assert_eq!(hex::encode_upper(&k_pi), "89DED1B26624EC1E634C1989302849DD");
    let nonce = mapping::decrypt_nonce(CipherKind::Aes128, &k_pi, &h(G1_NONCE_ENC)).expect("decrypts");
    assert_eq!(hex::encode_upper(&nonce), G1_NONCE);
    assert_eq!(
        hex::encode_upper(mapping::encrypt_nonce(CipherKind::Aes128, &k_pi, &nonce).expect("encrypts")),
        G1_NONCE_ENC
    );

    let g = curve.generator();
    assert_eq!(hex::encode_upper(curve.mul(&g, &h(G1_MAP_SK)).expect("mul")), G1_MAP_PK);
    assert_eq!(hex::encode_upper(curve.mul(&g, &h(G1_CHIP_MAP_SK)).expect("mul")), G1_CHIP_MAP_PK);
    assert_eq!(hex::encode_upper(curve.mul(&h(G1_CHIP_MAP_PK), &h(G1_MAP_SK)).expect("mul")), G1_H);

    let mapped = mapping::mapped_generator(curve, &nonce, &h(G1_MAP_SK), &h(G1_CHIP_MAP_PK)).expect("maps");
    assert_eq!(hex::encode_upper(&mapped), G1_MAPPED_G);
    let chip_side = mapping::mapped_generator(curve, &nonce, &h(G1_CHIP_MAP_SK), &h(G1_MAP_PK)).expect("maps");
    assert_eq!(mapped, chip_side);

    assert_eq!(hex::encode_upper(curve.mul(&mapped, &h(G1_EPH_SK)).expect("mul")), G1_EPH_PK);
    assert_eq!(hex::encode_upper(curve.mul(&mapped, &h(G1_CHIP_EPH_SK)).expect("mul")), G1_CHIP_EPH_PK);
    let shared = curve.mul(&h(G1_CHIP_EPH_PK), &h(G1_EPH_SK)).expect("mul");
    assert_eq!(hex::encode_upper(curve.x_coordinate(&shared)), G1_SHARED);

    let (ks_enc, ks_mac) = mapping::session_keys(CipherKind::Aes128, &h(G1_SHARED));
    assert_eq!(hex::encode_upper(&ks_enc), "F5F0E35C0D7161EE6724EE513A0D9A7F");
    assert_eq!(hex::encode_upper(&ks_mac), "FE251C7858B356B24514B3BD5F4297D1");
    let oid = h(G1_OID);
    let t_ifd = mapping::auth_token(CipherKind::Aes128, &ks_mac, &oid, &h(G1_CHIP_EPH_PK)).expect("mac");
    let t_ic = mapping::auth_token(CipherKind::Aes128, &ks_mac, &oid, &h(G1_EPH_PK)).expect("mac");
    assert_eq!(hex::encode_upper(t_ifd), "C2B0BD78D94BA866");
    assert_eq!(hex::encode_upper(t_ic), "3ABB9674BCE93C08");
}

fn g1_script(token_answer: &str) -> ScriptedCard {
    ScriptedCard::new(&[
        ("0022C1A412800A04007F0007020204020283010184010D", "9000"),
        ("10860000027C0000", &format!("7C128010{G1_NONCE_ENC}9000")),
        (&format!("10860000457C438141{G1_MAP_PK}00"), &format!("7C438241{G1_CHIP_MAP_PK}9000")),
        (&format!("10860000457C438341{G1_EPH_PK}00"), &format!("7C438441{G1_CHIP_EPH_PK}9000")),
        ("008600000C7C0A8508C2B0BD78D94BA86600", token_answer),
    ])
}

/// The whole of Appendix G.1 through the PACE driver, command bytes compared exactly.
#[test]
fn pace_replays_appendix_g1() {
    let infos = parse_card_access(&h(G1_CARD_ACCESS)).expect("EF.CardAccess");
    let mut channel = Channel::new(g1_script("7C0A86083ABB9674BCE93C089000"));
    let mut rng = ScriptedRandom::new([h(G1_MAP_SK), h(G1_EPH_SK)]);
    let session = pace::establish(&mut channel, &infos[0], &g1_key(), &mut rng).expect("PACE");
    assert_eq!(session.ssc(), [0u8; 16]);
    assert!(channel.into_parts().0.script.is_empty());
}

#[test]
fn pace_refusal_and_a_false_chip_token_are_typed_errors() {
    let infos = parse_card_access(&h(G1_CARD_ACCESS)).expect("EF.CardAccess");
    let mut channel = Channel::new(g1_script("6300"));
    let mut rng = ScriptedRandom::new([h(G1_MAP_SK), h(G1_EPH_SK)]);
    let err = pace::establish(&mut channel, &infos[0], &g1_key(), &mut rng).expect_err("refused");
    assert!(matches!(err, super::ChipError::AccessDenied), "{err:?}");

    let mut channel = Channel::new(g1_script("7C0A86083ABB9674BCE93C099000"));
    let mut rng = ScriptedRandom::new([h(G1_MAP_SK), h(G1_EPH_SK)]);
    let err = pace::establish(&mut channel, &infos[0], &g1_key(), &mut rng).expect_err("bad token");
    assert!(matches!(err, super::ChipError::ChipAuthentication), "{err:?}");
}

#[test]
fn pace_password_from_can_matches_appendix_h() {
    // Appendix H's Kπ is derived from CAN 123456 (its text says MRZ).
    let can = AccessKey::Can(super::Can::new("123456").expect("valid"));
    let k_pi = mapping::password_key(CipherKind::Aes128, &can.pace_secret());
    assert_eq!(hex::encode_upper(k_pi), "591468CDA83D65219CCCB8560233600F");
}

/// AES-256 secure messaging against an exchange recorded from a real chip (published as a
/// test vector by the Go `gmrtd` project): SSC starts at 0x20, EF.COM read in two chunks.
#[test]
fn aes_secure_messaging_matches_a_recorded_exchange() {
    let card = ScriptedCard::new(&[
        ("0CA4020C1D8711011D35E7EB510E21A0DD12380D9AD2B92D8E0828CB68B81D3FAFC000", "990290008E08E083EAA61ADABFCE9000"),
        (
            "0CB000000D9701048E084AFC933E0CDBE5F000",
            "871101D8059A9CF835105082CA2B1837E4AEC0990290008E08B36DB56761D706BB9000",
        ),
        (
            "0CB000040D9701168E0811F7EFC907D1F27400",
            "87210142E919C115FAF69350B01813D77A9E8D91912A7F717AFD073F199070E61B79C6990290008E083382E3D983F441369000",
        ),
    ]);
    let mut ssc = vec![0u8; 16];
    ssc[15] = 0x20;
    let session = super::sm::SmSession::new(
        CipherKind::Aes256,
        &h("74B94F408BBB2CD92571FD5B6370A94CCE7A2FA42AE3EB4DA47B97CE6EAA24C6"),
        &h("9E28D5D9FF1D979BE752E8926BF0E1D35A440FC0AEFC4AA3BC5610055AC8B113"),
        ssc,
    )
    .expect("keys");
    let mut channel = Channel::new(card);
    channel.set_secure_messaging(Some(session));
    let ef_com = files::read_file(&mut channel, files::EF_COM).expect("EF.COM");
    assert_eq!(hex::encode_upper(ef_com), "60185F0104303130385F36063034303030305C06617563766D6E");
    let (card, session) = channel.into_parts();
    assert!(card.script.is_empty());
    let mut expected_ssc = vec![0u8; 16];
    expected_ssc[15] = 0x26;
    assert_eq!(session.expect("still secure").ssc(), expected_ssc.as_slice());
}
