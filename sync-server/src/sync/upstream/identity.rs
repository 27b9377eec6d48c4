//! The edge's own identity at the central server, kept in its data directory:
//!
//! - `edge.key`: its Ed25519 key (PKCS#8), generated on first start, mode 0600;
//! - `edge.json`: the central server it enrolled at, the device id it was given and,
//!   until it is approved, the one-time approval code to show the administrator.
//!
//! Both are written to a temporary file, synced and renamed, so a crash leaves the old
//! file or the new one.

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use serde::{Deserialize, Serialize};

use super::UpstreamError;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "edge.key";
/// The enrolment file's name in the data directory.
pub const ENROLMENT_FILE: &str = "edge.json";

/// What the edge knows of its enrolment at the central server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The central server's URL it enrolled at (another URL means enrol anew).
    pub central: String,
    pub device_id: String,
    /// Shown to the administrator until the edge is approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_code: Option<String>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> UpstreamError + '_ {
    move |source| UpstreamError::Identity { path: path.to_path_buf(), source }
}

/// Writes `bytes` to `path` atomically, readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), UpstreamError> {
    let tmp: PathBuf = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).map_err(io_err(&tmp))?;
    f.write_all(bytes).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    if let Some(dir) = path.parent().and_then(|d| std::fs::File::open(d).ok()) {
        // Best effort: makes the rename itself durable.
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The edge's key from `dir`, generated and saved on first use.
pub fn load_or_create_key(dir: &Path) -> Result<Ed25519KeyPair, UpstreamError> {
    let path = dir.join(KEY_FILE);
    let bad = |why: String| UpstreamError::Identity { path: path.clone(), source: std::io::Error::other(why) };
    let pkcs8 = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| bad("the system's random source failed".into()))?;
            write_private(&path, doc.as_ref())?;
            tracing::info!(path = %path.display(), "generated the edge's key");
            doc.as_ref().to_vec()
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    Ed25519KeyPair::from_pkcs8(&pkcs8)
        .map_err(|e| bad(format!("not an Ed25519 PKCS#8 key ({e}); move it away to enrol anew")))
}

/// The saved enrolment, if any (an unreadable file counts as none: the edge enrols anew).
pub fn load_enrolment(dir: &Path) -> Option<Enrolment> {
    let bytes = std::fs::read(dir.join(ENROLMENT_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Saves the enrolment.
pub fn save_enrolment(dir: &Path, e: &Enrolment) -> Result<(), UpstreamError> {
    let path = dir.join(ENROLMENT_FILE);
    let bytes = serde_json::to_vec_pretty(e)
        .map_err(|err| UpstreamError::Identity { path: path.clone(), source: std::io::Error::other(err) })?;
    write_private(&path, &bytes)
}

/// Forgets the enrolment (the central server no longer knows the edge).
pub fn forget_enrolment(dir: &Path) -> Result<(), UpstreamError> {
    let path = dir.join(ENROLMENT_FILE);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use ring::signature::KeyPair;

    use super::*;

    #[test]
    fn the_key_is_made_once_and_kept_private() {
        let dir = std::env::temp_dir().join(format!("keis-edge-id-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let a = load_or_create_key(&dir).expect("made");
        let b = load_or_create_key(&dir).expect("read");
        assert_eq!(a.public_key().as_ref(), b.public_key().as_ref());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE)).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_enrolment(&dir), None);
        let e = Enrolment { central: "http://c:1".into(), device_id: "d".into(), approval_code: Some("1-2".into()) };
        save_enrolment(&dir, &e).expect("save");
        assert_eq!(load_enrolment(&dir), Some(e));
        forget_enrolment(&dir).expect("forget");
        assert_eq!(load_enrolment(&dir), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
