//! Records stored as one value: a JSON string written and replaced whole, never merged
//! field by field.
//!
//! Used for what is captured or authored at once and never edited concurrently field by
//! field: workflow events, signatures, chip reads, attachments, notes, resolutions, an
//! identity document, an address. One value instead of a map of fields keeps the document
//! small and fast to read (Automerge 0.12 reads cost about a microsecond per value), and
//! makes immutable records immutable by representation. People stay maps of fields, so
//! two devices editing different fields of one person merge both edits.

use serde::{Serialize, de::DeserializeOwned};

/// The record as compact JSON. Fields at their default (empty, zero, none) are left out
/// by `skip_serializing_if` on each field, and records are read with `#[serde(default)]`, so
/// they come back the same: less to store, sync and parse, and a field added later reads
/// as its default in older records.
pub(crate) fn encode<T: Serialize>(record: &T) -> String {
    serde_json::to_string(record).expect("records of strings and numbers always serialise")
}

pub(crate) fn decode<T: DeserializeOwned>(json: &str) -> Result<T, autosurgeon::HydrateError> {
    serde_json::from_str(json).map_err(|e| autosurgeon::HydrateError::unexpected("a JSON record", e.to_string()))
}

/// For `skip_serializing_if` on numbers and flags.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Implements `Reconcile` and `Hydrate` for record types as single JSON string values.
macro_rules! atomic_record {
    ($($t:ty),* $(,)?) => {$(
        impl autosurgeon::Reconcile for $t {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str($crate::model::atomic::encode(self))
            }
        }

        impl autosurgeon::Hydrate for $t {
            fn hydrate_string(s: &str) -> Result<Self, autosurgeon::HydrateError> {
                $crate::model::atomic::decode(s)
            }
        }
    )*};
}

pub(crate) use atomic_record;

#[cfg(test)]
mod tests {
    use crate::model::{Address, Person};
    use crate::workflow::EventRecord;

    #[test]
    fn defaults_are_left_out_and_come_back() {
        let empty = EventRecord::default();
        assert_eq!(super::encode(&empty), "{}");
        let event = EventRecord { action: "submit".into(), at: 5, parents: vec!["a".into()], ..Default::default() };
        let json = super::encode(&event);
        assert_eq!(json, r#"{"parents":["a"],"at":5,"action":"submit"}"#);
        assert_eq!(super::decode::<EventRecord>(&json).expect("decode"), event);
        let person =
            Person { rnokpp: Some(String::new()), actual_address: Some(Address::default()), ..Default::default() };
        // `Some("")` and `Some(default)` are not the default of an `Option`: they survive.
        let back: Person = super::decode(&super::encode(&person)).expect("decode");
        assert_eq!(back, person);
    }
}
