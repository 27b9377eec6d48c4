//! Durability under SIGKILL: the real server binary, on a real SQLite data directory, is
//! killed again and again while a tablet uploads hundreds of case documents (and edits
//! some of them), and after every kill every change the server had acknowledged to the
//! tablet is in the store.
//!
//! - The server runs as a child process (`keis-sync-server serve`); the tablet enrols over
//!   HTTP, is approved with `keis-sync-server admin approve` on the same data directory
//!   (as an administrator would, while the server runs) and signs in after every start.
//! - Acknowledged: every head the server stated in a `Done` frame or in an Automerge sync
//!   message it sent, with all the changes it depends on (see `kill_support`). The kill
//!   (seeded) comes after the tablet handled the `kill_at`-th frame from the server: a
//!   third of the time at once, right after an acknowledgement was read (where an
//!   acknowledgement given before the write was durable would show), otherwise up to
//!   25 ms later while the tablet goes on syncing (anywhere in the server's work).
//! - After each kill, with no server running, the test opens the store as the next
//!   server would and checks each acknowledged change is there; then it restarts the
//!   server and the upload resumes. At the end the tablet is in sync, a fresh tablet
//!   receives every case with the same heads, and a last kill loses nothing.
//!
//! `KEIS_KILL_ROUNDS` (5), `KEIS_KILL_SEED`, `KEIS_KILL_CASES` (300) and
//! `KEIS_KILL_EDITS` (20 per round) tune it; run with `--nocapture` for the counts.

mod kill_support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use keis_crdt::demo;
use keis_crdt::sync::memory::MemoryDevice;
use kill_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_change_survives_sigkill_during_a_large_ingest() {
    let started = Instant::now();
    let rounds: usize = env_or("KEIS_KILL_ROUNDS", 5);
    let seed: u64 = env_or("KEIS_KILL_SEED", 0x4b45_4953);
    let cases: u32 = env_or("KEIS_KILL_CASES", 300);
    let edits: usize = env_or("KEIS_KILL_EDITS", 20);
    assert!(cases > 0, "KEIS_KILL_CASES must be at least 1");
    let mut rng = Rng::new(seed);
    eprintln!("sync_kill: {rounds} rounds, seed {seed:#x}, {cases} cases, {edits} edits per round");

    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs dir");

    let mut tablet = MemoryDevice::default();
    let ids: Vec<String> = (0..cases).map(|n| new_case(&mut tablet, "kill-tablet", n)).collect();
    let mut acks = Acks::new();
    let edit = |tablet: &mut MemoryDevice, rng: &mut Rng| {
        for _ in 0..edits {
            let id = &ids[rng.range(0, ids.len() - 1)];
            edit_phone(tablet, id, format!("+38099{:07}", rng.next_u64() % 10_000_000));
        }
    };

    let mut server = ServerProc::start(&data, &logs, 0).await;
    let (me, code) = enrol(server.addr, "Планшет для перевірки").await;
    approve_cli(&data, &me.id, &code, &demo::positions());

    for round in 1..=rounds {
        if round > 1 {
            server = ServerProc::start(&data, &logs, round).await;
            edit(&mut tablet, &mut rng);
        }
        let token = sign_in(server.addr, &me).await;
        let dirty = tablet.dirty.len();
        // About two frames come down per document; kill well before the upload is through,
        // so that every round kills mid-ingest and a later round still has work.
        let hi = ((2 * dirty + 2) / (rounds - round + 2)).max(4);
        let kill_at = rng.range((hi / 3).max(3), hi);
        // A third of the kills right after an acknowledgement, the others up to 25 ms later.
        let delay =
            if rng.range(0, 2) == 0 { Duration::ZERO } else { Duration::from_micros(rng.range(0, 25_000) as u64) };
        let pid = server.pid();
        let o = session(&mut server, &token, &mut tablet, &mut acks, Some(Kill { after: kill_at, delay })).await;
        assert!(o.killed, "round {round}: the upload finished ({o:?}) before the kill at frame {kill_at}");
        let c = check_store(&data, &acks, &mut tablet.docs).await;
        if !c.missing.is_empty() {
            let kept = tmp.keep();
            panic!(
                "round {round}: {} of {} acknowledged changes are missing after SIGKILL of pid {pid} at frame \
                 {kill_at}, e.g. {:?}; data and server logs kept in {}",
                c.missing.len(),
                c.changes,
                &c.missing[..c.missing.len().min(5)],
                kept.display(),
            );
        }
        eprintln!(
            "round {round}: SIGKILL pid {pid} {delay:?} after frame {kill_at}, {} frames in all ({} documents through this session, {dirty} were dirty); \
             acknowledged before the kill: {} changes in {} documents, all present (and {} stored unacknowledged, \
             in flight); {} documents still dirty",
            o.frames,
            o.docs_done,
            c.changes,
            c.docs,
            c.unacknowledged,
            tablet.dirty.len(),
        );
    }

    // The upload resumes and finishes.
    server = ServerProc::start(&data, &logs, rounds + 1).await;
    edit(&mut tablet, &mut rng);
    let token = sign_in(server.addr, &me).await;
    for _ in 0..3 {
        if tablet.dirty.is_empty() {
            break;
        }
        session(&mut server, &token, &mut tablet, &mut acks, None).await;
    }
    assert!(tablet.rejected.is_empty(), "nothing is refused: {:?}", tablet.rejected);
    assert!(tablet.dirty.is_empty(), "the upload is through: {} documents still dirty", tablet.dirty.len());

    // A fresh tablet gets everything, as the first one has it.
    let (other, code) = enrol(server.addr, "Другий планшет").await;
    approve_cli(&data, &other.id, &code, &demo::positions());
    let token = sign_in(server.addr, &other).await;
    let mut fresh = MemoryDevice::default();
    let o = session(&mut server, &token, &mut fresh, &mut Acks::new(), None).await;
    assert_eq!(fresh.docs.len(), ids.len(), "the fresh tablet receives every case ({o:?})");
    for id in &ids {
        let theirs = fresh.docs.get_mut(id).map(|d| d.get_heads()).unwrap_or_default();
        let ours = tablet.docs.get_mut(id).map(|d| d.get_heads()).unwrap_or_default();
        assert_eq!(theirs, ours, "{id} converged");
    }
    let through_server = check(&acks, &mut tablet.docs, |id| fresh.docs.get(id).cloned());
    assert!(through_server.missing.is_empty(), "a fresh tablet lacks {:?}", through_server.missing);

    // One last kill, idle: still everything.
    server.kill();
    let last = check_store(&data, &acks, &mut tablet.docs).await;
    assert!(last.missing.is_empty(), "after the last kill: {:?}", last.missing);
    eprintln!(
        "sync_kill: {rounds} kills, {} changes in {} documents acknowledged and present, converged; {:.1} s",
        last.changes,
        last.docs,
        started.elapsed().as_secs_f64(),
    );
}

/// The checker itself: a change the server acknowledged but does not hold is found.
#[test]
fn the_check_finds_a_missing_acknowledged_change() {
    let mut tablet = MemoryDevice::default();
    let id = new_case(&mut tablet, "unit", 1);
    let before_edit = tablet.docs[&id].clone();
    edit_phone(&mut tablet, &id, "+380990000001".into());
    let head = tablet.docs.get_mut(&id).expect("doc").get_heads();
    assert_eq!(head.len(), 1);
    let full = tablet.docs[&id].clone();
    let acks = Acks::from([(id.clone(), head.iter().copied().collect::<BTreeSet<_>>())]);

    let ok = check(&acks, &mut tablet.docs, |_| Some(full.clone()));
    assert!(ok.missing.is_empty(), "{ok:?}");
    assert!(ok.changes >= 2, "the head and what it depends on: {ok:?}");

    let stale = check(&acks, &mut tablet.docs, |_| Some(before_edit.clone()));
    assert_eq!(stale.missing, vec![(id.clone(), head[0])], "the acknowledged edit is missing");

    let none = check(&acks, &mut tablet.docs, |_| None);
    assert_eq!(none.missing.len(), ok.changes, "a document the server lacks: all of it is missing");

    let forged = Acks::from([(id.clone(), BTreeSet::from([ChangeHash([7; 32])]))]);
    let c = check(&forged, &mut tablet.docs, |_| Some(full.clone()));
    assert_eq!(c.missing, vec![(id, ChangeHash([7; 32]))], "a head no one holds is missing");
}
