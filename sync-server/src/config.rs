//! The configuration of `keis-sync-server serve`: [`Config`].
//!
//! Three layers, each overriding the one before:
//!
//! 1. an optional TOML file (`serve --config FILE`, or `KEIS_CONFIG`), flat keys as in
//!    `sync-server/keis-sync-server.example.toml`; an unknown key is an error (a typo must
//!    not silently fall back to a default);
//! 2. environment variables `KEIS_<KEY>` (the key in upper case: `KEIS_LISTEN`,
//!    `KEIS_DATA`, `KEIS_DEMO`, `KEIS_MAX_BLOB_BYTES`, …);
//! 3. command-line flags ([`Overrides`]: `--listen`, `--data`, `--demo`).
//!
//! Parsing is pure: [`Config::from_sources`] takes the TOML text and an environment lookup
//! closure, so tests need neither files nor a real environment. Only [`Config::load`]
//! reads the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::auth::AuthConfig;
use crate::store::StoreConfig;

/// The prefix of the environment variables that override the file.
pub const ENV_PREFIX: &str = "KEIS_";

/// Every key, as in the TOML file (the environment variable is `KEIS_` + upper case).
pub const KEYS: &[&str] = &[
    "listen",
    "data",
    "demo",
    "log",
    "page_size",
    "max_blob_bytes",
    "challenge_ttl_secs",
    "session_ttl_secs",
    "queue_office",
    "queue_time_zone",
    "queue_tick_ms",
    "upstream",
];

/// Why the configuration cannot be used; each says where and what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the configuration file is not valid TOML: {source}")]
    Toml {
        #[source]
        source: toml::de::Error,
    },
    #[error("unknown configuration key `{key}` (known: {})", KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("bad value for `{key}`: expected {expected}")]
    Value { key: String, expected: &'static str },
}

/// The settings of one server process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on (`listen`).
    pub listen: SocketAddr,
    /// The data directory: embedded SQLite (WAL) and blobs (`data`).
    pub data: PathBuf,
    /// How many fictional demo cases to load into the journal (`demo`).
    pub demo: u32,
    /// The tracing filter, `RUST_LOG` syntax; `RUST_LOG` itself still wins (`log`).
    pub log: String,
    /// Changed documents per `Changed` sync frame (`page_size`).
    pub page_size: usize,
    /// Largest blob accepted, in bytes (`max_blob_bytes`).
    pub max_blob_bytes: u64,
    /// How long a session challenge is valid, in seconds (`challenge_ttl_secs`).
    pub challenge_ttl_secs: u64,
    /// How long a session is valid, in seconds (`session_ttl_secs`).
    pub session_ttl_secs: u64,
    /// The queue's office file (`queue_office`); `None` (an empty value): the embedded
    /// demo office.
    pub queue_office: Option<PathBuf>,
    /// The office's IANA time zone (`queue_time_zone`), checked when the queue starts.
    pub queue_time_zone: String,
    /// How often the queue's clock runs (no-shows, closing time), in ms (`queue_tick_ms`).
    pub queue_tick_ms: u64,
    /// The central server this edge syncs with, `http://host:port` (`upstream`); `None`
    /// (an empty value): this server is not an edge (see [`crate::sync::upstream`]).
    pub upstream: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        let auth = AuthConfig::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("keis-data"),
            demo: 0,
            log: "info".into(),
            page_size: crate::sync::PAGE_SIZE,
            max_blob_bytes: StoreConfig::default().max_blob_size,
            challenge_ttl_secs: u64::try_from(auth.challenge_ttl_ms / 1000).unwrap_or(60),
            session_ttl_secs: u64::try_from(auth.session_ttl_ms / 1000).unwrap_or(43_200),
            queue_office: None,
            queue_time_zone: "Europe/Kyiv".into(),
            queue_tick_ms: 1000,
            upstream: None,
        }
    }
}

/// What the command line sets; `None` keeps the value of the file or environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data: Option<PathBuf>,
    pub demo: Option<u32>,
}

/// Bounds of the numeric keys: (key, least, most, what is expected).
const LIMITS: &[(&str, u64, u64, &str)] = &[
    ("demo", 0, 100_000, "a whole number from 0 to 100000"),
    ("page_size", 1, 10_000, "a whole number from 1 to 10000"),
    ("max_blob_bytes", 1, 1 << 40, "a whole number of bytes from 1 to 2^40"),
    ("challenge_ttl_secs", 1, 3_600, "a whole number of seconds from 1 to 3600"),
    ("session_ttl_secs", 60, 30 * 86_400, "a whole number of seconds from 60 to 2592000 (30 days)"),
    ("queue_tick_ms", 50, 60_000, "a whole number of milliseconds from 50 to 60000"),
];

fn limits(key: &str) -> (u64, u64, &'static str) {
    LIMITS.iter().find(|l| l.0 == key).map_or((0, u64::MAX, "a whole number"), |l| (l.1, l.2, l.3))
}

/// One value as found in the file or the environment.
enum Raw<'a> {
    Toml(&'a toml::Value),
    Env(&'a str),
}

impl Config {
    /// The defaults, then `toml` (if any), then the environment as `env` answers it.
    pub fn from_sources(toml: Option<&str>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(text) = toml {
            let table: toml::Table = text.parse().map_err(|source| ConfigError::Toml { source })?;
            for (key, value) in &table {
                config.set(key, key, Raw::Toml(value))?;
            }
        }
        for key in KEYS {
            let var = format!("{ENV_PREFIX}{}", key.to_ascii_uppercase());
            if let Some(value) = env(&var) {
                config.set(key, &var, Raw::Env(&value))?;
            }
        }
        Ok(config)
    }

    /// [`Config::from_sources`] over the file at `path` (if given) and `env`.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let text = path
            .map(|p| std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_path_buf(), source }))
            .transpose()?;
        Self::from_sources(text.as_deref(), env)
    }

    /// Applies the command-line flags, the last layer.
    pub fn apply(&mut self, o: &Overrides) {
        if let Some(l) = o.listen {
            self.listen = l;
        }
        if let Some(d) = &o.data {
            self.data.clone_from(d);
        }
        if let Some(n) = o.demo {
            self.demo = n;
        }
    }

    /// The lifetimes of challenges and sessions, over the other defaults of [`AuthConfig`].
    pub fn auth_config(&self) -> AuthConfig {
        let ms = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
        AuthConfig {
            challenge_ttl_ms: ms(self.challenge_ttl_secs),
            session_ttl_ms: ms(self.session_ttl_secs),
            ..AuthConfig::default()
        }
    }

    /// The settings of the SQLite store.
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig { max_blob_size: self.max_blob_bytes }
    }

    /// Sets `key` (named `name` in errors: the TOML key or the variable) from `raw`.
    fn set(&mut self, key: &str, name: &str, raw: Raw<'_>) -> Result<(), ConfigError> {
        let bad = |expected: &'static str| ConfigError::Value { key: name.to_owned(), expected };
        match key {
            "listen" => {
                let expected = "an IP address and port, such as \"127.0.0.1:8080\"";
                self.listen = text(&raw).and_then(|s| s.trim().parse().ok()).ok_or_else(|| bad(expected))?;
            }
            "data" => {
                let expected = "a directory path (text, not empty)";
                let s = text(&raw).filter(|s| !s.trim().is_empty()).ok_or_else(|| bad(expected))?;
                self.data = PathBuf::from(s);
            }
            "log" => {
                let expected = "a tracing filter such as \"info\" or \"keis_sync_server=debug\"";
                self.log = text(&raw).filter(|s| !s.trim().is_empty()).ok_or_else(|| bad(expected))?.to_owned();
            }
            "upstream" => {
                let expected = "the central server's URL, such as \"http://central.example:8080\" (empty: none)";
                let s = text(&raw).map(str::trim).ok_or_else(|| bad(expected))?;
                if !s.is_empty() && !s.starts_with("http://") {
                    return Err(bad(expected));
                }
                self.upstream = (!s.is_empty()).then(|| s.to_owned());
            }
            "queue_office" => {
                let s = text(&raw).ok_or_else(|| bad("a file path (text; empty for the demo office)"))?;
                self.queue_office = (!s.trim().is_empty()).then(|| PathBuf::from(s));
            }
            "queue_time_zone" => {
                let expected = "an IANA time zone name such as \"Europe/Kyiv\"";
                self.queue_time_zone =
                    text(&raw).map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| bad(expected))?.to_owned();
            }
            "demo" | "page_size" | "max_blob_bytes" | "challenge_ttl_secs" | "session_ttl_secs" | "queue_tick_ms" => {
                let (least, most, expected) = limits(key);
                let n = number(&raw).filter(|n| (least..=most).contains(n)).ok_or_else(|| bad(expected))?;
                let conv = |_| bad(expected);
                match key {
                    "demo" => self.demo = u32::try_from(n).map_err(conv)?,
                    "page_size" => self.page_size = usize::try_from(n).map_err(conv)?,
                    "max_blob_bytes" => self.max_blob_bytes = n,
                    "challenge_ttl_secs" => self.challenge_ttl_secs = n,
                    "queue_tick_ms" => self.queue_tick_ms = n,
                    _ => self.session_ttl_secs = n,
                }
            }
            _ => return Err(ConfigError::UnknownKey { key: name.to_owned() }),
        }
        Ok(())
    }
}

fn text<'a>(raw: &'a Raw<'a>) -> Option<&'a str> {
    match raw {
        Raw::Toml(v) => v.as_str(),
        Raw::Env(s) => Some(s),
    }
}

fn number(raw: &Raw<'_>) -> Option<u64> {
    match raw {
        Raw::Toml(v) => v.as_integer().and_then(|i| u64::try_from(i).ok()),
        Raw::Env(s) => s.trim().replace('_', "").parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_setter() {
        for key in KEYS {
            let value = if *key == "listen" {
                "\"0.0.0.0:1\""
            } else if *key == "upstream" {
                "\"http://central.example:8080\""
            } else if ["data", "log", "queue_office", "queue_time_zone"].contains(key) {
                "\"x\""
            } else {
                "60"
            };
            let toml = format!("{key} = {value}");
            assert!(Config::from_sources(Some(&toml), |_| None).is_ok(), "{key}");
        }
    }
}
