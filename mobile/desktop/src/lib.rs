//! `keis-desktop`: the field app in a desktop window. The `keis-ui` screens run in a
//! Dioxus WebView (WebKitGTK on Linux) over the real services of `keis_ui::real`: the
//! encrypted store in the data directory, the sync client, the PC/SC card reader (feature
//! `pcsc`) and scans from files.
//!
//! On first start (no store in the data directory, or a wiped one) the window asks for a
//! new PIN, which makes the store, then enrols the device with the server and shows the
//! approval code; later it asks for the PIN. The `keis` command line can do the same
//! (`keis init`, `keis enrol`) for scripted set-ups.

use std::path::PathBuf;
use std::time::Duration;

use dioxus::desktop::{Config, WindowBuilder};
use dioxus::prelude::*;
use keis_ui::real::{self, RealConfig};
use keis_ui::{App, STYLESHEET};

/// The launcher's options.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "keis-desktop", version, about = "Keis: польовий застосунок / the field app")]
pub struct Options {
    /// The device's data directory (the encrypted store; made on first start).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The sync server suggested when enrolling (once enrolled, the store names it).
    #[arg(long, value_name = "URL", env = "KEIS_SERVER")]
    pub server: Option<String>,
    /// Where scans come from: an image file, or a directory taken in name order.
    #[arg(long, value_name = "PATH")]
    pub scans: Option<PathBuf>,
    /// The PC/SC card reader to use (default: the first with a card).
    #[arg(long, value_name = "NAME")]
    pub reader: Option<String>,
    /// Sync on its own every this many seconds while unlocked (0: only on request).
    #[arg(long, value_name = "S", default_value_t = 300)]
    pub sync_every: u64,
}

/// The default data directory: `$XDG_DATA_HOME/keis`, else `~/.local/share/keis`.
pub fn default_data_dir() -> PathBuf {
    match (std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME")) {
        (Some(d), _) if !d.is_empty() => PathBuf::from(d).join("keis"),
        (_, Some(h)) => PathBuf::from(h).join(".local/share/keis"),
        _ => PathBuf::from("keis-data"),
    }
}

impl Options {
    /// The real services' settings these options ask for.
    pub fn real_config(&self) -> RealConfig {
        let mut c = RealConfig::new(self.data.clone().unwrap_or_else(default_data_dir));
        c.server = self.server.clone();
        c.scan_source = self.scans.clone();
        c.reader = self.reader.clone();
        c.auto_sync = (self.sync_every > 0).then(|| Duration::from_secs(self.sync_every));
        c
    }
}

/// The window: title, size, the stylesheet, no menu bar.
pub fn window_config() -> Config {
    Config::new()
        .with_window(
            WindowBuilder::new()
                .with_title("Keis — польовий застосунок / field app")
                .with_inner_size(dioxus::desktop::LogicalSize::new(1100.0, 800.0)),
        )
        .with_custom_head(format!("<style>{STYLESHEET}</style>"))
        .with_menu(None)
}

/// Opens the window with the app over the real services in `config` and runs until it
/// closes.
pub fn launch(config: RealConfig) {
    LaunchBuilder::desktop().with_cfg(window_config()).with_context(config).launch(Main);
}

/// The root: builds the real services once (on the UI thread: they are not `Send`) from
/// the [`RealConfig`] in the context and mounts [`App`]; a failure is shown in the window.
#[component]
pub fn Main() -> Element {
    let config = use_context::<RealConfig>();
    let services = use_hook(move || real::services(config).map_err(|e| e.to_string()));
    match services {
        Ok(services) => rsx! {
            App { services }
        },
        Err(e) => rsx! {
            main { class: "app",
                h1 { "Keis" }
                p { id: "startup-error", class: "error", role: "alert", "{e}" }
            }
        },
    }
}
