//! Small sealed settings of the device (its sync identity, the server, its positions):
//! rows of the `meta` table named `setting:NAME`, each value sealed under the data key like
//! any payload, so they open only with the PIN. Also the wipe a revoked device does.

use super::crypto::RowId;
use super::{Activity, Store, StoreError, db};

fn meta_key(name: &str) -> String {
    format!("setting:{name}")
}

impl Store {
    /// A setting's value, or `None` if it was never set.
    pub fn setting(&mut self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let p = self.parts(Activity::Background)?;
        let Some(sealed) = db::get(p.conn, &meta_key(name))? else { return Ok(None) };
        p.key.open(RowId::new("setting", name, 0), &sealed).map(Some)
    }

    /// Sets a setting (sealed).
    pub fn set_setting(&mut self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let p = self.parts(Activity::Background)?;
        let sealed = p.key.seal(p.rng, RowId::new("setting", name, 0), value)?;
        db::set(p.conn, &meta_key(name), &sealed)
    }

    /// Deletes everything this device holds, keeping the handle (every later operation
    /// returns [`StoreError::Wiped`]): what sync does when the server says the device was
    /// revoked.
    pub fn wipe_now(&mut self) -> Result<(), StoreError> {
        self.wipe_in_place()
    }

    /// Whether the store was wiped (by [`Store::wipe_now`] or too many wrong PINs).
    pub fn is_wiped(&self) -> bool {
        self.conn.is_none()
    }
}

impl Store {
    /// The blobs the stored cases refer to (attachments and signature images), without
    /// counting as user activity.
    pub fn referenced_blobs(&mut self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let p = self.parts(Activity::Background)?;
        let mut out = std::collections::BTreeSet::new();
        for id in p.ids("SELECT id FROM cases ORDER BY id")? {
            let Some(doc) = p.load_doc(&id)? else { continue };
            let case = keis_crdt::model::read_case(&doc).map_err(keis_crdt::CaseError::from)?;
            out.extend(case.attachments.values().map(|a| a.sha256.clone()));
            out.extend(case.signatures.values().map(|s| s.image_sha256.clone()));
        }
        out.retain(|h| !h.is_empty());
        Ok(out)
    }
}
