//! Demo data: obviously fictional people and cases for the demo job, tests and
//! benchmarks. No real names or numbers: surnames are made-up words ("Тестенко",
//! "Прикладна"), numbers are generated to pass the validators, and addresses are invented.

use automerge::ActorId;

use crate::catalogue::Catalogue;
use crate::doc::{CaseDoc, CaseError, NewCase};
use crate::model::{
    Address, Attachment, CaseKind, IdentityDocument, Member, Person, RecordMap, RequestedService, Signature,
};
use crate::validate::{self, Date};
use crate::workflow::{Action, Decision, Position, Role, Scope};

/// The demo hromada (a made-up KATOTTG code of the right shape).
pub const HROMADA: &str = "UA99000000000000017";
/// The demo starosta district.
pub const DISTRICT: &str = "demo-north";

const SURNAMES: &[(&str, &str)] = &[
    ("Тестенко", "Тестенко"),
    ("Прикладний", "Прикладна"),
    ("Зразковий", "Зразкова"),
    ("Вигаданий", "Вигадана"),
    ("Демченко-Тест", "Демченко-Тест"),
];
const MALE: &[&str] = &["Тарас", "Остап", "Богдан", "Орест"];
const FEMALE: &[&str] = &["Оксана", "Леся", "Ярина", "Соломія"];

/// The demo positions: starosta, hromada officer, back office, social worker, coordinator.
pub fn positions() -> Vec<Position> {
    let district = Scope::District { hromada: HROMADA.into(), district: DISTRICT.into() };
    vec![
        Position::new("demo-starosta", Role::Starosta, district),
        Position::new("demo-hromada", Role::HromadaOfficer, Scope::hromada(HROMADA)),
        Position::new("demo-back-office", Role::BackOffice, Scope::hromada(HROMADA)),
        Position::new("demo-social-worker", Role::SocialWorker, Scope::hromada(HROMADA)),
        Position::new("demo-coordinator", Role::Coordinator, Scope::hromada(HROMADA)),
    ]
}

/// The demo position with `role`.
pub fn position(role: Role) -> Position {
    positions().into_iter().find(|p| p.role == role).unwrap_or_else(|| Position::new("demo-other", role, Scope::All))
}

/// A valid RNOKPP for someone born on `born`, with `serial` (0-9999) in the middle.
pub fn rnokpp(born: Date, serial: u32) -> String {
    let days = born.days_since_epoch() - Date::new(1899, 12, 31).map_or(0, Date::days_since_epoch);
    let body = format!("{:05}{:04}", days.rem_euclid(100_000), serial % 10_000);
    (0..10).map(|c| format!("{body}{c}")).find(|n| validate::rnokpp(n, Some(born)).is_ok()).unwrap_or(body)
}

/// A valid UNZR for someone born on `born`.
pub fn unzr(born: Date, serial: u32) -> String {
    let body = format!("{:04}{:02}{:02}-{:04}", born.year(), born.month(), born.day(), serial % 10_000);
    (0..10).map(|c| format!("{body}{c}")).find(|n| validate::unzr(n, Some(born)).is_ok()).unwrap_or(body)
}

/// A fictional person; `n` picks the name and numbers, `born` the birth date.
pub fn person(n: u32, born: Date) -> Person {
    let female = n.is_multiple_of(2);
    let i = n as usize;
    let (male_surname, female_surname) = SURNAMES[i % SURNAMES.len()];
    let (surname, given, patronymic) = if female {
        (female_surname, FEMALE[i % FEMALE.len()], "Тестівна")
    } else {
        (male_surname, MALE[i % MALE.len()], "Тестович")
    };
    Person {
        surname: surname.into(),
        given_name: given.into(),
        patronymic: patronymic.into(),
        birth_date: born.to_string(),
        sex: if female { "F" } else { "M" }.into(),
        rnokpp: Some(rnokpp(born, n)),
        unzr: Some(unzr(born, n)),
        document: IdentityDocument {
            kind: "id_card".into(),
            number: format!("{:09}", 900_000_000 + n),
            issuer: "9999".into(),
            issued_on: "2020-01-15".into(),
            expires_on: Some("2030-01-15".into()),
        },
        registered_address: Address {
            katottg: "UA99000000000000025".into(),
            line: format!("вул. Вигадана, {}", 1 + n % 90),
            postcode: Some("99999".into()),
        },
        actual_address: None,
        phone: Some(format!("+38099{:07}", 1_000_000 + n)),
    }
}

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).expect("demo dates are real calendar dates")
}

/// A fake but well-formed SHA-256 for a demo attachment.
fn blob_hash(case: u32, i: u32) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(format!("keis-demo-blob/{case}/{i}")))
}

/// A new application of the size field work produces: the applicant and 5 household
/// members, 3 services, 12 attachments covering the package, and the applicant's
/// signature. Not yet submitted.
pub fn application(actor: ActorId, n: u32, at: i64) -> Result<CaseDoc, CaseError> {
    let starosta = position(Role::Starosta);
    let id = format!("demo-case-{n:06}");
    let number = format!("2026-{n:06}");
    let new = NewCase {
        id: &id,
        number: &number,
        kind: CaseKind::Application,
        hromada: HROMADA,
        district: Some(DISTRICT),
        created_by: &starosta,
        at,
    };
    let mut doc = CaseDoc::create(actor, new)?;
    doc.edit(at + 1_000, |case, ids| {
        case.applicant = person(n * 7, date(1969, 8, 6));
        let relations = ["spouse", "child", "child", "child", "parent"];
        for (k, relation) in relations.iter().enumerate() {
            let k = k as u32;
            let born =
                if *relation == "child" { date(2012 + k as i32, 3, 1 + k as u8) } else { date(1948 + k as i32, 5, 9) };
            case.household.push(Member {
                id: ids.next_id(),
                relation: (*relation).into(),
                person: person(n * 7 + k + 1, born),
            });
        }
        for code in ["housing_subsidy", "low_income_assistance", "large_family_assistance"] {
            case.services.add(RequestedService { id: ids.next_id(), code: code.into() });
        }
        let kinds = [
            "identity_document",
            "rnokpp_card",
            "income_declaration",
            "income_certificate",
            "birth_certificate",
            "birth_certificate",
            "birth_certificate",
            "bank_account",
            "residence_proof",
            "identity_document",
            "rnokpp_card",
            "income_certificate",
        ];
        for (i, kind) in kinds.iter().enumerate() {
            case.attachments.add(Attachment {
                id: ids.next_id(),
                sha256: blob_hash(n, i as u32),
                kind: (*kind).into(),
                member: None,
                pages: 1 + (i as u32 % 3),
                mime: "image/png".into(),
                size: 48_000 + 1_000 * i as u64,
                captured_by: starosta.id.clone(),
                captured_at: at + 2_000 + i as i64,
            });
        }
    })?;
    let digest = doc.content_digest().to_hex();
    let name = doc.case().applicant.full_name();
    doc.edit(at + 60_000, |case, ids| {
        case.signatures.add(Signature {
            id: ids.next_id(),
            signer: "applicant".into(),
            signer_name: name,
            witnessed_by: starosta.id.clone(),
            image_sha256: blob_hash(n, 99),
            content_digest: digest,
            signed_at: at + 60_000,
            device_key: String::new(),
            device_signature: String::new(),
        });
    })?;
    Ok(doc)
}

/// [`application`] taken through the whole workflow: 10 events, from submission through
/// a return for rework to a recorded and then amended decision.
pub fn decided_application(actor: ActorId, n: u32, at: i64) -> Result<CaseDoc, CaseError> {
    let catalogue = Catalogue::embedded()?;
    let mut doc = application(actor, n, at)?;
    let (sta, hro, back) = (position(Role::Starosta), position(Role::HromadaOfficer), position(Role::BackOffice));
    let grant = |amount_kop| Decision::Granted { amount_kop, from: date(2026, 12, 1), to: date(2027, 5, 31) };
    let steps: Vec<(&Position, Action, &str)> = vec![
        (&sta, Action::Submit { incomplete: None }, ""),
        (&hro, Action::ReturnForRework, "уточніть склад сім'ї"),
        (&sta, Action::Submit { incomplete: None }, "уточнено"),
        (&hro, Action::ForwardToBackOffice { incomplete: None }, ""),
        (&back, Action::ReturnToHromada, "нечітка копія довідки"),
        (&hro, Action::ForwardToBackOffice { incomplete: None }, "копію замінено"),
        (&back, Action::MarkChecked, ""),
        (&back, Action::Export { batch: format!("DAT-{n:06}") }, ""),
        (&back, Action::RecordDecision(grant(312_050)), ""),
        (&back, Action::RecordDecision(grant(318_000)), "перерахунок"),
    ];
    for (i, (who, action, comment)) in steps.into_iter().enumerate() {
        doc.act(who, action, comment, at + 3_600_000 * (i as i64 + 1), &catalogue)?;
    }
    Ok(doc)
}
