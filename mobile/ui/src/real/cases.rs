//! The real [`CaseService`]: cases in the encrypted store, read through the view models;
//! a new application made and submitted the way `keis case new`, `sign` and `submit` do
//! it ([`create_case`]), workflow actions through `CaseDoc::act`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use automerge::ActorId;
use keis_crdt::{Action, CaseDoc, Catalogue, Position, Scope};
use keis_device::scan::{ScanOptions, thumbnail};
use keis_mobile::case_list::Lang;
use keis_mobile::signing::render_pad;
use keis_mobile::store::{Store, StoreError};
use keis_mobile::sync::Identity;
use keis_mobile::views::application::{Opening, Signing, create_case};
use keis_mobile::views::detail::CaseDetail;
use keis_mobile::views::journal::JournalRow;
use keis_mobile::views::notes::add_note;
use keis_mobile::views::wizard::NewApplication;

use super::sync::RealSync;
use super::{ABORTED, Shared, data_url, lock, now_ms, off_the_window, random_hex, service_error};
use crate::services::{CaseService, Later, ServiceError};

/// The cases over the shared store.
pub struct RealCases {
    store: Shared,
    catalogue: Catalogue,
    sync: Rc<RealSync>,
    /// Thumbnails made so far, by page digest (`None`: the page cannot be shown).
    thumbnails: Rc<RefCell<HashMap<String, Option<String>>>>,
}

/// What a stored page's thumbnail came to.
enum Made {
    Shown(String),
    /// The blob is there but is no image the pipeline reads: kept as such.
    Unusable,
    /// The page is not on the device (yet).
    Absent,
}

/// A `data:` URL of a small JPEG of the stored page `sha256` (read, decrypted, decoded,
/// shrunk): on a thread of its own, off the window.
fn make_thumbnail(store: &Shared, sha256: &str) -> Made {
    let bytes = match lock(store).blob(sha256) {
        Ok(bytes) => bytes,
        Err(StoreError::BlobNotFound(_)) => return Made::Absent,
        Err(e) => {
            tracing::warn!(error = %e, "a stored page cannot be read");
            return Made::Absent;
        }
    };
    match thumbnail(&bytes, &ScanOptions::default()) {
        Ok(jpeg) => Made::Shown(data_url("image/jpeg", &jpeg)),
        Err(e) => {
            tracing::warn!(error = %e, "a stored page cannot be shown");
            Made::Unusable
        }
    }
}

/// How many thumbnails are kept (about 20 KiB each): a few dozen cases' documents.
const THUMBNAILS_KEPT: usize = 256;

impl RealCases {
    pub(crate) fn new(store: Shared, catalogue: Catalogue, sync: Rc<RealSync>) -> Self {
        Self { store, catalogue, sync, thumbnails: Rc::default() }
    }

    fn doc(&self, store: &mut Store, case_id: &str) -> Result<CaseDoc, ServiceError> {
        store.case(case_id).map_err(service_error)
    }
}

/// The hromada and district a new case of `by` opens in: those of its scope.
fn place_of(by: &Position) -> Result<(String, Option<String>), ServiceError> {
    match &by.scope {
        Scope::District { hromada, district } => Ok((hromada.clone(), Some(district.clone()))),
        Scope::Hromadas(list) if list.len() == 1 => Ok((list[0].clone(), None)),
        _ => Err(ServiceError(
            "ця посада не належить одній громаді; оберіть посаду старости чи фахівця громади / \
             this position does not belong to one hromada; choose a starosta's or a hromada specialist's position"
                .into(),
        )),
    }
}

impl CaseService for RealCases {
    fn rows(&self, lang: Lang) -> Vec<JournalRow> {
        // The kept summaries: the list opens without loading every case.
        let mut store = lock(&self.store);
        let refused = store.refused_cases().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the refused cases");
            Default::default()
        });
        match store.summaries() {
            Ok(all) => all
                .iter()
                .map(|(s, unsynced)| {
                    let mut row = JournalRow::of(s, lang, *unsynced);
                    row.refused = refused.contains(&s.id);
                    row
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "could not list the cases");
                Vec::new()
            }
        }
    }

    fn detail(&self, case_id: &str, lang: Lang) -> Result<CaseDetail, ServiceError> {
        let mut store = lock(&self.store);
        let doc = self.doc(&mut store, case_id)?;
        let mut detail = CaseDetail::new(&doc, &self.catalogue, lang);
        detail.refused = store.rejection(case_id).map_err(service_error)?.map(|r| r.reason);
        Ok(detail)
    }

    fn create_application(&self, app: &NewApplication, by: &Position) -> Result<String, ServiceError> {
        let (hromada, district) = place_of(by)?;
        let id = format!("case-{}", random_hex(12)?);
        let number = format!("D-{}", id[5..13].to_uppercase());
        let actor = ActorId::from(random_hex(16)?.as_bytes());
        let opening =
            Opening { id: &id, number: &number, hromada: &hromada, district: district.as_deref(), at: now_ms() };
        let png = render_pad(&app.signature).map_err(service_error)?;
        let mut store = lock(&self.store);
        let key = Identity::load_or_create(&mut store).and_then(|i| i.device_key()).map_err(service_error)?;
        let signing = Signing { png: &png, key: &key };
        let (mut doc, refused) =
            create_case(actor, app, &opening, by, &self.catalogue, signing).map_err(service_error)?;
        // The signature image syncs as a blob with the case. Both are saved even when the
        // submission was refused: nothing typed is lost.
        store.put_blob(&png).map_err(service_error)?;
        store.put_case(&mut doc).map_err(service_error)?;
        drop(store);
        self.sync.refresh();
        tracing::info!(case = %id, submitted = refused.is_none(), "application created");
        match refused {
            Some(e) => Err(service_error(e)),
            None => Ok(id),
        }
    }

    fn thumbnail(&self, sha256: &str) -> Later<Option<String>> {
        if let Some(kept) = self.thumbnails.borrow().get(sha256) {
            return Box::pin(std::future::ready(Ok(kept.clone())));
        }
        let (store, sha) = (self.store.clone(), sha256.to_owned());
        let made = off_the_window(move || Ok(make_thumbnail(&store, &sha)), || ServiceError(ABORTED.into()));
        let (kept, sha) = (self.thumbnails.clone(), sha256.to_owned());
        Box::pin(async move {
            let shown = match made.await? {
                Made::Shown(src) => Some(src),
                Made::Unusable => None,
                // Not fetched yet: asked again next time, when sync may have brought it.
                Made::Absent => return Ok(None),
            };
            let mut kept = kept.borrow_mut();
            if kept.len() >= THUMBNAILS_KEPT {
                kept.clear();
            }
            kept.insert(sha, shown.clone());
            Ok(shown)
        })
    }

    fn printable(&self, case_id: &str, lang: Lang) -> Result<String, ServiceError> {
        let doc = self.doc(&mut lock(&self.store), case_id)?;
        Ok(crate::print::application_html(doc.case(), &self.catalogue, lang))
    }

    fn act(&self, case_id: &str, by: &Position, action: Action, comment: &str) -> Result<(), ServiceError> {
        let mut store = lock(&self.store);
        let mut doc = self.doc(&mut store, case_id)?;
        doc.act(by, action, comment, now_ms(), &self.catalogue).map_err(service_error)?;
        store.put_case(&mut doc).map_err(service_error)?;
        drop(store);
        self.sync.refresh();
        Ok(())
    }

    fn add_note(&self, case_id: &str, by: &Position, kind: &str, text: &str) -> Result<(), ServiceError> {
        let mut store = lock(&self.store);
        let mut doc = self.doc(&mut store, case_id)?;
        add_note(&mut doc, by, kind, text, now_ms()).map_err(service_error)?;
        store.put_case(&mut doc).map_err(service_error)?;
        drop(store);
        self.sync.refresh();
        Ok(())
    }
}
