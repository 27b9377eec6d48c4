//! Schema versions of the case document and the upgrade path between them.
//!
//! Version 1 (the first field pilots) kept the applicant's name in one `full_name` string,
//! the identity document as a bare `document_number`, the address as one `address` line,
//! and the requested services as a list of bare codes. Version 2 is [`crate::Case`].
//!
//! An upgrade is itself a change in the document, so two devices that upgrade the same
//! version-1 case must not create two competing copies of every field. The upgrade is
//! therefore deterministic: it is written by an actor derived from the document's heads,
//! at time 0, so two devices upgrading the same state produce the very same change, which
//! Automerge stores once. Devices that upgrade different states produce concurrent
//! upgrades of the same fields, which merge like any concurrent edit.

use automerge::{
    ActorId, AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value, transaction::CommitOptions,
    transaction::Transactable,
};
use autosurgeon::Hydrate;
use sha2::{Digest, Sha256};

use crate::doc::CaseError;
use crate::model::{Address, Attachment, Case, IdentityDocument, Person, RequestedService};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 2;

/// The schema version of a document: the `schema` field, or 1 where it is absent from a
/// document that has a case id.
pub fn version(doc: &AutoCommit) -> Result<u64, CaseError> {
    Ok(match doc.get(ROOT, "schema")? {
        None if doc.get(ROOT, "id")?.is_some() => 1,
        None => return Err(CaseError::NotACase),
        Some((Value::Scalar(v), _)) => match v.as_ref() {
            ScalarValue::Uint(n) => *n,
            ScalarValue::Int(n) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        },
        Some(_) => 0,
    })
}

/// Brings `doc` to [`SCHEMA_VERSION`]. Returns whether it changed anything.
pub fn upgrade(doc: &mut AutoCommit) -> Result<bool, CaseError> {
    let found = version(doc)?;
    if found == SCHEMA_VERSION {
        return Ok(false);
    }
    if found > SCHEMA_VERSION {
        return Err(CaseError::NewerSchema { found, supported: SCHEMA_VERSION });
    }
    let heads = doc.get_heads();
    let mut h = Sha256::new();
    h.update(b"keis-schema-upgrade/2");
    for head in &heads {
        h.update(head.0);
    }
    let actor = ActorId::from(&h.finalize()[..16]);
    let mut fork = doc.fork().with_actor(actor);
    v1_to_v2(&mut fork)?;
    fork.commit_with(CommitOptions::default().with_time(0).with_message("keis: schema 1 -> 2"));
    doc.merge(&mut fork)?;
    Ok(true)
}

#[derive(Debug, Default, Hydrate)]
struct V1Case {
    #[autosurgeon(missing = "Default::default")]
    id: String,
    #[autosurgeon(missing = "Default::default")]
    number: String,
    #[autosurgeon(missing = "default_kind")]
    kind: String,
    #[autosurgeon(missing = "Default::default")]
    hromada: String,
    #[autosurgeon(missing = "Default::default")]
    created_at: i64,
    #[autosurgeon(missing = "Default::default")]
    created_by: String,
    #[autosurgeon(missing = "Default::default")]
    applicant: V1Applicant,
    #[autosurgeon(missing = "Default::default")]
    services: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    attachments: Vec<V1Attachment>,
}

fn default_kind() -> String {
    "application".into()
}

#[derive(Debug, Default, Hydrate)]
struct V1Applicant {
    #[autosurgeon(missing = "Default::default")]
    full_name: String,
    #[autosurgeon(missing = "Default::default")]
    birth_date: String,
    #[autosurgeon(missing = "Default::default")]
    sex: String,
    #[autosurgeon(missing = "Default::default")]
    rnokpp: String,
    #[autosurgeon(missing = "Default::default")]
    document_number: String,
    #[autosurgeon(missing = "Default::default")]
    address: String,
    #[autosurgeon(missing = "Default::default")]
    phone: String,
}

#[derive(Debug, Default, Hydrate)]
struct V1Attachment {
    #[autosurgeon(missing = "Default::default")]
    id: String,
    #[autosurgeon(missing = "Default::default")]
    sha256: String,
    #[autosurgeon(missing = "Default::default")]
    kind: String,
    #[autosurgeon(missing = "Default::default")]
    mime: String,
    #[autosurgeon(missing = "Default::default")]
    size: u64,
}

fn v1_to_v2(doc: &mut AutoCommit) -> Result<(), CaseError> {
    let old: V1Case = autosurgeon::hydrate(&*doc)?;
    let mut names = old.applicant.full_name.split_whitespace();
    let surname = names.next().unwrap_or_default().to_owned();
    let given_name = names.next().unwrap_or_default().to_owned();
    let patronymic = names.collect::<Vec<_>>().join(" ");
    let opt = |s: String| (!s.trim().is_empty()).then_some(s);
    let number = old.applicant.document_number;
    let kind =
        if number.len() == 9 && number.bytes().all(|c| c.is_ascii_digit()) { "id_card" } else { "passport_booklet" };
    let case = Case {
        schema: SCHEMA_VERSION,
        id: old.id,
        number: old.number,
        kind: old.kind,
        hromada: old.hromada,
        district: None,
        created_at: old.created_at,
        created_by: old.created_by.clone(),
        applicant: Person {
            surname,
            given_name,
            patronymic,
            birth_date: old.applicant.birth_date,
            sex: old.applicant.sex,
            rnokpp: opt(old.applicant.rnokpp),
            unzr: None,
            document: IdentityDocument { kind: kind.into(), number, ..Default::default() },
            registered_address: Address { line: old.applicant.address, ..Default::default() },
            actual_address: None,
            phone: opt(old.applicant.phone),
        },
        services: old
            .services
            .into_iter()
            .map(|code| (format!("svc-{code}"), RequestedService { id: format!("svc-{code}"), code }))
            .collect(),
        attachments: old
            .attachments
            .into_iter()
            .map(|a| {
                (
                    a.id.clone(),
                    Attachment {
                        id: a.id,
                        sha256: a.sha256,
                        kind: a.kind,
                        mime: a.mime,
                        size: a.size,
                        pages: 1,
                        captured_by: old.created_by.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect(),
        ..Default::default()
    };
    // Lists became maps of records: replace them whole, so concurrent upgrades conflict on
    // one key, not per item.
    doc.put_object(ROOT, "services", ObjType::Map)?;
    doc.put_object(ROOT, "attachments", ObjType::Map)?;
    autosurgeon::reconcile(doc, &case)?;
    if let Some((_, applicant)) = doc.get(ROOT, "applicant")? {
        for legacy in ["full_name", "document_number", "address"] {
            if doc.get(&applicant, legacy)?.is_some() {
                doc.delete(&applicant, legacy)?;
            }
        }
    }
    Ok(())
}
