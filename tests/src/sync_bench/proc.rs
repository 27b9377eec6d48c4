//! The servers under test run in their own processes, so that their memory is their own:
//! `keis-bench sync --serve keis|samod --data DIR` (hidden flags) starts one, prints
//! `listening ADDR` on stdout and then reads commands from stdin. This module starts such
//! a child, talks to it and reads its RSS from `/proc`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::Side;

/// A server child process.
pub struct ServerProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub data: PathBuf,
}

impl ServerProcess {
    /// Re-executes this binary as the `side` server over `data`.
    pub async fn start(side: Side, data: &Path) -> Result<Self> {
        let exe = std::env::current_exe().context("the benchmark's own path")?;
        let mut child = Command::new(exe)
            .args(["sync", "--serve", side.name(), "--data"])
            .arg(data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("start the server process")?;
        let stdin = child.stdin.take().context("server stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("server stdout")?).lines();
        let line = stdout.next_line().await?.context("the server exited before listening")?;
        let addr = line.strip_prefix("listening ").context("no `listening` line")?.parse()?;
        Ok(Self { child, stdin, stdout, addr, data: data.to_path_buf() })
    }

    /// Sends one command line and returns the server's one-line answer.
    pub async fn command(&mut self, line: &str) -> Result<String> {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        let answer = self.stdout.next_line().await?.context("the server exited")?;
        if let Some(e) = answer.strip_prefix("error ") {
            bail!("the server refused `{line}`: {e}");
        }
        Ok(answer)
    }

    /// The process's memory now.
    pub fn memory(&self) -> Result<Memory> {
        let pid = self.child.id().context("the server has exited")?;
        Memory::of(pid)
    }

    /// Stops the server.
    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// Resident memory of a process, in KiB, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the peak resident size so far.
    pub peak_kib: u64,
}

impl Memory {
    /// Reads the memory of process `pid`.
    pub fn of(pid: u32) -> Result<Self> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("read /proc status")?;
        Ok(parse_status(&status))
    }
}

/// `VmRSS` and `VmHWM` out of a `/proc/<pid>/status` text (0 when missing).
pub fn parse_status(status: &str) -> Memory {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Memory { rss_kib: field("VmRSS:"), peak_kib: field("VmHWM:") }
}

/// Bytes of all files under `dir`.
pub fn disk_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_bytes(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_peak() {
        let m = parse_status("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");
        assert_eq!((m.rss_kib, m.peak_kib), (1024, 2048));
        let own = Memory::of(std::process::id()).expect("own status");
        assert!(own.rss_kib > 0 && own.peak_kib >= own.rss_kib, "{own:?}");
    }
}
