//! The `keis` command line: arguments, opening the store with the PIN, and dispatch.

/// Writes a line to stdout; a closed pipe is an error, not a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)?
    }};
}

mod attach;
mod cases;
mod chip;
mod net;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use keis_mobile::store::{Pin, Store, StoreConfig, SystemClock};

/// Keis field app, headless / польовий застосунок Keis без екрана.
#[derive(Debug, Parser)]
#[command(name = "keis", version)]
pub(crate) struct Cli {
    /// The device's data directory (the encrypted store).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The environment variable that holds the PIN.
    #[arg(long, value_name = "VAR", default_value = "KEIS_PIN")]
    pin_env: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates the encrypted store, protected by the PIN.
    Init {
        /// PBKDF2 iterations (tests only; the default is the production figure).
        #[arg(long, hide = true)]
        kdf_iterations: Option<u32>,
    },
    /// Enrols the device with a server and prints the approval code for the administrator.
    Enrol {
        #[arg(long, value_name = "URL")]
        server: String,
        /// The name the administrator sees.
        #[arg(long, default_value = "keis-cli")]
        name: String,
    },
    /// Cases on this device.
    #[command(subcommand)]
    Case(cases::CaseCommand),
    /// Attachments.
    #[command(subcommand)]
    Scan(attach::ScanCommand),
    /// The applicant's ID card on a PC/SC reader.
    #[command(subcommand)]
    Chip(chip::ChipCommand),
    /// Records the applicant's signature, drawn on the pad (strokes) or as an image.
    Sign {
        id: String,
        /// The strokes from the signing pad, JSON:
        /// `{"canvas": {"width": W, "height": H}, "strokes": [[[x, y, t_ms], …], …]}`.
        #[arg(long, value_name = "FILE", required_unless_present = "image")]
        strokes: Option<PathBuf>,
        /// An image of the signature (PNG) instead of strokes.
        #[arg(long, value_name = "FILE", conflicts_with = "strokes")]
        image: Option<PathBuf>,
    },
    /// Submits an application to the hromada (workflow action `submit`).
    Submit {
        id: String,
        /// The acting position: an id from the last session, or ID:ROLE:SCOPE.
        #[arg(long, value_name = "POS")]
        position: String,
        /// Submit without every required document, for this reason.
        #[arg(long)]
        incomplete: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// One sync round: progress on stderr, a summary on stdout.
    Sync {
        /// Tries before giving up (with backoff between them).
        #[arg(long, default_value_t = 1)]
        attempts: u32,
    },
    /// What this device holds and what waits for sync.
    Status,
}

fn pin(var: &str) -> Result<Pin> {
    let value = std::env::var(var).with_context(|| {
        format!("задайте PIN у змінній середовища {var} / set the PIN in the environment variable {var}")
    })?;
    Ok(Pin::new(value))
}

fn rng() -> keis_mobile::store::Rng {
    Arc::new(ring::rand::SystemRandom::new())
}

/// Opens and unlocks the store in `dir`.
fn open(dir: &Path, pin_var: &str) -> Result<Store> {
    let pin = pin(pin_var)?;
    let mut store = Store::open(dir, StoreConfig::default(), Arc::new(SystemClock), rng())?;
    store.unlock(&pin)?;
    Ok(store)
}

/// The current time in ms since the epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Parses the arguments and runs the command.
pub(crate) fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Init { kdf_iterations } => init(&cli.data, &cli.pin_env, kdf_iterations),
        Command::Enrol { server, name } => net::enrol(&mut open(&cli.data, &cli.pin_env)?, &server, &name),
        Command::Case(c) => cases::case(&mut open(&cli.data, &cli.pin_env)?, c),
        Command::Scan(c) => attach::scan(&mut open(&cli.data, &cli.pin_env)?, c),
        Command::Chip(c) => chip::chip(c, || open(&cli.data, &cli.pin_env)),
        Command::Sign { id, strokes, image } => {
            attach::sign(&mut open(&cli.data, &cli.pin_env)?, &id, strokes.as_deref(), image.as_deref())
        }
        Command::Submit { id, position, incomplete, comment } => {
            cases::submit(&mut open(&cli.data, &cli.pin_env)?, &id, &position, incomplete, &comment)
        }
        Command::Sync { attempts } => net::sync(&mut open(&cli.data, &cli.pin_env)?, attempts),
        Command::Status => net::status(&mut open(&cli.data, &cli.pin_env)?),
    }
}

fn init(dir: &Path, pin_var: &str, iterations: Option<u32>) -> Result<()> {
    let pin = pin(pin_var)?;
    if Store::exists(dir) {
        bail!("сховище вже існує в {} / a store already exists at {}", dir.display(), dir.display());
    }
    let mut config = StoreConfig::default();
    if let Some(n) = iterations {
        config.iterations = n;
    }
    Store::create(dir, &pin, config, Arc::new(SystemClock), rng())?;
    out!("сховище створено / store created: {}", dir.display());
    Ok(())
}
