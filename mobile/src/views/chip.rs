//! The ID card read, turned into what the wizard and `keis chip read` show: the access
//! key the user typed (CAN or MRZ), the person from the chip (names from DG11 when the
//! chip has them, else the MRZ), the face as a `data:` URL, the authentication verdict.
//! Pure: the read itself happens in `keis_device::chip` over a reader.

use keis_crdt::{ChipRead, IdentityDocument, Person};
use keis_device::chip::details::unzr_from_mrz;
use keis_device::chip::{
    AccessKey, AccessProtocol, Can, ChipDocument, FaceFormat, Mrz, MrzFormat, MrzKey, PassiveAuthReport, Verdict,
};

use crate::views::wizard::ChipData;

/// How the chip is opened: the 6-digit CAN printed on the card, or the MRZ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChipAccess {
    Can(String),
    Mrz(String),
}

/// The CAN or MRZ typed cannot open a chip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "невірний ключ доступу: {0}; перевірте CAN чи MRZ на картці / bad access key: {0}; check the CAN or MRZ on the card"
)]
pub struct BadAccessKey(String);

/// DG11 tags: full name (`SURNAME<<GIVEN<PATRONYMIC`) and full date of birth (`YYYYMMDD`).
const FULL_NAME: u32 = 0x5F0E;
const FULL_BIRTH_DATE: u32 = 0x5F2B;

/// `YYMMDD` as `YYYY-MM-DD`: years up to `pivot` are 20YY, later ones 19YY.
fn mrz_date(yymmdd: &str, pivot: u32) -> String {
    let (Some(yy), Some(mm), Some(dd)) = (yymmdd.get(0..2), yymmdd.get(2..4), yymmdd.get(4..6)) else {
        return String::new();
    };
    match yy.parse::<u32>() {
        Ok(y) if y <= pivot => format!("20{yy}-{mm}-{dd}"),
        Ok(_) => format!("19{yy}-{mm}-{dd}"),
        Err(_) => String::new(),
    }
}

/// What the wizard shows from a chip read: the person (names from DG11 when the chip
/// has them, else the MRZ), the face photo as a `data:` URL, the authentication verdict.
pub fn chip_data(doc: &ChipDocument) -> ChipData {
    let mrz = &doc.mrz;
    let dg11 = doc.personal_details.as_ref();
    let mut person = Person {
        surname: mrz.primary_identifier.trim().to_owned(),
        given_name: mrz.secondary_identifier.split_whitespace().next().unwrap_or_default().to_owned(),
        birth_date: mrz_date(&mrz.date_of_birth, 30),
        sex: if matches!(mrz.sex.as_str(), "M" | "F") { mrz.sex.clone() } else { String::new() },
        unzr: unzr_from_mrz(mrz),
        document: IdentityDocument {
            kind: if mrz.format == MrzFormat::Td1 { "id_card" } else { "foreign_passport" }.into(),
            number: mrz.document_number.clone(),
            issuer: mrz.issuing_state.clone(),
            issued_on: String::new(),
            expires_on: Some(mrz_date(&mrz.date_of_expiry, 99)).filter(|d| !d.is_empty()),
        },
        ..Person::default()
    };
    if let Some(name) = dg11.and_then(|d| d.text(FULL_NAME)) {
        let (surname, rest) = name.split_once("<<").unwrap_or((name, ""));
        let mut given = rest.split('<').filter(|s| !s.is_empty());
        person.surname = surname.replace('<', " ");
        person.given_name = given.next().unwrap_or_default().to_owned();
        person.patronymic = given.collect::<Vec<_>>().join(" ");
    }
    if let Some(d) = dg11.and_then(|d| d.text(FULL_BIRTH_DATE)).filter(|d| d.len() == 8 && d.is_ascii()) {
        person.birth_date = format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8]);
    }
    let verified = doc.passive_auth.is_authentic();
    let verdict = if verified {
        "Дані з чипа автентичні / The chip data is authentic".to_owned()
    } else {
        let r = &doc.passive_auth;
        format!(
            "Автентичність не підтверджено; перевірте документ візуально / Authenticity not confirmed; check the document by eye \
             (hashes: {}, signature: {}, chain: {})",
            r.data_group_hashes, r.sod_signature, r.certificate_chain
        )
    };
    let access = match doc.access {
        AccessProtocol::Pace => "PACE",
        AccessProtocol::Bac => "BAC",
    };
    ChipData {
        person,
        photo: photo(doc),
        verified,
        verdict,
        access: access.into(),
        outcome: outcome(&doc.passive_auth).into(),
    }
}

/// The case's code for a passive authentication report (see [`ChipData::outcome`]).
fn outcome(r: &PassiveAuthReport) -> &'static str {
    let (hashes, signature) = (&r.data_group_hashes, &r.sod_signature);
    if r.is_authentic() {
        "passed"
    } else if matches!(hashes, Verdict::Failed(_)) || matches!(signature, Verdict::Failed(_)) {
        "failed"
    } else if hashes.passed() && signature.passed() {
        "partial"
    } else {
        "not_checked"
    }
}

/// The case's record of a chip read `by` a position `at` a time (its id left to the map).
pub fn chip_record(chip: &ChipData, by: &str, at: i64) -> ChipRead {
    ChipRead {
        person: chip.person.clone(),
        access: chip.access.clone(),
        verdict: chip.outcome.clone(),
        verdict_detail: chip.verdict.clone(),
        read_by: by.to_owned(),
        read_at: at,
        ..ChipRead::default()
    }
}

/// The face as a `data:` URL the WebView shows (JPEG 2000 converted to PNG).
fn photo(doc: &ChipDocument) -> Option<String> {
    let face = doc.face.as_ref()?;
    match face.format {
        FaceFormat::Jpeg => Some(data_url("image/jpeg", &face.bytes)),
        FaceFormat::Jpeg2000 => {
            let img = face.decode().ok()?;
            let mut png = std::io::Cursor::new(Vec::new());
            img.write_to(&mut png, image::ImageFormat::Png).ok()?;
            Some(data_url("image/png", png.get_ref()))
        }
    }
}

/// The access key the user typed: the CAN, or the MRZ (its lines, or `NUMBER YYMMDD
/// YYMMDD`: document number, birth and expiry date). Shared by the PC/SC reader, the
/// tablet's NFC reader and `keis chip read`.
pub fn access_key(access: &ChipAccess) -> Result<AccessKey, BadAccessKey> {
    let bad = |e: &dyn std::fmt::Display| BadAccessKey(e.to_string());
    match access {
        ChipAccess::Can(c) => Can::new(c.trim()).map(AccessKey::from).map_err(|e| bad(&e)),
        // The MRZ lines as printed, or just its key fields: number, birth and expiry date.
        ChipAccess::Mrz(text) => match Mrz::parse(text.trim()) {
            Ok(mrz) => MrzKey::from_mrz(&mrz).map(AccessKey::from).map_err(|e| bad(&e)),
            Err(e) => {
                let parts: Vec<&str> =
                    text.split(|c: char| c.is_whitespace() || c == '/' || c == ',').filter(|p| !p.is_empty()).collect();
                match parts.as_slice() {
                    [number, birth, expiry] => {
                        MrzKey::new(number, birth, expiry).map(AccessKey::from).map_err(|e| bad(&e))
                    }
                    _ => Err(bad(&e)),
                }
            }
        },
    }
}

/// `data:` URL of `bytes` (base64, standard alphabet).
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4 + mime.len() + 13);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Puts what the chip holds into a case's `applicant`: names, birth date, sex, UNZR and
/// the identity document where the chip has them; what was typed and the chip lacks
/// (RNOKPP, phone, address, the issue date) stays.
pub fn fill_applicant(applicant: &mut Person, chip: &Person) {
    for (field, value) in [
        (&mut applicant.surname, &chip.surname),
        (&mut applicant.given_name, &chip.given_name),
        (&mut applicant.patronymic, &chip.patronymic),
        (&mut applicant.birth_date, &chip.birth_date),
        (&mut applicant.sex, &chip.sex),
    ] {
        if !value.trim().is_empty() {
            field.clone_from(value);
        }
    }
    if chip.unzr.is_some() {
        applicant.unzr.clone_from(&chip.unzr);
    }
    if !chip.document.number.is_empty() {
        let issued_on = std::mem::take(&mut applicant.document.issued_on);
        applicant.document = chip.document.clone();
        if applicant.document.issued_on.is_empty() {
            applicant.document.issued_on = issued_on;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_are_standard_base64() {
        assert_eq!(data_url("text/plain", b"Man"), "data:text/plain;base64,TWFu");
        assert_eq!(data_url("text/plain", b"Ma"), "data:text/plain;base64,TWE=");
        assert_eq!(data_url("text/plain", b"M"), "data:text/plain;base64,TQ==");
        assert_eq!(data_url("x/y", b""), "data:x/y;base64,");
    }

    #[test]
    fn a_key_from_the_can_the_mrz_lines_or_its_three_fields() {
        assert!(access_key(&ChipAccess::Can(" 123456 ".into())).is_ok());
        assert!(access_key(&ChipAccess::Mrz("L898902C 690806 940623".into())).is_ok());
        assert!(access_key(&ChipAccess::Mrz("L898902C,690806,940623".into())).is_ok());
        let e = access_key(&ChipAccess::Can("12".into())).expect_err("too short");
        assert!(e.to_string().contains(" / bad access key"), "{e}");
        assert!(access_key(&ChipAccess::Mrz("nonsense".into())).is_err());
    }

    #[test]
    fn the_chip_fills_what_it_holds_and_keeps_what_was_typed() {
        let mut applicant = Person {
            surname: "Набрана".into(),
            given_name: "Олена".into(),
            rnokpp: Some("1234567899".into()),
            phone: Some("+380991112233".into()),
            ..Person::default()
        };
        applicant.document.issued_on = "2020-01-02".into();
        let chip = Person {
            surname: "ERIKSSON".into(),
            given_name: "ANNA".into(),
            birth_date: "1969-08-06".into(),
            unzr: Some("19690806-00014".into()),
            document: IdentityDocument { kind: "id_card".into(), number: "L898902C".into(), ..Default::default() },
            ..Person::default()
        };
        fill_applicant(&mut applicant, &chip);
        assert_eq!((applicant.surname.as_str(), applicant.given_name.as_str()), ("ERIKSSON", "ANNA"));
        assert_eq!(applicant.birth_date, "1969-08-06");
        assert_eq!(applicant.unzr.as_deref(), Some("19690806-00014"));
        assert_eq!(applicant.document.number, "L898902C");
        assert_eq!(applicant.document.issued_on, "2020-01-02", "the chip has no issue date: the typed one stays");
        assert_eq!(applicant.rnokpp.as_deref(), Some("1234567899"), "typed, not on the chip");
        assert_eq!(applicant.phone.as_deref(), Some("+380991112233"));
    }

    #[test]
    fn passive_authentication_is_recorded_level_by_level() {
        use keis_device::chip::PassiveAuthError;
        let report = |hashes, signature, chain| PassiveAuthReport {
            data_group_hashes: hashes,
            sod_signature: signature,
            certificate_chain: chain,
            verified_groups: vec![1, 2],
            unread_groups: Vec::new(),
            document_signer: None,
            csca: None,
        };
        let failed = || Verdict::Failed(PassiveAuthError::HashMismatch { groups: vec![2] });
        use Verdict::{NotChecked, Passed};
        assert_eq!(outcome(&report(Passed, Passed, Passed)), "passed");
        assert_eq!(outcome(&report(Passed, Passed, failed())), "partial", "the issuer is not a known CSCA");
        assert_eq!(outcome(&report(Passed, Passed, NotChecked)), "partial");
        assert_eq!(outcome(&report(failed(), NotChecked, NotChecked)), "failed", "altered data");
        assert_eq!(outcome(&report(Passed, failed(), NotChecked)), "failed", "a bad signature");
        assert_eq!(outcome(&report(NotChecked, NotChecked, NotChecked)), "not_checked");
    }

    #[test]
    fn two_digit_years_around_the_pivot() {
        assert_eq!(mrz_date("300101", 30), "2030-01-01");
        assert_eq!(mrz_date("690806", 30), "1969-08-06");
        assert_eq!(mrz_date("6908", 30), "");
        assert_eq!(mrz_date("xx0806", 30), "");
    }
}
