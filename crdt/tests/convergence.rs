//! Randomised convergence, in the style of Zed's tests: 3 to 5 devices edit one case and
//! act on it offline while a simulated network delivers Automerge sync messages late,
//! twice, out of order or not at all, and partitions the devices. After the network heals,
//! every device holds the same document and derives the same status, and no workflow event
//! ever created is lost. `check_invariants` runs after every step.
//!
//! Environment: `KEIS_SEED` replays one seed; `KEIS_SEEDS` (default 12) seeds from 0;
//! `KEIS_STEPS` (default 120) steps each; `KEIS_REPLICAS` fixes the device count (default
//! 3-5 by seed). A soak: `KEIS_SEEDS=2000 KEIS_STEPS=1000 cargo test --release -p keis-crdt
//! --test convergence`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use automerge::ActorId;
use automerge::sync::{self, SyncDoc};
use keis_crdt::workflow::{CaseState, EventRecord};
use keis_crdt::{Action, Attachment, CaseDoc, Catalogue, Decision, Member, Note, RecordMap, Signature, demo};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// SplitMix64: tiny, seedable, the same on every platform and forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Replica {
    doc: CaseDoc,
    /// Every event this replica has ever held, as first seen: none may vanish or change.
    seen: BTreeMap<String, EventRecord>,
    group: usize,
}

struct Net {
    /// `states[i][j]`: replica i's sync state for peer j.
    states: Vec<Vec<sync::State>>,
    /// `queues[i][j]`: encoded messages from i to j in flight.
    queues: Vec<Vec<VecDeque<Vec<u8>>>>,
}

struct World {
    rng: Rng,
    replicas: Vec<Replica>,
    net: Net,
    catalogue: Catalogue,
    clock: i64,
    /// Every event created anywhere.
    created: BTreeSet<String>,
    stats: BTreeMap<&'static str, u32>,
}

/// Prints the seed if the test fails while this is alive, so it can be replayed.
struct SeedGuard(u64);

impl Drop for SeedGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "convergence failed with seed {0}; replay: KEIS_SEED={0} cargo test -p keis-crdt --test convergence",
                self.0
            );
        }
    }
}

impl World {
    fn new(seed: u64, n: usize) -> Self {
        let mut first = demo::application(ActorId::from(b"replica-0".as_slice()), seed as u32, 1_763_900_000_000)
            .expect("demo case");
        let saved = first.save();
        let mut replicas = vec![Replica { doc: first, seen: BTreeMap::new(), group: 0 }];
        for i in 1..n {
            let actor = ActorId::from(format!("replica-{i}").as_bytes());
            let doc = CaseDoc::load(&saved, actor).expect("load");
            replicas.push(Replica { doc, seen: BTreeMap::new(), group: 0 });
        }
        let net = Net {
            states: (0..n).map(|_| (0..n).map(|_| sync::State::new()).collect()).collect(),
            queues: (0..n).map(|_| (0..n).map(|_| VecDeque::new()).collect()).collect(),
        };
        let catalogue = Catalogue::embedded().expect("catalogue");
        Self {
            rng: Rng(seed),
            replicas,
            net,
            catalogue,
            clock: 1_763_900_000_000,
            created: BTreeSet::new(),
            stats: BTreeMap::new(),
        }
    }

    fn count(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    fn step(&mut self) {
        self.clock += 1_000 + self.rng.below(60_000) as i64;
        match self.rng.below(100) {
            0..=24 => self.edit(),
            25..=39 => self.act(),
            40..=59 => self.send(),
            60..=94 => {
                for _ in 0..1 + self.rng.below(6) {
                    self.deliver();
                }
            }
            95..=97 => self.repartition(),
            _ => self.reconnect(),
        }
    }

    fn edit(&mut self) {
        let r = self.rng.below(self.replicas.len());
        let pick = self.rng.below(9);
        let salt = self.rng.next();
        let at = self.clock;
        let doc = &mut self.replicas[r].doc;
        let digest = doc.content_digest().to_hex();
        let result = doc.edit(at, |case, ids| {
            let n = case.household.len().max(1);
            match pick {
                0 => case.applicant.phone = Some(format!("+38099{:07}", salt % 10_000_000)),
                1 => case.applicant.registered_address.line = format!("вул. Вигадана, {}", salt % 200),
                2 => case.household.push(Member {
                    id: ids.next_id(),
                    relation: "child".into(),
                    person: demo::person(salt as u32 % 1000, keis_crdt::validate::Date::new(2015, 6, 1).expect("date")),
                }),
                3 if !case.household.is_empty() => {
                    case.household.remove(salt as usize % n);
                }
                4 if !case.household.is_empty() => {
                    case.household[salt as usize % n].person.phone = Some(format!("+38098{:07}", salt % 10_000_000));
                }
                5 => case.attachments.add(Attachment {
                    id: ids.next_id(),
                    sha256: format!("{salt:064x}"),
                    kind: "photo".into(),
                    ..Default::default()
                }),
                6 if !case.attachments.is_empty() => {
                    let k = case.attachments.keys().nth(salt as usize % case.attachments.len()).cloned();
                    k.map(|k| case.attachments.remove(&k));
                }
                7 => case.notes.add(Note {
                    id: ids.next_id(),
                    kind: "visit".into(),
                    at,
                    text: format!("візит {salt}"),
                    ..Default::default()
                }),
                _ => case.signatures.add(Signature {
                    id: ids.next_id(),
                    signer: "applicant".into(),
                    content_digest: digest,
                    signed_at: at,
                    ..Default::default()
                }),
            }
        });
        result.expect("a local edit always applies");
        self.count("edits");
    }

    /// Tries the workflow actions in random order as random positions until one is
    /// accepted; refusals are typed errors and change nothing.
    fn act(&mut self) {
        // An official who sees a conflict on their device tends to resolve it.
        let conflicted: Vec<usize> =
            (0..self.replicas.len()).filter(|&i| self.replicas[i].doc.derive().state.is_conflict()).collect();
        let r = if !conflicted.is_empty() && self.rng.chance(70) {
            conflicted[self.rng.below(conflicted.len())]
        } else {
            self.rng.below(self.replicas.len())
        };
        let d = |y, m, day| keis_crdt::validate::Date::new(y, m, day).expect("date");
        let mut actions = vec![
            Action::Submit { incomplete: Some("донесе пізніше".into()) },
            Action::ReturnForRework,
            Action::ForwardToBackOffice { incomplete: Some("донесе пізніше".into()) },
            Action::ReturnToHromada,
            Action::MarkChecked,
            Action::Export { batch: format!("DAT-{}", self.rng.below(100)) },
            Action::RecordDecision(Decision::Granted {
                amount_kop: 1 + self.rng.below(500_000) as u64,
                from: d(2026, 12, 1),
                to: d(2027, 5, 31),
            }),
        ];
        if let CaseState::Conflict { events, .. } = self.replicas[r].doc.derive().state {
            actions = events.into_iter().map(|keep| Action::Resolve { keep }).collect();
        }
        let positions = demo::positions();
        for _ in 0..actions.len() * 4 {
            let action = actions[self.rng.below(actions.len())].clone();
            let who = &positions[self.rng.below(positions.len())];
            let doc = &mut self.replicas[r].doc;
            let signed = doc.signature_states().iter().any(|(_, s)| *s == keis_crdt::SignatureState::Valid);
            if !signed && matches!(action, Action::Submit { .. }) {
                // Re-sign first, as the starosta would after any change.
                let digest = doc.content_digest().to_hex();
                let at = self.clock;
                doc.edit(at, |case, ids| {
                    case.signatures.add(Signature {
                        id: ids.next_id(),
                        signer: "applicant".into(),
                        content_digest: digest,
                        ..Default::default()
                    })
                })
                .expect("sign");
            }
            let resolving = matches!(action, Action::Resolve { .. });
            match doc.act(who, action, "коментар", self.clock, &self.catalogue) {
                Ok(id) => {
                    if resolving {
                        self.count("conflicts resolved");
                    }
                    self.created.insert(id);
                    self.count("actions accepted");
                    return;
                }
                Err(keis_crdt::CaseError::Workflow(_)) => self.count("actions refused"),
                Err(e) => panic!("an action failed with a non-workflow error: {e}"),
            }
        }
    }

    fn connected(&self, i: usize, j: usize) -> bool {
        i != j && self.replicas[i].group == self.replicas[j].group
    }

    /// Every connected device sends its peers what the sync protocol says they lack.
    fn send(&mut self) {
        let n = self.replicas.len();
        for i in 0..n {
            for j in 0..n {
                if !self.connected(i, j) {
                    continue;
                }
                let msg = self.replicas[i].doc.automerge_mut().sync().generate_sync_message(&mut self.net.states[i][j]);
                if let Some(msg) = msg {
                    self.net.queues[i][j].push_back(msg.encode());
                    self.count("messages sent");
                }
            }
        }
    }

    fn deliver(&mut self) {
        let n = self.replicas.len();
        let busy: Vec<(usize, usize)> =
            (0..n * n).map(|k| (k / n, k % n)).filter(|&(i, j)| !self.net.queues[i][j].is_empty()).collect();
        if busy.is_empty() {
            return;
        }
        let (i, j) = busy[self.rng.below(busy.len())];
        let queue = &mut self.net.queues[i][j];
        // Out of order: any message in flight may arrive first.
        let k = self.rng.below(queue.len());
        let Some(bytes) = (if self.rng.chance(15) { queue.get(k).cloned() } else { queue.remove(k) }) else { return };
        if !self.connected(i, j) {
            self.count("messages lost to a partition");
            return;
        }
        self.receive(i, j, &bytes);
    }

    fn receive(&mut self, from: usize, to: usize, bytes: &[u8]) {
        let msg = sync::Message::decode(bytes).expect("our own encoding decodes");
        let state = &mut self.net.states[to][from];
        let applied = self.replicas[to].doc.automerge_mut().sync().receive_sync_message(state, msg);
        self.count(if applied.is_ok() { "messages applied" } else { "messages refused by automerge" });
        self.replicas[to].doc.refresh().expect("a synced case is still a case");
    }

    fn repartition(&mut self) {
        let groups = 1 + self.rng.below(3);
        for r in 0..self.replicas.len() {
            self.replicas[r].group = self.rng.below(groups);
        }
        self.count("partitions");
    }

    /// A dropped connection: both ends start a fresh sync session, as after a reconnect.
    fn reconnect(&mut self) {
        let n = self.replicas.len();
        let (i, j) = (self.rng.below(n), self.rng.below(n));
        self.net.states[i][j] = sync::State::new();
        self.net.states[j][i] = sync::State::new();
        self.net.queues[i][j].clear();
        self.net.queues[j][i].clear();
        self.count("reconnects");
    }

    fn check_invariants(&mut self) {
        for (r, replica) in self.replicas.iter_mut().enumerate() {
            let events = replica.doc.case().events.clone();
            for (id, first) in &replica.seen {
                assert_eq!(events.get(id), Some(first), "replica {r} lost or changed event {id}");
            }
            for (id, e) in &events {
                replica.seen.entry(id.clone()).or_insert_with(|| e.clone());
            }
            let d1 = replica.doc.derive();
            let case = replica.doc.case();
            let header = keis_crdt::workflow::CaseHeader {
                kind: replica.doc.kind(),
                hromada: &case.hromada,
                district: case.district.as_deref(),
            };
            let d2 = keis_crdt::workflow::derive(header, case.events.values().rev());
            assert_eq!(d1.state, d2.state, "replica {r}: the derived state depends on log order");
            assert_eq!(d1.timeline.len(), events.len(), "replica {r}: an event is missing from the timeline");
            if d1.state.is_conflict() {
                *self.stats.entry("conflicted replica-steps").or_default() += 1;
            }
            let _ = replica.doc.signature_states();
        }
    }

    /// Heals every partition and syncs reliably until no one has anything to send.
    fn heal(&mut self) {
        let n = self.replicas.len();
        for r in &mut self.replicas {
            r.group = 0;
        }
        for i in 0..n {
            for j in 0..n {
                self.net.states[i][j] = sync::State::new();
                self.net.queues[i][j].clear();
            }
        }
        for round in 0.. {
            assert!(round < 50, "sync did not quiesce after 50 rounds");
            let mut sent = false;
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    let state = &mut self.net.states[i][j];
                    let msg = self.replicas[i].doc.automerge_mut().sync().generate_sync_message(state);
                    if let Some(msg) = msg {
                        sent = true;
                        self.receive(i, j, &msg.encode());
                    }
                }
            }
            if !sent {
                break;
            }
        }
    }
}

fn run(seed: u64, replicas: usize, steps: u64) -> BTreeMap<&'static str, u32> {
    let _guard = SeedGuard(seed);
    let mut w = World::new(seed, replicas);
    for _ in 0..steps {
        w.step();
        w.check_invariants();
    }
    w.heal();
    w.check_invariants();
    let first_heads = w.replicas[0].doc.heads();
    let first_case = w.replicas[0].doc.case().clone();
    let first_state = w.replicas[0].doc.derive();
    for r in 1..w.replicas.len() {
        assert_eq!(w.replicas[r].doc.heads(), first_heads, "replica {r} has other heads");
        assert_eq!(w.replicas[r].doc.case(), &first_case, "replica {r} holds another case");
        let d = w.replicas[r].doc.derive();
        assert_eq!(d.state, first_state.state, "replica {r} derives another status");
        assert_eq!(d.timeline, first_state.timeline, "replica {r} derives another timeline");
    }
    let held: BTreeSet<&String> = first_case.events.keys().collect();
    for id in &w.created {
        assert!(held.contains(id), "event {id} was lost");
    }
    w.stats
}

#[test]
fn replicas_converge_under_a_lossy_network() {
    let steps = env("KEIS_STEPS", 120);
    let seeds: Vec<u64> = match std::env::var("KEIS_SEED").ok().and_then(|s| s.parse().ok()) {
        Some(seed) => vec![seed],
        None => (0..env("KEIS_SEEDS", 12)).collect(),
    };
    let mut totals: BTreeMap<&'static str, u32> = BTreeMap::new();
    for seed in seeds {
        let replicas = env("KEIS_REPLICAS", 3 + seed % 3) as usize;
        for (k, v) in run(seed, replicas.clamp(2, 16), steps) {
            *totals.entry(k).or_default() += v;
        }
    }
    eprintln!("convergence totals: {totals:?}");
    // The run must have exercised what it claims to.
    for what in [
        "edits",
        "actions accepted",
        "actions refused",
        "conflicted replica-steps",
        "conflicts resolved",
        "messages applied",
        "partitions",
        "reconnects",
    ] {
        assert!(totals.get(what).copied().unwrap_or(0) > 0, "no {what} happened: {totals:?}");
    }
}
