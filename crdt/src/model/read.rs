//! Reading a whole case in one pass.
//!
//! autosurgeon's derived `Hydrate` looks every field up on its own, and a lookup in an
//! Automerge 0.12 document costs microseconds; a realistic case has a few hundred values.
//! Here the document is materialised once (`ReadDoc::hydrate`) and the typed case is built
//! from that tree. The derived `Hydrate` stays for the upgrade path and as the reference
//! this reader is tested against.

use std::collections::BTreeMap;

use automerge::hydrate::{Map, Value};
use automerge::{ROOT, ReadDoc, ScalarValue};
use autosurgeon::HydrateError;
use serde::de::DeserializeOwned;

use super::{Address, Case, IdentityDocument, Keyed, Member, Person, atomic};

/// The case held by `doc`.
pub(crate) fn case<D: ReadDoc>(doc: &D) -> Result<Case, HydrateError> {
    let root = match doc.hydrate(ROOT, None)? {
        Value::Map(m) => m,
        _ => return Err(unexpected("root", "a map", "another value")),
    };
    let r = &root;
    let mut household = Vec::new();
    match r.get("household") {
        Some(Value::List(list)) => {
            for item in list.iter() {
                household.push(member(map(&item.value, "household[]")?)?);
            }
        }
        other => return Err(wrong("household", "a list", other)),
    }
    Ok(Case {
        schema: uint(r, "schema")?,
        id: string(r, "id")?,
        number: string(r, "number")?,
        kind: string(r, "kind")?,
        hromada: string(r, "hromada")?,
        district: opt_string(r, "district")?,
        created_at: int(r, "created_at")?,
        created_by: string(r, "created_by")?,
        applicant: person(map_at(r, "applicant")?)?,
        household,
        services: records(r, "services")?,
        attachments: records(r, "attachments")?,
        chip_reads: records(r, "chip_reads")?,
        signatures: records(r, "signatures")?,
        notes: records(r, "notes")?,
        resolutions: records(r, "resolutions")?,
        events: records(r, "events")?,
    })
}

fn member(m: &Map) -> Result<Member, HydrateError> {
    Ok(Member { id: string(m, "id")?, relation: string(m, "relation")?, person: person(map_at(m, "person")?)? })
}

fn person(m: &Map) -> Result<Person, HydrateError> {
    Ok(Person {
        surname: string(m, "surname")?,
        given_name: string(m, "given_name")?,
        patronymic: string(m, "patronymic")?,
        birth_date: string(m, "birth_date")?,
        sex: string(m, "sex")?,
        rnokpp: opt_string(m, "rnokpp")?,
        unzr: opt_string(m, "unzr")?,
        document: record::<IdentityDocument>(m, "document")?,
        registered_address: record::<Address>(m, "registered_address")?,
        actual_address: opt_record::<Address>(m, "actual_address")?,
        phone: opt_string(m, "phone")?,
    })
}

fn scalar<'a>(m: &'a Map, key: &str) -> Option<&'a ScalarValue> {
    match m.get(key) {
        Some(Value::Scalar(s)) => Some(s),
        _ => None,
    }
}

fn string(m: &Map, key: &str) -> Result<String, HydrateError> {
    match scalar(m, key) {
        Some(ScalarValue::Str(s)) => Ok(s.to_string()),
        _ => Err(wrong(key, "a string", m.get(key))),
    }
}

fn opt_string(m: &Map, key: &str) -> Result<Option<String>, HydrateError> {
    match m.get(key) {
        None | Some(Value::Scalar(ScalarValue::Null)) => Ok(None),
        _ => string(m, key).map(Some),
    }
}

fn int(m: &Map, key: &str) -> Result<i64, HydrateError> {
    match scalar(m, key) {
        Some(ScalarValue::Int(n)) => Ok(*n),
        Some(ScalarValue::Uint(n)) => i64::try_from(*n).map_err(|_| wrong(key, "an i64", m.get(key))),
        _ => Err(wrong(key, "an integer", m.get(key))),
    }
}

fn uint(m: &Map, key: &str) -> Result<u64, HydrateError> {
    match scalar(m, key) {
        Some(ScalarValue::Uint(n)) => Ok(*n),
        Some(ScalarValue::Int(n)) => u64::try_from(*n).map_err(|_| wrong(key, "a u64", m.get(key))),
        _ => Err(wrong(key, "an unsigned integer", m.get(key))),
    }
}

fn record<T: DeserializeOwned>(m: &Map, key: &str) -> Result<T, HydrateError> {
    atomic::decode(&string(m, key)?)
}

fn opt_record<T: DeserializeOwned>(m: &Map, key: &str) -> Result<Option<T>, HydrateError> {
    opt_string(m, key)?.map(|s| atomic::decode(&s)).transpose()
}

fn records<T: DeserializeOwned + Keyed>(m: &Map, key: &str) -> Result<BTreeMap<String, T>, HydrateError> {
    let items = map_at(m, key)?;
    let mut out = BTreeMap::new();
    for (id, v) in items.iter() {
        let Value::Scalar(ScalarValue::Str(json)) = &v.value else {
            return Err(unexpected(key, "a JSON record", "another value"));
        };
        let mut record: T = atomic::decode(json)?;
        record.set_id(id.clone());
        out.insert(id.clone(), record);
    }
    Ok(out)
}

fn map_at<'a>(m: &'a Map, key: &str) -> Result<&'a Map, HydrateError> {
    map(m.get(key).ok_or_else(|| unexpected(key, "a map", "nothing"))?, key)
}

fn map<'a>(v: &'a Value, what: &str) -> Result<&'a Map, HydrateError> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(unexpected(what, "a map", "another value")),
    }
}

fn wrong(key: &str, expected: &str, found: Option<&Value>) -> HydrateError {
    let found = match found {
        None => "nothing",
        Some(Value::Scalar(_)) => "another scalar",
        Some(_) => "an object",
    };
    unexpected(key, expected, found)
}

fn unexpected(key: &str, expected: &str, found: &str) -> HydrateError {
    HydrateError::unexpected(format!("{expected} at {key}"), found.to_owned())
}

#[cfg(test)]
mod tests {
    use automerge::ActorId;

    use super::*;
    use crate::demo;

    fn reference<D: autosurgeon::ReadDoc>(doc: &D) -> Case {
        let mut c: Case = autosurgeon::hydrate(doc).expect("autosurgeon hydrate");
        c.adopt_keys();
        c
    }

    #[test]
    fn reads_what_autosurgeon_reads() {
        let mut doc = demo::decided_application(ActorId::from(b"a".as_slice()), 3, 0).expect("demo");
        doc.edit(1, |c, _| {
            c.applicant.actual_address = Some(Address { katottg: "UA99000000000000041".into(), ..Default::default() });
            c.district = None;
        })
        .expect("edit");
        let am = doc.automerge();
        assert_eq!(case(am).expect("fast read"), reference(am));
    }

    #[test]
    fn a_case_of_the_wrong_shape_is_an_error() {
        use automerge::transaction::Transactable;
        let mut doc = demo::application(ActorId::from(b"a".as_slice()), 4, 0).expect("demo");
        let am = doc.automerge_mut();
        let (_, events) = am.get(ROOT, "events").expect("get").expect("events");
        am.put(&events, "forged", "{not json").expect("put");
        assert!(case(am).is_err());
        am.put(ROOT, "events", "not a map").expect("put");
        assert!(case(am).is_err());
        am.put(ROOT, "household", 7).expect("put");
        assert!(case(am).is_err());
    }
}
