//! The threads SQLite runs on, so that no blocking call runs on the async runtime.
//!
//! Writes go to one dedicated writer thread that owns the only writing connection. It
//! commits in groups: the jobs waiting when a transaction starts run in it, each inside
//! its own savepoint (a failing job rolls back alone), and the group is acknowledged after
//! one `COMMIT` (one fsync with `synchronous=FULL`). A single writer also means change
//! sequence numbers are assigned in commit order. Reads run on tokio's blocking pool with
//! a small pool of read-only connections (WAL lets them read while the writer writes).
//!
//! The WAL is checkpointed by a thread of its own (passive checkpoints every
//! [`CHECKPOINT_EVERY`]), not by the writer at the commit that crosses SQLite's
//! threshold: a checkpoint copies and fsyncs the database file, and on the writer it would
//! hold up every change waiting behind it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::connect;
use crate::store::StoreError;

/// Most jobs committed together.
const MAX_GROUP: usize = 512;
/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 4;
/// How often the checkpoint thread copies the WAL into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// A WAL larger than this is truncated by a blocking checkpoint: under a constant stream of
/// writes passive checkpoints never catch up, and the WAL (with every read) would grow.
const WAL_LIMIT: u64 = 64 << 20;

type CommitResult = Result<(), Arc<rusqlite::Error>>;
/// Called once the group's fate is known, to answer the caller.
type Finish = Box<dyn FnOnce(CommitResult) + Send>;
/// Runs a job in the open transaction (or learns it could not start); says whether the
/// job succeeded (else its savepoint is rolled back).
type Job = Box<dyn FnOnce(Result<&Connection, Arc<rusqlite::Error>>) -> (bool, Finish) + Send>;

/// Handle to the writer thread and the reader pool.
pub(crate) struct Workers {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Dropping the sender stops the checkpoint thread.
    checkpoints: Mutex<Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: PathBuf,
}

impl Workers {
    /// Starts the writer thread on `writer` (an open, migrated connection).
    pub(crate) fn start(writer: Connection, path: PathBuf) -> Result<Self, StoreError> {
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = connect(&path, false)?;
        let (stop, stopped) = mpsc::channel::<()>();
        let spawn_err = |source| StoreError::DataDir { path: path.clone(), source };
        let checkpoints = std::thread::Builder::new()
            .name("keis-store-checkpoint".into())
            .spawn({
                let wal = wal_path(&path);
                move || checkpoint_loop(&checkpointer, &wal, &stopped)
            })
            .map_err(spawn_err)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let handle = std::thread::Builder::new()
            .name("keis-store-writer".into())
            .spawn(move || writer_loop(writer, rx))
            .map_err(spawn_err)?;
        Ok(Self {
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(handle)),
            checkpoints: Mutex::new(Some((stop, checkpoints))),
            readers: Arc::new(Mutex::new(Vec::new())),
            path,
        })
    }

    /// Runs `f` in a write transaction; resolves after the commit is durable.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let out = match conn {
                Ok(conn) => f(conn),
                Err(e) => Err(StoreError::Commit(e)),
            };
            let ok = out.is_ok();
            let finish: Finish = Box::new(move |commit| {
                let answer = match (commit, out) {
                    (Err(e), Ok(_)) => Err(StoreError::Commit(e)),
                    (_, out) => out,
                };
                let _ = tx.send(answer);
            });
            (ok, finish)
        });
        {
            let jobs = self.jobs.lock().map_err(|_| StoreError::Closed)?;
            jobs.as_ref().ok_or(StoreError::Closed)?.send(job).map_err(|_| StoreError::Closed)?;
        }
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read connection on the blocking pool.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        if self.jobs.lock().map_or(true, |j| j.is_none()) {
            return Err(StoreError::Closed);
        }
        let pool = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let idle = pool.lock().ok().and_then(|mut p| p.pop());
            let conn = match idle {
                Some(c) => c,
                None => connect(&path, true)?,
            };
            let out = f(&conn);
            if let Ok(mut p) = pool.lock()
                && p.len() < MAX_IDLE_READERS
            {
                p.push(conn);
            }
            out
        })
        .await?
    }

    /// Stops the writer after the jobs already sent and waits for it to close its
    /// connection (checkpointing the WAL). Later calls answer [`StoreError::Closed`].
    pub(crate) async fn close(&self) -> Result<(), StoreError> {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        if let Ok(mut p) = self.readers.lock() {
            p.clear();
        }
        let checkpoints = self.checkpoints.lock().ok().and_then(|mut c| c.take());
        if let Some((stop, handle)) = checkpoints {
            drop(stop);
            tokio::task::spawn_blocking(move || handle.join()).await?.map_err(|_| StoreError::Closed)?;
        }
        let handle = self.writer.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            tokio::task::spawn_blocking(move || handle.join()).await?.map_err(|_| StoreError::Closed)?;
        }
        Ok(())
    }
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] until `stop`'s sender is dropped:
/// passive (never waiting for readers or the writer, taking what it can) while the WAL is
/// under [`WAL_LIMIT`], truncating (writers wait) above it.
fn checkpoint_loop(conn: &Connection, wal: &std::path::Path, stop: &mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        let big = std::fs::metadata(wal).is_ok_and(|m| m.len() > WAL_LIMIT);
        let sql = if big { "PRAGMA wal_checkpoint(TRUNCATE)" } else { "PRAGMA wal_checkpoint(PASSIVE)" };
        if let Err(e) = conn.query_row(sql, [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next one tries again");
        }
    }
}

/// SQLite's WAL file of the database at `db`.
fn wal_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn writer_loop(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        run_group(&conn, group);
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the store's writer connection failed");
    }
}

/// Runs the jobs in one transaction, one savepoint each, and answers them all after the
/// commit (or with its failure).
fn run_group(conn: &Connection, group: Vec<Job>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let e = Arc::new(e);
        for job in group {
            let (_, finish) = job(Err(Arc::clone(&e)));
            finish(Err(Arc::clone(&e)));
        }
        return;
    }
    let mut finishes = Vec::with_capacity(group.len());
    let mut failed: Option<Arc<rusqlite::Error>> = None;
    for job in group {
        if let Some(e) = &failed {
            let (_, finish) = job(Err(Arc::clone(e)));
            finishes.push(finish);
            continue;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            let e = Arc::new(e);
            let (_, finish) = job(Err(Arc::clone(&e)));
            finishes.push(finish);
            failed = Some(e);
            continue;
        }
        let (ok, finish) = job(Ok(conn));
        finishes.push(finish);
        let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
        if let Err(e) = conn.execute_batch(end) {
            failed = Some(Arc::new(e));
        }
    }
    let commit = match failed {
        Some(e) => Err(e),
        None => conn.execute_batch("COMMIT").map_err(Arc::new),
    };
    if let Err(e) = &commit {
        tracing::error!(error = %e, jobs = finishes.len(), "store write group failed; rolling back");
        let _ = conn.execute_batch("ROLLBACK");
    }
    for finish in finishes {
        finish(commit.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workers(dir: &tempfile::TempDir) -> Workers {
        let path = dir.path().join("t.sqlite3");
        let conn = connect(&path, false).expect("connect");
        conn.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)").expect("table");
        Workers::start(conn, path).expect("start")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_job_rolls_back_alone_and_the_rest_of_its_group_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = Arc::new(workers(&dir));
        let mut tasks = Vec::new();
        for i in 0..200_i64 {
            let w = Arc::clone(&w);
            tasks.push(tokio::spawn(async move {
                w.write(move |c| {
                    c.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
                    if i % 3 == 0 {
                        return Err(StoreError::InvalidScope { scope: i.to_string() });
                    }
                    // A constraint failure half-way through a job.
                    if i % 3 == 1 {
                        c.execute("INSERT INTO t (x) VALUES (?1)", [i])?;
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = Vec::new();
        for (i, task) in tasks.into_iter().enumerate() {
            match (i % 3, task.await.expect("join")) {
                (2, Ok(x)) => ok.push(x),
                (0, Err(StoreError::InvalidScope { .. })) | (1, Err(StoreError::Sqlite(_))) => {}
                (_, other) => panic!("job {i}: unexpected {other:?}"),
            }
        }
        let stored: Vec<i64> = w
            .read(|c| {
                let mut stmt = c.prepare("SELECT x FROM t ORDER BY x")?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
                Ok(rows)
            })
            .await
            .expect("read");
        assert_eq!(stored, ok, "exactly the successful jobs are committed");
        w.close().await.expect("close");
        assert!(matches!(w.write(|_| Ok(())).await, Err(StoreError::Closed)));
        assert!(matches!(w.read(|_| Ok(())).await, Err(StoreError::Closed)));
    }
}
