//! `keis-desktop [--data DIR] [--server URL] [--scans PATH]`: the field app in a window.

use std::process::ExitCode;

use clap::Parser;
use keis_desktop::Options;
use keis_mobile::store::Store;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = Options::parse();
    let config = options.real_config();
    if !Store::exists(&config.data_dir) {
        tracing::info!(data = %config.data_dir.display(), "no store yet: the app starts with setting up the device");
    }
    keis_desktop::launch(config);
    ExitCode::SUCCESS
}
