//! The card reader on a tablet: the ID card put on the back of the tablet is handed over
//! by Android's NFC reader mode ([`crate::bridge`]); pressing "read" takes it and reads
//! the chip through `keis_device` (PACE with the CAN or BAC/PACE with the MRZ, passive
//! authentication), over `IsoDepTransport` (command sizes and timeout from the tag).

use std::sync::Arc;
use std::time::Instant;

use keis_device::chip::android::{DEFAULT_TIMEOUT_MS, IsoDepTransport};
use keis_device::chip::{AccessKey, read_document};
use keis_mobile::views::wizard::ChipData;
use keis_ui::real::{ABORTED, access_key, chip_data, off_the_window};
use keis_ui::{ChipAccess, ChipService, Later, ServiceError};

use crate::bridge::{Bridge, Tag};

/// The card reader over the tablet's NFC.
#[derive(Debug)]
pub struct NfcChip {
    bridge: Arc<Bridge>,
}

impl NfcChip {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        Self { bridge }
    }
}

const NO_CARD: &str = "Прикладіть ID-картку до задньої панелі планшета, дочекайтеся сигналу й натисніть «Прочитати» ще раз / \
     Hold the ID card to the back of the tablet, wait for the beep and press Read again";

impl ChipService for NfcChip {
    fn read(&self, access: &ChipAccess) -> Later<ChipData> {
        let ready = |answer| -> Later<ChipData> { Box::pin(std::future::ready(answer)) };
        let key = match access_key(access) {
            Ok(key) => key,
            Err(e) => return ready(Err(e)),
        };
        let Some(tag) = self.bridge.take_tag(Instant::now()) else {
            if let Some(Err(e)) = self.bridge.platform().map(|p| p.start_card_reader()) {
                tracing::warn!(error = %e, "the card reader did not start");
            }
            return ready(Err(ServiceError(NO_CARD.into())));
        };
        // Seconds of PACE and file reads: on a thread of its own, the window keeps drawing.
        off_the_window(move || read_tag(tag, &key), || ServiceError(ABORTED.into()))
    }
}

/// Reads the card behind `tag` with `key`.
fn read_tag(tag: Tag, key: &AccessKey) -> Result<ChipData, ServiceError> {
    let mut transport = IsoDepTransport::new(tag);
    if let Err(e) = transport.set_timeout_ms(DEFAULT_TIMEOUT_MS) {
        return Err(ServiceError(e.to_string()));
    }
    match read_document(&mut transport, key) {
        Ok(doc) => Ok(chip_data(&doc)),
        // The link's own reason (the card moved away) says more than the protocol step.
        Err(e) => Err(ServiceError(match transport.last_error() {
            Some(link) => link.to_string(),
            None => format!("Не вдалося прочитати чип: {e} / Could not read the chip: {e}"),
        })),
    }
}
