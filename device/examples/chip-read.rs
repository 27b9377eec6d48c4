//! Reads an ID card or passport chip and prints the person data, the data groups present
//! and the passive-authentication verdict level by level.
//!
//! ```text
//! cargo run -p keis-device --example chip-read --features pcsc -- \
//!     [--reader NAME] (--mrz DOCNO,BIRTH,EXPIRY | --can NNNNNN) [--emulated td1|td3] [--csca DIR]
//! ```
//!
//! `--emulated` reads the in-process specimen chip (signed by a throwaway test CSCA, which
//! is then trusted) instead of a reader. Printing the person data to stdout is this tool's
//! purpose; nothing personal goes to the logs.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use keis_device::chip::emulator::{EmulatedChip, TestKeyKind, TestPki};
use keis_device::chip::{AccessKey, Can, ChipDocument, CscaStore, MrzKey, OsRandom, read_document_trusting};

#[derive(Debug, Default)]
struct Args {
    reader: Option<String>,
    key: Option<AccessKey>,
    emulated: Option<String>,
    csca: Option<PathBuf>,
}

const USAGE: &str =
    "usage: chip-read [--reader NAME] (--mrz DOCNO,BIRTH,EXPIRY | --can NNNNNN) [--emulated td1|td3] [--csca DIR]";

fn parse_args() -> Result<Args, Box<dyn std::error::Error>> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--reader" => args.reader = Some(value()?),
            "--emulated" => args.emulated = Some(value()?),
            "--csca" => args.csca = Some(PathBuf::from(value()?)),
            "--can" => args.key = Some(Can::new(&value()?)?.into()),
            "--mrz" => {
                let v = value()?;
                let parts: Vec<&str> = v.split(',').collect();
                let [number, birth, expiry] = parts.as_slice() else {
                    return Err(format!("--mrz takes DOCNO,BIRTH,EXPIRY (dates YYMMDD)\n{USAGE}").into());
                };
                args.key = Some(MrzKey::new(number, birth, expiry)?.into());
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    Ok(args)
}

#[cfg(feature = "pcsc")]
fn read_from_reader(
    args: &Args,
    key: &AccessKey,
    trust: &CscaStore,
) -> Result<ChipDocument, Box<dyn std::error::Error>> {
    use keis_device::chip::pcsc::{PcscCard, list_readers};
    println!("Readers:");
    for name in list_readers()? {
        println!("  {name}");
    }
    let card = PcscCard::connect(args.reader.as_deref())?;
    println!("Reading the card on {}", card.reader());
    Ok(read_document_trusting(card, key, &mut OsRandom, trust)?)
}

#[cfg(not(feature = "pcsc"))]
fn read_from_reader(_: &Args, _: &AccessKey, _: &CscaStore) -> Result<ChipDocument, Box<dyn std::error::Error>> {
    Err("this build has no PC/SC support: add `--features pcsc`, or use --emulated td1|td3".into())
}

fn print_document(doc: &ChipDocument) {
    let m = &doc.mrz;
    println!("\nOpened with {:?}", doc.access);
    println!("\nPerson (DG1, MRZ {:?}):", m.format);
    for (label, value) in [
        ("Surname", &m.primary_identifier),
        ("Given names", &m.secondary_identifier),
        ("Date of birth (YYMMDD)", &m.date_of_birth),
        ("Sex", &m.sex),
        ("Nationality", &m.nationality),
        ("Document", &m.document_code),
        ("Document number", &m.document_number),
        ("Issuing state", &m.issuing_state),
        ("Date of expiry (YYMMDD)", &m.date_of_expiry),
        ("Optional data", &m.optional_data),
    ] {
        println!("  {label:<24} {value}");
    }
    println!("  {:<24} {}", "UNZR (from MRZ)", doc.unzr().as_deref().unwrap_or("—"));
    println!("  {:<24} {}", "Personal number (DG11)", doc.personal_number().unwrap_or("—"));
    for (title, details) in [("DG11", &doc.personal_details), ("DG12", &doc.document_details)] {
        let Some(details) = details else { continue };
        println!("\n{title}:");
        for f in &details.fields {
            println!("  {:<6X} {:<38} {}", f.tag, f.name.unwrap_or("(unknown tag)"), f.value);
        }
    }
    if let Some(face) = &doc.face {
        let decoded = match face.decode() {
            Ok(img) => format!("decoded {}×{}", img.width(), img.height()),
            Err(e) => e.to_string(),
        };
        println!("\nFace (DG2): {}, {} bytes, {decoded}", face.format, face.bytes.len());
    }
    let groups: Vec<String> = doc.data_groups.keys().map(|n| format!("DG{n}")).collect();
    println!("\nData groups read: {}", groups.join(", "));
    if let Some(com) = &doc.com {
        let listed: Vec<String> = com.data_groups.iter().map(|n| format!("DG{n}")).collect();
        println!("EF.COM (LDS {}) lists: {}", com.lds_version, listed.join(", "));
    }
    println!("EF.SOD: {}", if doc.sod_bytes.is_some() { "present" } else { "absent" });
    let pa = &doc.passive_auth;
    println!("\nPassive authentication: {}", if pa.is_authentic() { "AUTHENTIC" } else { "NOT VERIFIED" });
    println!("  1. data group hashes match EF.SOD:   {}", pa.data_group_hashes);
    println!("  2. EF.SOD signature valid:           {}", pa.sod_signature);
    println!("  3. Document Signer chains to a CSCA: {}", pa.certificate_chain);
    println!("  Document Signer: {}", pa.document_signer.as_deref().unwrap_or("—"));
    println!("  CSCA:            {}", pa.csca.as_deref().unwrap_or("—"));
    if !pa.unread_groups.is_empty() {
        println!("  In EF.SOD but not read: {:?}", pa.unread_groups);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let key = args.key.clone().ok_or_else(|| format!("give the access key with --mrz or --can\n{USAGE}"))?;
    let mut trust = match &args.csca {
        Some(dir) => CscaStore::load_dir(dir)?,
        None => CscaStore::bundled(),
    };
    let doc = match args.emulated.as_deref() {
        Some(kind) => {
            let chip = match kind {
                "td1" => EmulatedChip::td1_specimen(),
                "td3" => EmulatedChip::td3_specimen(),
                other => return Err(format!("--emulated takes td1 or td3, not {other}").into()),
            };
            let pki = TestPki::generate(TestKeyKind::EcdsaP256)?;
            println!("Emulated {kind} specimen chip, signed by a throwaway test CSCA (trusted for this run)");
            trust = pki.csca_store();
            read_document_trusting(chip.with_security_object(&pki)?, &key, &mut OsRandom, &trust)?
        }
        None => read_from_reader(&args, &key, &trust)?,
    };
    print_document(&doc);
    Ok(())
}
