//! The emulated chip's side of PACE is byte-exact with ICAO Doc 9303 Part 11 Appendix G.1
//! when it is given the example's nonce and keys: the terminal and the chip agree with
//! the worked example on every GENERAL AUTHENTICATE exchange.

use keis_device::chip::emulator::{EmulatedChip, PaceProfile};
use keis_device::chip::mrz::check_digit;
use keis_device::chip::{
    AccessKey, AccessProtocol, CipherKind, Curve, MrzKey, ScriptedRandom, Transport, TransportError, read_document_with,
};

/// Records every exchange.
struct Recorder<T> {
    inner: T,
    log: Vec<(String, String)>,
}

impl<T: Transport> Transport for Recorder<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.inner.transmit(apdu)?;
        self.log.push((hex::encode_upper(apdu), hex::encode_upper(&answer)));
        Ok(answer)
    }
}

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

fn cd(field: &str) -> char {
    char::from(b'0' + check_digit(field).expect("MRZ characters"))
}

/// A TD1 MRZ around Appendix G's document number and dates.
fn appendix_g_mrz() -> String {
    let line1 = format!("I<UTOT22000129{}<<<<<<<<<<<<<<<", cd("T22000129"));
    let line2 = format!("640812{}F101031{}UTO<<<<<<<<<<<", cd("640812"), cd("101031"));
    let composite = [&line1[5..30], &line2[0..7], &line2[8..15], &line2[18..29]].concat();
    format!("{line1}{line2}{}ERIKSSON<<ANNA<MARIA<<<<<<<<<<", cd(&composite))
}

#[test]
fn emulated_pace_replays_appendix_g1_on_both_sides() {
    let chip_random = ScriptedRandom::new([
        h("3F00C4D39D153F2B2A214A078D899B22"),
        h("498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560"),
        h("107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A"),
    ]);
    let chip = EmulatedChip::new(&appendix_g_mrz())
        .expect("valid MRZ")
        .with_pace(PaceProfile { cipher: CipherKind::Aes128, curve: Curve::BrainpoolP256r1 })
        .with_random(Box::new(chip_random));
    let key = AccessKey::Mrz(MrzKey::new("T22000129", "640812", "101031").expect("valid"));
    let mut terminal_random = ScriptedRandom::new([
        h("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"),
        h("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"),
    ]);
    let mut recorder = Recorder { inner: chip, log: Vec::new() };
    let doc = read_document_with(&mut recorder, &key, &mut terminal_random).expect("read");
    assert_eq!(doc.access, AccessProtocol::Pace);
    assert_eq!(doc.mrz.document_number, "T22000129");

    let start = recorder.log.iter().position(|(cmd, _)| cmd.starts_with("0022C1A4")).expect("MSE:Set AT sent");
    let expected = [
        ("0022C1A412800A04007F0007020204020283010184010D", "9000"),
        ("10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
        (
            "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
            "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
        ),
        (
            "10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
            "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000",
        ),
        ("008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"),
    ];
    for (i, (cmd, answer)) in expected.iter().enumerate() {
        let (sent, got) = &recorder.log[start + i];
        assert_eq!((sent.as_str(), got.as_str()), (*cmd, *answer), "exchange {i}");
    }
}
