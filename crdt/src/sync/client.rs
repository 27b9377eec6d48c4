//! The device's side of a sync session, as a state machine: frames in, frames out, with
//! the local store behind [`ClientHost`].
//!
//! A session says `Hello` with the cursor the device saved last time; the server answers
//! `Welcome` and pages of `Changed` documents since that cursor. The device syncs those and
//! its own dirty documents, a window of them at a time; each document is a short exchange
//! of Automerge sync messages that the server closes with `Done` (durable) or `Rejected`.
//! The cursor is saved only when every document announced up to it is through, so a
//! dropped connection resumes where it stopped and a reconnect costs what changed, not
//! what is held.

use std::collections::{BTreeSet, HashSet, VecDeque};

use super::{Frame, HostError};

/// The local store, as the session needs it.
///
/// Before a session starts the host must reset the in-flight part of its per-document
/// sync states (decode them from their persisted form), as after any reconnect.
pub trait ClientHost {
    /// The next Automerge sync message for the server about `doc`, or `None` if there is
    /// nothing to say.
    fn generate(&mut self, doc: &str) -> Result<Option<Vec<u8>>, HostError>;
    /// Applies the server's sync message about `doc`, creating the document if it is new.
    fn receive(&mut self, doc: &str, message: &[u8]) -> Result<(), HostError>;
    /// The server holds `doc` durably at `heads`.
    fn confirmed(&mut self, doc: &str, heads: &[[u8; 32]]) -> Result<(), HostError>;
    /// The exchange about `doc` ended with this side having nothing more to send after a
    /// message from the server. The server sends only what it holds durably, so the heads
    /// its last message stated (`sync::State::their_heads`) are durable.
    fn settled(&mut self, doc: &str) -> Result<(), HostError>;
    /// The server refused this device's changes to `doc`; keep them and show `reason`.
    fn rejected(&mut self, doc: &str, code: u16, reason: &str) -> Result<(), HostError>;
    /// Every document changed up to `cursor` is in sync.
    fn save_cursor(&mut self, cursor: u64) -> Result<(), HostError>;
    /// Forgets what the exchange about `doc` knows in flight (its state as persisted, as
    /// after a reconnect), so the next [`generate`](Self::generate) states where this side
    /// stands even if the last exchange ended in step: the server has changed it since.
    fn restart(&mut self, doc: &str) -> Result<(), HostError>;
}

/// Why a session cannot go on. The connection should be closed; nothing is lost, and a
/// new session resumes from the saved cursor.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the server reported an error {code}: {message}")]
    Server { code: u16, message: String },
    #[error("the server broke the protocol: {0}")]
    Protocol(&'static str),
    #[error("the local store failed: {0}")]
    Host(#[from] HostError),
}

/// What a session moved, for the sync progress bar and the benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub docs_done: usize,
    pub docs_rejected: usize,
    pub docs_pending: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitWelcome,
    Ready,
}

/// One sync session of a device.
#[derive(Debug)]
pub struct ClientSession {
    phase: Phase,
    window: usize,
    queue: VecDeque<String>,
    queued: HashSet<String>,
    in_flight: HashSet<String>,
    /// Documents announced while in flight: the exchange under way may end before the
    /// announced change, so they go again once it is through.
    again: HashSet<String>,
    /// Documents announced by `Changed` pages and not yet through.
    announced: BTreeSet<String>,
    /// The cursor to save once `announced` is empty and no page is outstanding.
    target_cursor: Option<u64>,
    page_outstanding: bool,
    saved_cursor: u64,
    progress: Progress,
}

impl ClientSession {
    /// Starts a session: the returned frames go to the server first. `dirty` are the
    /// documents changed on this device since they were last confirmed; `window` bounds
    /// how many documents are in flight at once.
    pub fn start(cursor: u64, dirty: impl IntoIterator<Item = String>, window: usize) -> (Self, Vec<Frame>) {
        let mut s = Self {
            phase: Phase::AwaitWelcome,
            window: window.max(1),
            queue: VecDeque::new(),
            queued: HashSet::new(),
            in_flight: HashSet::new(),
            again: HashSet::new(),
            announced: BTreeSet::new(),
            target_cursor: None,
            page_outstanding: true,
            saved_cursor: cursor,
            progress: Progress::default(),
        };
        for d in dirty {
            s.enqueue(d);
        }
        (s, vec![Frame::Hello { cursor }])
    }

    /// Whether everything known is in sync and the cursor saved.
    pub fn is_idle(&self) -> bool {
        self.phase == Phase::Ready && self.queue.is_empty() && self.in_flight.is_empty() && !self.page_outstanding
    }

    pub fn progress(&self) -> Progress {
        Progress { docs_pending: self.queue.len() + self.in_flight.len(), ..self.progress.clone() }
    }

    /// The cursor last saved through the host.
    pub fn cursor(&self) -> u64 {
        self.saved_cursor
    }

    /// A document was edited on the device during the session: sync it too.
    pub fn touch(&mut self, doc: &str, host: &mut impl ClientHost) -> Result<Vec<Frame>, SessionError> {
        if !self.in_flight.contains(doc) {
            self.enqueue(doc.to_owned());
        }
        let mut out = Vec::new();
        self.pump(host, &mut out)?;
        Ok(out)
    }

    /// Handles one frame from the server; returns the frames to send.
    pub fn on_frame(&mut self, frame: Frame, host: &mut impl ClientHost) -> Result<Vec<Frame>, SessionError> {
        let mut out = Vec::new();
        match frame {
            Frame::Welcome { .. } if self.phase == Phase::AwaitWelcome => self.phase = Phase::Ready,
            Frame::Changed { cursor, more, docs } if self.phase == Phase::Ready => {
                for d in docs {
                    self.announced.insert(d.clone());
                    if self.in_flight.contains(&d) {
                        self.again.insert(d);
                    } else {
                        self.enqueue(d);
                    }
                }
                self.target_cursor = Some(self.target_cursor.map_or(cursor, |c| c.max(cursor)));
                self.page_outstanding = more;
                if more {
                    out.push(Frame::ChangedSince { cursor });
                }
            }
            Frame::Sync { doc, message } if self.in_flight.contains(&doc) => {
                host.receive(&doc, &message)?;
                match host.generate(&doc)? {
                    Some(message) => out.push(Frame::Sync { doc, message }),
                    None => {
                        host.settled(&doc)?;
                        self.finish(&doc, false);
                    }
                }
            }
            Frame::Done { doc, heads } if self.in_flight.contains(&doc) => {
                host.confirmed(&doc, &heads)?;
                self.finish(&doc, false);
            }
            Frame::Rejected { doc, code, reason } if self.in_flight.contains(&doc) => {
                tracing::warn!(code, "the server refused a document's changes");
                host.rejected(&doc, code, &reason)?;
                self.finish(&doc, true);
            }
            Frame::Error { code, message } => return Err(SessionError::Server { code, message }),
            Frame::Sync { .. } | Frame::Done { .. } | Frame::Rejected { .. } => {
                return Err(SessionError::Protocol("an answer about a document that was not asked about"));
            }
            _ => return Err(SessionError::Protocol("a frame out of order")),
        }
        self.pump(host, &mut out)?;
        Ok(out)
    }

    fn enqueue(&mut self, doc: String) {
        if self.queued.insert(doc.clone()) {
            self.queue.push_back(doc);
        }
    }

    fn finish(&mut self, doc: &str, rejected: bool) {
        self.in_flight.remove(doc);
        // Announced again meanwhile: it stays announced and goes again (see `pump`).
        if self.again.contains(doc) {
            self.enqueue(doc.to_owned());
        } else {
            self.announced.remove(doc);
        }
        if rejected {
            self.progress.docs_rejected += 1;
        } else {
            self.progress.docs_done += 1;
        }
    }

    /// Starts queued documents while the window allows, and saves the cursor when
    /// everything announced up to it is through.
    fn pump(&mut self, host: &mut impl ClientHost, out: &mut Vec<Frame>) -> Result<(), SessionError> {
        if self.phase != Phase::Ready {
            return Ok(());
        }
        while self.in_flight.len() < self.window {
            let Some(doc) = self.queue.pop_front() else { break };
            self.queued.remove(&doc);
            // An announced document may have been through an exchange in this session that
            // ended in step: the server has changed it since.
            if self.again.remove(&doc) | self.announced.contains(&doc) {
                host.restart(&doc)?;
            }
            match host.generate(&doc)? {
                Some(message) => {
                    self.in_flight.insert(doc.clone());
                    out.push(Frame::Sync { doc, message });
                }
                None => {
                    self.announced.remove(&doc);
                    self.progress.docs_done += 1;
                }
            }
        }
        if !self.page_outstanding
            && self.announced.is_empty()
            && let Some(c) = self.target_cursor.take()
            && c != self.saved_cursor
        {
            host.save_cursor(c)?;
            self.saved_cursor = c;
        }
        Ok(())
    }
}
