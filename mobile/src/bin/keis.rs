//! `keis`: the field app without a screen, for scripts, tests and support staff.
//!
//! ```text
//! KEIS_PIN=2468 keis --data ./tablet init
//! keis --data ./tablet enrol --server http://edge:8080
//! keis --data ./tablet case new --service housing_subsidy --surname Тестенко --given-name Оксана
//! keis --data ./tablet sync
//! ```
//! The PIN comes from an environment variable (`--pin-env`, default `KEIS_PIN`), never
//! from a flag, so it does not show in the process list or the shell history.

#[path = "../cli/mod.rs"]
mod cli;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("помилка / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
