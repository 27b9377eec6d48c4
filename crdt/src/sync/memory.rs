//! In-memory hosts for both ends of a session: the reference behaviour for real stores,
//! and what the protocol tests run against.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash};

use super::{ChangedPage, ClientHost, HostError, Receipt, ServerHost, codes, head_bytes};

/// A device's local store.
#[derive(Debug, Default)]
pub struct MemoryDevice {
    pub docs: BTreeMap<String, AutoCommit>,
    /// Persisted sync state per document (`sync::State::encode`).
    persisted: BTreeMap<String, Vec<u8>>,
    live: HashMap<String, sync::State>,
    /// Documents changed here and not yet confirmed durable by the server.
    pub dirty: BTreeSet<String>,
    pub cursor: u64,
    /// Documents whose changes the server refused, with the reason shown to the user.
    pub rejected: BTreeMap<String, String>,
}

impl MemoryDevice {
    /// Prepares a session as after a reconnect: in-flight sync state is dropped.
    pub fn begin_session(&mut self) -> (u64, Vec<String>) {
        self.live.clear();
        (self.cursor, self.dirty.iter().cloned().collect())
    }

    /// Edits (or creates) a document locally and marks it dirty.
    pub fn edit(&mut self, doc: &str, f: impl FnOnce(&mut AutoCommit)) {
        let d = self.docs.entry(doc.to_owned()).or_default();
        f(d);
        d.commit();
        self.dirty.insert(doc.to_owned());
    }

    fn state(&mut self, doc: &str) -> &mut sync::State {
        let persisted = &self.persisted;
        let made_here = self.docs.get_mut(doc).is_some_and(|d| !d.get_heads().is_empty());
        self.live.entry(doc.to_owned()).or_insert_with(|| match persisted.get(doc) {
            Some(b) => sync::State::decode(b).unwrap_or_default(),
            None => {
                let mut state = sync::State::new();
                if made_here {
                    super::presume_new(&mut state);
                }
                state
            }
        })
    }

    fn persist(&mut self, doc: &str) {
        if let Some(s) = self.live.get(doc) {
            self.persisted.insert(doc.to_owned(), s.encode());
        }
    }
}

impl ClientHost for MemoryDevice {
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        let mut state = std::mem::take(self.state(doc));
        let d = self.docs.entry(doc.to_owned()).or_default();
        let msg = d.sync().generate_sync_message(&mut state).map(|m| m.encode());
        self.live.insert(doc.to_owned(), state);
        self.persist(doc);
        Ok(msg)
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<(), HostError> {
        let msg = sync::Message::decode(message).map_err(HostError::new)?;
        let mut state = std::mem::take(self.state(doc));
        let d = self.docs.entry(doc.to_owned()).or_default();
        let r = d.sync().receive_sync_message(&mut state, msg);
        self.live.insert(doc.to_owned(), state);
        r.map_err(HostError::new)?;
        self.persist(doc);
        Ok(())
    }

    fn confirmed(&mut self, doc: &str, heads: &[[u8; 32]]) -> Result<(), HostError> {
        let ours = self.docs.get_mut(doc).map(|d| d.get_heads()).unwrap_or_default();
        if head_bytes(&ours).iter().all(|h| heads.contains(h)) {
            self.dirty.remove(doc);
        }
        super::acknowledge(self.state(doc), &ours, heads);
        self.persist(doc);
        Ok(())
    }

    fn settled(&mut self, doc: &str) -> Result<(), HostError> {
        let theirs = self.live.get(doc).and_then(|s| s.their_heads.clone()).unwrap_or_default();
        let ours = self.docs.get_mut(doc).map(|d| d.get_heads()).unwrap_or_default();
        if ours.iter().all(|h| theirs.contains(h)) && !self.rejected.contains_key(doc) {
            self.dirty.remove(doc);
        }
        Ok(())
    }

    fn rejected(&mut self, doc: &str, _code: u16, reason: &str) -> Result<(), HostError> {
        self.rejected.insert(doc.to_owned(), reason.to_owned());
        Ok(())
    }

    fn save_cursor(&mut self, cursor: u64) -> Result<(), HostError> {
        self.cursor = cursor;
        Ok(())
    }

    fn restart(&mut self, doc: &str) -> Result<(), HostError> {
        self.live.remove(doc);
        Ok(())
    }
}

/// Checks a document as it would be after a device's changes; `Err` refuses them.
pub type Authorizer = Box<dyn Fn(&str, &mut AutoCommit) -> Result<(), String> + Send>;

/// A server's store: documents, a change log that gives the cursor, sync states per
/// (device, document), and an authoriser.
#[derive(Default)]
pub struct MemoryServer {
    pub docs: BTreeMap<String, AutoCommit>,
    /// (document id, device) in the order changes became durable; the cursor is its length.
    log: Vec<(String, String)>,
    persisted: BTreeMap<(String, String), Vec<u8>>,
    authorize: Option<Authorizer>,
}

impl MemoryServer {
    pub fn with_authorizer(authorize: Authorizer) -> Self {
        Self { authorize: Some(authorize), ..Default::default() }
    }

    /// The host for one connected device.
    pub fn connect(&mut self, device: &str) -> ServerConn<'_> {
        ServerConn { server: self, device: device.to_owned(), live: HashMap::new() }
    }

    pub fn cursor(&self) -> u64 {
        self.log.len() as u64
    }
}

/// [`MemoryServer`] as seen by one device's session.
pub struct ServerConn<'a> {
    server: &'a mut MemoryServer,
    device: String,
    live: HashMap<String, sync::State>,
}

impl ServerConn<'_> {
    fn state(&mut self, doc: &str) -> sync::State {
        self.live.remove(doc).unwrap_or_else(|| {
            let key = (self.device.clone(), doc.to_owned());
            self.server.persisted.get(&key).and_then(|b| sync::State::decode(b).ok()).unwrap_or_default()
        })
    }

    fn keep(&mut self, doc: &str, state: sync::State) {
        self.server.persisted.insert((self.device.clone(), doc.to_owned()), state.encode());
        self.live.insert(doc.to_owned(), state);
    }
}

impl ServerHost for ServerConn<'_> {
    fn cursor(&mut self) -> Result<u64, HostError> {
        Ok(self.server.cursor())
    }

    fn changed_since(&mut self, cursor: u64, limit: usize) -> Result<ChangedPage, HostError> {
        let log = &self.server.log;
        let start = usize::try_from(cursor).unwrap_or(usize::MAX).min(log.len());
        let mut docs: Vec<String> = Vec::new();
        let mut end = start;
        while end < log.len() {
            let (doc, from) = &log[end];
            // A device has its own changes: it is told only of others'.
            if from != &self.device && !docs.contains(doc) {
                if docs.len() == limit {
                    break;
                }
                docs.push(doc.clone());
            }
            end += 1;
        }
        Ok(ChangedPage { docs, cursor: end as u64, more: end < log.len() })
    }

    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<Receipt, HostError> {
        let Ok(msg) = sync::Message::decode(message) else {
            return Ok(Receipt::Rejected { code: codes::MALFORMED, reason: "unreadable sync message".into() });
        };
        let before: Vec<ChangeHash> = self.server.docs.get_mut(doc).map(|d| d.get_heads()).unwrap_or_default();
        let mut fork = self.server.docs.get_mut(doc).map(AutoCommit::fork).unwrap_or_default();
        let mut state = self.state(doc);
        // A refused message must leave the state as it was: the server did not take it.
        let saved = state.clone();
        if let Err(e) = fork.sync().receive_sync_message(&mut state, msg) {
            self.live.insert(doc.to_owned(), saved);
            return Ok(Receipt::Rejected { code: codes::MALFORMED, reason: e.to_string() });
        }
        if fork.get_heads() == before {
            self.keep(doc, state);
            return Ok(Receipt::Accepted);
        }
        if let Some(check) = &self.server.authorize
            && let Err(reason) = check(doc, &mut fork)
        {
            self.live.insert(doc.to_owned(), saved);
            return Ok(Receipt::Rejected { code: codes::FORBIDDEN, reason });
        }
        self.server.docs.insert(doc.to_owned(), fork);
        self.server.log.push((doc.to_owned(), self.device.clone()));
        self.keep(doc, state);
        Ok(Receipt::Accepted)
    }

    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError> {
        let mut state = self.state(doc);
        let mut empty = AutoCommit::new();
        let d = self.server.docs.get_mut(doc).unwrap_or(&mut empty);
        let msg = d.sync().generate_sync_message(&mut state).map(|m| m.encode());
        self.keep(doc, state);
        Ok(msg)
    }

    fn heads(&mut self, doc: &str) -> Result<Vec<[u8; 32]>, HostError> {
        Ok(self.server.docs.get_mut(doc).map(|d| head_bytes(&d.get_heads())).unwrap_or_default())
    }
}
