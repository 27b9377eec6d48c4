//! Reading a whole case in one pass.
//!
//! autosurgeon's derived `Hydrate` looks every field up on its own, and `ReadDoc::hydrate`
//! materialises the document object by object; in Automerge 0.12 each object read costs
//! tens of microseconds before its first value. Here [`Objects::read`] collects every
//! visible value in one walk over the document, borrowed, and the typed case is built from
//! those entries. The derived `Hydrate` stays for the upgrade path and as the reference
//! this reader is tested against.

use std::collections::BTreeMap;

use automerge::{ObjType, ReadDoc, ScalarValueRef, ValueRef};
use autosurgeon::HydrateError;
use serde::de::DeserializeOwned;

use super::raw::{Entry, Objects, pick};
use super::{Address, Case, IdentityDocument, Keyed, Member, Person, atomic};

/// A value of a map, or `None` when the key is absent.
type Field<'e, 'a> = Option<&'e Entry<'a>>;

/// The case held by `doc`.
pub(crate) fn case<D: ReadDoc>(doc: &D) -> Result<Case, HydrateError> {
    let objs = Objects::read(doc);
    let o = &objs;
    let [
        schema,
        id,
        number,
        kind,
        hromada,
        district,
        created_at,
        created_by,
        applicant,
        household,
        services,
        attachments,
        chip_reads,
        signatures,
        notes,
        resolutions,
        events,
    ] = pick(
        o.root(),
        [
            "schema",
            "id",
            "number",
            "kind",
            "hromada",
            "district",
            "created_at",
            "created_by",
            "applicant",
            "household",
            "services",
            "attachments",
            "chip_reads",
            "signatures",
            "notes",
            "resolutions",
            "events",
        ],
    );
    let members = match household {
        Some(Entry { value: ValueRef::Object(ObjType::List), child: Some(list), .. }) => o.entries(list),
        other => return Err(wrong("household", "a list", other)),
    };
    let household =
        members.iter().map(|m| member(o, o.entries(object(m, "household[]")?))).collect::<Result<_, _>>()?;
    Ok(Case {
        schema: uint(schema, "schema")?,
        id: string(id, "id")?,
        number: string(number, "number")?,
        kind: string(kind, "kind")?,
        hromada: string(hromada, "hromada")?,
        district: opt_string(district, "district")?,
        created_at: int(created_at, "created_at")?,
        created_by: string(created_by, "created_by")?,
        applicant: person(map_at(o, applicant, "applicant")?)?,
        household,
        services: records(o, services, "services")?,
        attachments: records(o, attachments, "attachments")?,
        chip_reads: records(o, chip_reads, "chip_reads")?,
        signatures: records(o, signatures, "signatures")?,
        notes: records(o, notes, "notes")?,
        resolutions: records(o, resolutions, "resolutions")?,
        events: records(o, events, "events")?,
    })
}

fn member(o: &Objects<'_>, m: &[Entry<'_>]) -> Result<Member, HydrateError> {
    let [id, relation, p] = pick(m, ["id", "relation", "person"]);
    Ok(Member {
        id: string(id, "id")?,
        relation: string(relation, "relation")?,
        person: person(map_at(o, p, "person")?)?,
    })
}

fn person(m: &[Entry<'_>]) -> Result<Person, HydrateError> {
    let [surname, given_name, patronymic, birth_date, sex, rnokpp, unzr, document, registered, actual, phone] = pick(
        m,
        [
            "surname",
            "given_name",
            "patronymic",
            "birth_date",
            "sex",
            "rnokpp",
            "unzr",
            "document",
            "registered_address",
            "actual_address",
            "phone",
        ],
    );
    Ok(Person {
        surname: string(surname, "surname")?,
        given_name: string(given_name, "given_name")?,
        patronymic: string(patronymic, "patronymic")?,
        birth_date: string(birth_date, "birth_date")?,
        sex: string(sex, "sex")?,
        rnokpp: opt_string(rnokpp, "rnokpp")?,
        unzr: opt_string(unzr, "unzr")?,
        document: record::<IdentityDocument>(document, "document")?,
        registered_address: record::<Address>(registered, "registered_address")?,
        actual_address: opt_record::<Address>(actual, "actual_address")?,
        phone: opt_string(phone, "phone")?,
    })
}

fn str_at<'e>(e: Field<'e, '_>, key: &str) -> Result<&'e str, HydrateError> {
    match e {
        Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Str(s)), .. }) => Ok(s),
        other => Err(wrong(key, "a string", other)),
    }
}

fn is_null(e: Field<'_, '_>) -> bool {
    matches!(e, None | Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Null), .. }))
}

fn string(e: Field<'_, '_>, key: &str) -> Result<String, HydrateError> {
    str_at(e, key).map(str::to_owned)
}

fn opt_string(e: Field<'_, '_>, key: &str) -> Result<Option<String>, HydrateError> {
    if is_null(e) { Ok(None) } else { string(e, key).map(Some) }
}

fn int(e: Field<'_, '_>, key: &str) -> Result<i64, HydrateError> {
    match e {
        Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Int(n)), .. }) => Ok(*n),
        Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Uint(n)), .. }) => {
            i64::try_from(*n).map_err(|_| wrong(key, "an i64", e))
        }
        other => Err(wrong(key, "an integer", other)),
    }
}

fn uint(e: Field<'_, '_>, key: &str) -> Result<u64, HydrateError> {
    match e {
        Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Uint(n)), .. }) => Ok(*n),
        Some(Entry { value: ValueRef::Scalar(ScalarValueRef::Int(n)), .. }) => {
            u64::try_from(*n).map_err(|_| wrong(key, "a u64", e))
        }
        other => Err(wrong(key, "an unsigned integer", other)),
    }
}

fn record<T: DeserializeOwned>(e: Field<'_, '_>, key: &str) -> Result<T, HydrateError> {
    atomic::decode(str_at(e, key)?)
}

fn opt_record<T: DeserializeOwned>(e: Field<'_, '_>, key: &str) -> Result<Option<T>, HydrateError> {
    if is_null(e) { Ok(None) } else { record(e, key).map(Some) }
}

fn records<T: DeserializeOwned + Keyed>(
    o: &Objects<'_>,
    e: Field<'_, '_>,
    key: &str,
) -> Result<BTreeMap<String, T>, HydrateError> {
    let mut out = BTreeMap::new();
    for item in map_at(o, e, key)? {
        let ValueRef::Scalar(ScalarValueRef::Str(json)) = &item.value else {
            return Err(unexpected(key, "a JSON record", "another value"));
        };
        let mut record: T = atomic::decode(json)?;
        record.set_id(item.key.to_string());
        out.insert(item.key.to_string(), record);
    }
    Ok(out)
}

/// The entries of the map at `e`.
fn map_at<'o, 'a>(o: &'o Objects<'a>, e: Field<'_, 'a>, key: &str) -> Result<&'o [Entry<'a>], HydrateError> {
    match e {
        Some(e) => Ok(o.entries(object(e, key)?)),
        None => Err(unexpected(key, "a map", "nothing")),
    }
}

/// The id of the map `e` is.
fn object<'e>(e: &'e Entry<'_>, what: &str) -> Result<&'e automerge::ObjId, HydrateError> {
    match e {
        Entry { value: ValueRef::Object(ObjType::Map | ObjType::Table), child: Some(id), .. } => Ok(id),
        _ => Err(unexpected(what, "a map", "another value")),
    }
}

fn wrong(key: &str, expected: &str, found: Field<'_, '_>) -> HydrateError {
    let found = match found {
        None => "nothing",
        Some(Entry { value: ValueRef::Scalar(_), .. }) => "another scalar",
        Some(_) => "an object",
    };
    unexpected(key, expected, found)
}

fn unexpected(key: &str, expected: &str, found: &str) -> HydrateError {
    HydrateError::unexpected(format!("{expected} at {key}"), found.to_owned())
}

#[cfg(test)]
mod tests;
