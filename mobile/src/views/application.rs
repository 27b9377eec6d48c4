//! Turning the wizard's output into a case document, signed by the applicant and
//! submitted to the hromada. Pure: time, actor and ids come in as arguments.

use automerge::ActorId;
use keis_crdt::{
    Action, Attachment, CaseDoc, CaseError, CaseKind, Catalogue, ChipRead, NewCase, Position, RecordMap,
    RequestedService, Signature,
};
use keis_device::signature::DeviceKey;

use crate::signing::{SigningError, applicant_signature};
use crate::views::chip::chip_record;
use crate::views::wizard::NewApplication;

/// Where and under which numbers the new case is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening<'a> {
    pub id: &'a str,
    pub number: &'a str,
    pub hromada: &'a str,
    pub district: Option<&'a str>,
    pub at: i64,
}

/// The applicant's signature image (rendered from the pad, see
/// [`crate::signing::render_pad`]; the caller stores it as a blob) and the device key that
/// binds it to the case's content.
#[derive(Clone, Copy)]
pub struct Signing<'a> {
    pub png: &'a [u8],
    pub key: &'a DeviceKey,
}

/// Why a case could not be created (nothing was stored).
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Case(#[from] Box<CaseError>),
    #[error(transparent)]
    Signing(#[from] SigningError),
}

impl From<CaseError> for CreateError {
    fn from(e: CaseError) -> Self {
        Self::Case(Box::new(e))
    }
}

/// Creates the case as `by`, fills it from `app`, records the applicant's signature over
/// the content and submits it to the hromada. A package with missing documents is
/// submitted marked incomplete, naming what is missing. On a refused submission the case
/// is still returned with the error, so nothing typed is lost.
/// Fails only when the document cannot be written or the device key cannot sign.
pub fn create_case(
    actor: ActorId,
    app: &NewApplication,
    opening: &Opening<'_>,
    by: &Position,
    catalogue: &Catalogue,
    signing: Signing<'_>,
) -> Result<(CaseDoc, Option<CaseError>), CreateError> {
    let new = NewCase {
        id: opening.id,
        number: opening.number,
        kind: CaseKind::Application,
        hromada: opening.hromada,
        district: opening.district,
        created_by: by,
        at: opening.at,
    };
    let mut doc = CaseDoc::create(actor, new)?;
    let at = opening.at;
    doc.edit(at + 1, |case, ids| {
        case.applicant = app.applicant.clone();
        case.household = app.household.clone();
        for code in &app.services {
            case.services.add(RequestedService { id: ids.next_id(), code: code.clone() });
        }
        for scan in app.scans.iter() {
            let Some(kind) = &scan.document else { continue };
            case.attachments.add(Attachment {
                id: ids.next_id(),
                sha256: scan.sha256.clone(),
                kind: kind.clone(),
                member: None,
                pages: 1,
                mime: scan.mime.clone(),
                size: scan.size,
                captured_by: by.id.clone(),
                captured_at: at,
            });
        }
        if let Some(chip) = &app.chip {
            case.chip_reads.add(ChipRead { id: ids.next_id(), ..chip_record(chip, &by.id, at) });
        }
    })?;
    let signature = applicant_signature(&doc, signing.png, signing.key, &by.id, at + 2)?;
    doc.edit(at + 2, |case, ids| case.signatures.add(Signature { id: ids.next_id(), ..signature }))?;
    let missing: Vec<String> = catalogue.package(doc.case()).missing.into_iter().map(|m| m.document).collect();
    let incomplete = (!missing.is_empty()).then(|| format!("бракує / missing: {}", missing.join(", ")));
    let refused = doc.act(by, Action::Submit { incomplete }, "", at + 3, catalogue).err();
    Ok((doc, refused))
}

#[cfg(test)]
mod tests {
    use keis_crdt::validate::Date;
    use keis_crdt::{AppStatus, Role, Status, demo};

    use super::*;
    use sha2::Digest as _;

    use crate::signing::render_pad;
    use crate::signing::tests::pad_strokes;
    use crate::views::wizard::{ChipData, Field, Scan, Wizard};

    fn key() -> DeviceKey {
        DeviceKey::generate(&ring::rand::SystemRandom::new()).expect("device key")
    }

    #[test]
    fn typed_data_without_a_card_is_enough_to_submit() {
        let c = Catalogue::embedded().expect("catalogue");
        let mut w = Wizard::new();
        w.toggle_service("housing_subsidy");
        let born = Date::new(1975, 6, 1).expect("date");
        for (f, v) in [
            (Field::Surname, "Вигадана".to_owned()),
            (Field::GivenName, "Леся".to_owned()),
            (Field::BirthDate, born.to_string()),
            (Field::Sex, "F".to_owned()),
            (Field::Rnokpp, demo::rnokpp(born, 42)),
            (Field::DocumentNumber, "000123456".to_owned()),
            (Field::DocumentIssued, "2020-01-15".to_owned()),
            (Field::Katottg, "UA99000000000000025".to_owned()),
            (Field::AddressLine, "с. Вигадане, 1".to_owned()),
        ] {
            w.set(f, &v);
        }
        w.sign(pad_strokes());
        let app = w.output().expect("output");
        let opening =
            Opening { id: "c2", number: "2026-2", hromada: demo::HROMADA, district: Some(demo::DISTRICT), at: 5 };
        let by = demo::position(Role::Starosta);
        let (key, png) = (key(), render_pad(&app.signature).expect("render"));
        let signing = Signing { png: &png, key: &key };
        let (doc, refused) =
            create_case(ActorId::from(b"d".as_slice()), &app, &opening, &by, &c, signing).expect("create");
        assert!(refused.is_none(), "{refused:?}");
        assert_eq!(doc.derive().state.status(), Some(Status::Application(AppStatus::SentToHromada)));
        assert!(!c.package(doc.case()).is_complete(), "no scans: submitted marked incomplete");
    }

    #[test]
    fn a_wizard_from_the_chip_becomes_a_submitted_case() {
        let c = Catalogue::embedded().expect("catalogue");
        let mut w = Wizard::new();
        w.toggle_service("birth_assistance");
        let person = demo::person(7, Date::new(1990, 4, 2).expect("date"));
        w.fill_from_chip(ChipData {
            person,
            photo: None,
            verified: true,
            verdict: "ok".into(),
            access: "PACE".into(),
            outcome: "passed".into(),
        });
        w.set(Field::AddressLine, "вул. Вигадана, 3");
        let first = w.checklist(&c)[0].document.clone();
        w.add_scan(Scan {
            id: "s".into(),
            sha256: "ab".repeat(32),
            mime: "image/jpeg".into(),
            size: 10,
            thumbnail: String::new(),
            document: Some(first),
        });
        w.sign(pad_strokes());
        let app = w.output().expect("output");
        let opening =
            Opening { id: "c1", number: "2026-1", hromada: demo::HROMADA, district: Some(demo::DISTRICT), at: 5 };
        let by = demo::position(Role::Starosta);
        let (key, png) = (key(), render_pad(&app.signature).expect("render"));
        let signing = Signing { png: &png, key: &key };
        let (doc, refused) =
            create_case(ActorId::from(b"d".as_slice()), &app, &opening, &by, &c, signing).expect("create");
        assert!(refused.is_none(), "{refused:?}");
        assert_eq!(doc.derive().state.status(), Some(Status::Application(AppStatus::SentToHromada)));
        assert_eq!(doc.case().attachments.len(), 1);
        let read = doc.case().chip_reads.values().next().expect("the chip read is recorded");
        assert_eq!(
            (read.access.as_str(), read.verdict.as_str(), read.read_by.as_str()),
            ("PACE", "passed", by.id.as_str())
        );
        let sig = doc.case().signatures.values().next().expect("signed");
        assert_eq!(sig.image_sha256, hex::encode(sha2::Sha256::digest(&png)), "the image is the rendered pad");
        assert_eq!(sig.device_key, hex::encode(key.public_key().0));
        assert!(keis_crdt::lookup::lookup_code(doc.case()).is_some(), "the receipt gets a status-lookup code");
    }
}
