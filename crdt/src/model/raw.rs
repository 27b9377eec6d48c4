//! The visible content of a document, collected in one pass over Automerge's
//! [`DocIter`](automerge::iter::DocIter) and borrowed from the document.
//!
//! Automerge 0.12 keeps operations in compressed columns, and every per-object read
//! (`ReadDoc::hydrate`, `map_range`, `get`) first positions a fresh cursor on each of about
//! a dozen columns: some 30 000 instructions an object, before a single value is read.
//! `DocIter` walks all objects with one set of cursors that only move forward; on the
//! realistic case of `benches/case.rs` (20 objects, 130 values) it took 0.27 M
//! instructions against 1.07 M for `ReadDoc::hydrate` (callgrind). It yields the same
//! values: the winner of each key, visible list elements in order, the children of
//! visible values only.

use std::borrow::Cow;
use std::sync::Arc;

use automerge::iter::DocItem;
use automerge::{ObjId, ROOT, ReadDoc, ValueRef};

/// One visible value of a map (under `key`) or of a list (in list order, `key` empty).
pub(super) struct Entry<'a> {
    pub(super) key: Cow<'a, str>,
    pub(super) value: ValueRef<'a>,
    /// The id of the object the value is, when it is one.
    pub(super) child: Option<ObjId>,
}

/// The entries of every object that has any. An empty object yields nothing in `DocIter`,
/// so it is absent here and reads as empty.
pub(super) struct Objects<'a> {
    /// Every entry, object after object.
    entries: Vec<Entry<'a>>,
    /// Each object and where its entries start in `entries`, in the order `DocIter` visits
    /// them: the root first, parents before children. An object's entries end where the
    /// next object's start.
    objs: Vec<(Arc<ObjId>, usize)>,
}

impl<'a> Objects<'a> {
    pub(super) fn read<D: ReadDoc>(doc: &'a D) -> Self {
        // One allocation each for a case of a few hundred values.
        let mut entries = Vec::with_capacity(256);
        let mut objs: Vec<(Arc<ObjId>, usize)> = Vec::with_capacity(32);
        for item in doc.iter() {
            let entry = match item.item {
                DocItem::Map(m) => {
                    let child = matches!(m.value, ValueRef::Object(_)).then(|| m.id());
                    Entry { key: m.key, value: m.value, child }
                }
                DocItem::List(l) => {
                    let child = matches!(l.value, ValueRef::Object(_)).then(|| l.id());
                    Entry { key: Cow::Borrowed(""), value: l.value, child }
                }
                // No part of a case is a text object; where one stands for a string, its
                // parent's entry (`ValueRef::Object(Text)`) makes the read fail.
                DocItem::Text(_) => continue,
            };
            // `DocIter` visits an object's values together and shares one `Arc` among them.
            match objs.last() {
                Some((obj, _)) if Arc::ptr_eq(obj, &item.obj) || **obj == *item.obj => {}
                _ => objs.push((item.obj, entries.len())),
            }
            entries.push(entry);
        }
        Self { entries, objs }
    }

    /// The entries of the root map.
    pub(super) fn root(&self) -> &[Entry<'a>] {
        self.entries(&ROOT)
    }

    /// The entries of `obj`; none when it is empty (or unknown).
    pub(super) fn entries(&self, obj: &ObjId) -> &[Entry<'a>] {
        let Some(i) = self.objs.iter().position(|(id, _)| **id == *obj) else {
            return &[];
        };
        let end = self.objs.get(i + 1).map_or(self.entries.len(), |(_, start)| *start);
        &self.entries[self.objs[i].1..end]
    }
}

/// The entries of a map under `keys`, in that order, in one pass over the map.
pub(super) fn pick<'e, 'a, const N: usize>(entries: &'e [Entry<'a>], keys: [&str; N]) -> [Option<&'e Entry<'a>>; N] {
    let mut found = [None; N];
    for e in entries {
        if let Some(i) = keys.iter().position(|k| *k == e.key) {
            found[i] = Some(e);
        }
    }
    found
}
