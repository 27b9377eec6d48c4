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
        let d = config.data_dir.display();
        tracing::error!(
            "у {d} немає сховища: створіть його (`keis --data {d} init`) і зареєструйте пристрій (`keis --data {d} enrol --server URL`) / \
             there is no store in {d}: create it (`keis --data {d} init`) and enrol the device (`keis --data {d} enrol --server URL`)"
        );
        return ExitCode::FAILURE;
    }
    keis_desktop::launch(config);
    ExitCode::SUCCESS
}
