//! `keis chip read`: the applicant's ID card through a PC/SC reader (feature `pcsc`; on a
//! tablet the app reads it over NFC). Prints the person and the verification verdict as
//! JSON; with `--case`, fills that case's applicant from the card and records the read
//! (the face kept as an encrypted blob), as the wizard does.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use keis_crdt::ChipRead;
use keis_crdt::model::RecordMap;
use keis_device::chip::{AccessKey, ChipDocument};
use keis_mobile::store::Store;
use keis_mobile::views::chip::{ChipAccess, access_key, chip_data, chip_record, fill_applicant};

use super::cases::position;
use super::now_ms;

#[derive(Debug, Subcommand)]
pub(crate) enum ChipCommand {
    /// Reads the ID card on the reader; with --case, fills that case's applicant.
    Read(ReadArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ReadArgs {
    /// The 6-digit CAN printed on the card.
    #[arg(long, required_unless_present = "mrz", conflicts_with = "mrz")]
    can: Option<String>,
    /// The MRZ: its lines, or NUMBER,BIRTH,EXPIRY (dates as YYMMDD).
    #[arg(long)]
    mrz: Option<String>,
    /// The reader's name; default: the first one holding a card.
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// Fills this case's applicant from the card and records the read.
    #[arg(long, value_name = "ID")]
    case: Option<String>,
    /// The reading position: an id from the last session, or ID:ROLE:SCOPE.
    #[arg(long, value_name = "POS", requires = "case")]
    position: Option<String>,
}

/// Runs `keis chip read`; `open` unlocks the store, asked only when a case is filled.
pub(crate) fn chip(command: ChipCommand, open: impl FnOnce() -> Result<Store>) -> Result<()> {
    let ChipCommand::Read(args) = command;
    let access = match (args.can, args.mrz) {
        (Some(can), _) => ChipAccess::Can(can),
        (None, Some(mrz)) => ChipAccess::Mrz(mrz),
        (None, None) => return Err(anyhow!("вкажіть --can або --mrz / give --can or --mrz")),
    };
    let key = access_key(&access)?;
    // The store and the case first: a wrong PIN or case id fails before the card is touched.
    let mut store = args.case.as_ref().map(|_| open()).transpose()?;
    if let (Some(store), Some(id)) = (store.as_mut(), args.case.as_deref()) {
        store.case(id)?;
    }
    let doc = read(args.reader.as_deref(), &key)?;
    let data = chip_data(&doc);
    if let (Some(store), Some(id)) = (store.as_mut(), args.case.as_deref()) {
        let by = position(store, args.position.as_deref())?;
        let face = doc.face.as_ref().map(|f| store.put_blob(&f.bytes)).transpose()?;
        let at = now_ms();
        let record = ChipRead { face_image: face, ..chip_record(&data, &by.id, at) };
        store.edit_case(id, at, |case, ids| {
            fill_applicant(&mut case.applicant, &data.person);
            case.chip_reads.add(ChipRead { id: ids.next_id(), ..record });
        })?;
        tracing::info!(case = %id, access = %data.access, outcome = %data.outcome, "applicant filled from the card");
    }
    let shown = serde_json::json!({
        "person": data.person,
        "access": data.access,
        "outcome": data.outcome,
        "verified": data.verified,
        "verdict": data.verdict,
        "photo": data.photo.is_some(),
    });
    out!("{}", serde_json::to_string_pretty(&shown)?);
    Ok(())
}

#[cfg(feature = "pcsc")]
fn read(reader: Option<&str>, key: &AccessKey) -> Result<ChipDocument> {
    use keis_device::chip::pcsc::PcscCard;
    let card = PcscCard::connect(reader).map_err(|e| anyhow!("зчитувач карток: {e} / card reader: {e}"))?;
    keis_device::chip::read_document(card, key)
        .map_err(|e| anyhow!("не вдалося прочитати чип: {e} / could not read the chip: {e}"))
}

#[cfg(not(feature = "pcsc"))]
fn read(_reader: Option<&str>, _key: &AccessKey) -> Result<ChipDocument> {
    Err(anyhow!(
        "ця збірка без підтримки зчитувача PC/SC; зберіть keis з --features pcsc / \
         this build has no PC/SC reader support; build keis with --features pcsc"
    ))
}
