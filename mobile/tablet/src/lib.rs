//! `keis-tablet`: the field app on an Android or iOS tablet. The `keis-ui` screens in
//! Dioxus's mobile WebView over the same real services as on the desktop
//! (`keis_ui::real`: the encrypted store in the app's private files, the sync client),
//! with the tablet's own card reader and camera:
//!
//! - [`nfc::NfcChip`]: the ID card put on the back of the tablet, handed over by the
//!   platform's NFC reader ([`bridge`]): Android's reader mode as an `IsoDep` over JNI
//!   ([`java`]), iOS's Core NFC as an `NFCISO7816Tag` over C functions ([`ios`]);
//! - [`camera::PhoneCamera`]: photos from the platform's camera, through the scan pipeline.
//!
//! The platform halves (`kotlin/`: the activity's NFC reader mode, the camera intent, the
//! bridge object; `swift/`: the NFC session, the camera, the bridge) and the packages are
//! built by `dx bundle --platform android|ios --features app` with the Android SDK and NDK
//! or Xcode, which this project's build machine does not have. Here the Rust half is
//! compiled and tested on the host: the services over the bridge with the emulated chip,
//! the JNI entry points in a real JVM (`tests/jvm.rs`), the C entry points called as Swift
//! calls them (`tests/ios_abi.rs`).

pub mod bridge;
pub mod camera;
pub mod ios;
pub mod java;
pub mod nfc;

use std::path::Path;
use std::rc::Rc;

use dioxus::prelude::*;
use keis_ui::real::{RealCamera, RealConfig, RealError, services_and_store};
use keis_ui::{App, STYLESHEET, Services};

pub use bridge::{Bridge, bridge};

/// Where the app keeps its store inside the app's private files directory.
pub const DATA_SUBDIR: &str = "keis";

/// The real services with the tablet's card reader and camera in place of PC/SC and files.
pub fn tablet_services(config: RealConfig, bridge: std::sync::Arc<Bridge>) -> Result<Services, RealError> {
    let (mut services, store) = services_and_store(config)?;
    services.chip = Rc::new(nfc::NfcChip::new(bridge.clone()));
    services.camera = Rc::new(camera::PhoneCamera::new(bridge, RealCamera::new(store, None)));
    Ok(services)
}

/// The settings on a tablet: the store under the app's files directory; the server comes
/// from enrolment (the first start asks for it).
pub fn tablet_config(files_dir: &Path) -> RealConfig {
    RealConfig::new(files_dir.join(DATA_SUBDIR))
}

/// Runs the app (the Android binary's `main`). The activity has registered the bridge
/// (files directory, camera) before Rust starts.
pub fn launch() {
    LaunchBuilder::desktop().launch(Main);
}

/// The root: the tablet's services, or why they could not start.
#[component]
fn Main() -> Element {
    let services = use_hook(|| {
        let b = bridge();
        let files = b.files_dir().cloned().ok_or_else(|| {
            "застосунок запущено без активності Keis / the app was started without the Keis activity".to_owned()
        })?;
        tablet_services(tablet_config(&files), b).map_err(|e| e.to_string())
    });
    match services {
        Ok(services) => rsx! {
            document::Style { {STYLESHEET} }
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
