//! The real [`ChipService`]: the ID card through a PC/SC reader (feature `pcsc`), read
//! with `keis_device::chip::read_document` (PACE or BAC, passive authentication against
//! the bundled CSCAs); [`chip_data`] turns the read into what the wizard shows. Without
//! the feature the service says that no reader is available.

use keis_crdt::{IdentityDocument, Person};
use keis_device::chip::details::unzr_from_mrz;
use keis_device::chip::{ChipDocument, FaceFormat, MrzFormat};
use keis_mobile::views::wizard::ChipData;

use super::data_url;
use crate::services::{ChipAccess, ChipService, ServiceError};

/// DG11 tags: full name (`SURNAME<<GIVEN<PATRONYMIC`) and full date of birth (`YYYYMMDD`).
const FULL_NAME: u32 = 0x5F0E;
const FULL_BIRTH_DATE: u32 = 0x5F2B;

/// The card reader.
pub struct RealChip {
    #[cfg_attr(not(feature = "pcsc"), allow(dead_code))]
    reader: Option<String>,
}

impl RealChip {
    /// The reader named `reader`, or the first one holding a card.
    pub fn new(reader: Option<String>) -> Self {
        Self { reader }
    }
}

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
    ChipData { person, photo: photo(doc), verified, verdict }
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
/// YYMMDD`: document number, birth and expiry date). Shared with the Android launcher's
/// NFC reader.
pub fn access_key(access: &ChipAccess) -> Result<keis_device::chip::AccessKey, ServiceError> {
    use keis_device::chip::{AccessKey, Can, Mrz, MrzKey};
    let bad = |e: &dyn std::fmt::Display| ServiceError(format!("невірний ключ доступу: {e} / bad access key: {e}"));
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

impl ChipService for RealChip {
    #[cfg(feature = "pcsc")]
    fn read(&self, access: &ChipAccess) -> Result<ChipData, ServiceError> {
        use keis_device::chip::pcsc::PcscCard;
        let key = access_key(access)?;
        let card = PcscCard::connect(self.reader.as_deref())
            .map_err(|e| ServiceError(format!("Зчитувач карток: {e} / Card reader: {e}")))?;
        let doc = keis_device::chip::read_document(card, &key)
            .map_err(|e| ServiceError(format!("Не вдалося прочитати чип: {e} / Could not read the chip: {e}")))?;
        Ok(chip_data(&doc))
    }

    #[cfg(not(feature = "pcsc"))]
    fn read(&self, _access: &ChipAccess) -> Result<ChipData, ServiceError> {
        Err(ServiceError(
            "Зчитувач карток недоступний: ця збірка без підтримки PC/SC; введіть дані вручну / \
             No card reader is available: this build has no PC/SC support; type the data in by hand"
                .into(),
        ))
    }
}
