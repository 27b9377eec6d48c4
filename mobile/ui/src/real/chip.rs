//! The real [`ChipService`]: the ID card through a PC/SC reader (feature `pcsc`), read
//! with `keis_device::chip::read_document` (PACE or BAC, passive authentication against
//! the bundled CSCAs); [`chip_data`] turns the read into what the wizard shows. Without
//! the feature the service says that no reader is available.

pub use keis_mobile::views::chip::chip_data;
use keis_mobile::views::wizard::ChipData;

use super::service_error;
#[cfg(feature = "pcsc")]
use super::{ABORTED, off_the_window};
use crate::services::{ChipAccess, ChipService, Later, ServiceError};

/// The card reader.
pub struct RealChip {
    #[cfg_attr(not(feature = "pcsc"), allow(dead_code))]
    reader: Option<String>,
}

impl RealChip {
    /// The reader named `reader`, or the first one holding a card.
    pub fn new(reader: Option<String>) -> Self {
        Self { reader }
    }
}

/// The access key the user typed (see `keis_mobile::views::chip::access_key`). Shared
/// with the tablet launcher's NFC reader.
pub fn access_key(access: &ChipAccess) -> Result<keis_device::chip::AccessKey, ServiceError> {
    keis_mobile::views::chip::access_key(access).map_err(service_error)
}

impl ChipService for RealChip {
    #[cfg(feature = "pcsc")]
    fn read(&self, access: &ChipAccess) -> Later<ChipData> {
        use keis_device::chip::pcsc::PcscCard;
        let key = match access_key(access) {
            Ok(key) => key,
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        let reader = self.reader.clone();
        off_the_window(
            move || {
                let card = PcscCard::connect(reader.as_deref())
                    .map_err(|e| ServiceError(format!("Зчитувач карток: {e} / Card reader: {e}")))?;
                let doc = keis_device::chip::read_document(card, &key).map_err(|e| {
                    ServiceError(format!("Не вдалося прочитати чип: {e} / Could not read the chip: {e}"))
                })?;
                Ok(chip_data(&doc))
            },
            || ServiceError(ABORTED.into()),
        )
    }

    #[cfg(not(feature = "pcsc"))]
    fn read(&self, access: &ChipAccess) -> Later<ChipData> {
        let answer = access_key(access).and_then(|_| {
            Err(ServiceError(
                "Зчитувач карток недоступний: ця збірка без підтримки PC/SC; введіть дані вручну / \
                 No card reader is available: this build has no PC/SC support; type the data in by hand"
                    .into(),
            ))
        });
        Box::pin(std::future::ready(answer))
    }
}
