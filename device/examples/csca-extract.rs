//! Extracts one country's CSCA certificates from an ICAO CSCA master list into DER files.
//!
//! `cargo run -p keis-device --example csca-extract -- MASTER_LIST.ml UA assets/csca/UA`
//!
//! The shipped `assets/csca/UA/` files came from the German BSI master list bundled in the
//! `emrtd` crate (`data/DE_ML_2024-04-10-10-54-13.ml`); see the README there.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;

use keis_device::chip::CscaStore;
use sha2::Digest as _;

fn year(time: &str) -> String {
    // UTCTime YYMMDD… (years 50–99 are 19xx) or GeneralizedTime YYYYMMDD….
    match (time.len(), time.get(0..2).and_then(|y| y.parse::<u32>().ok())) {
        (13, Some(yy)) => format!("{}", if yy >= 50 { 1900 + yy } else { 2000 + yy }),
        _ => time.get(0..4).unwrap_or("unknown").to_owned(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [list, country, out] = args.as_slice() else {
        return Err("usage: csca-extract MASTER_LIST COUNTRY OUT_DIR".into());
    };
    let store = CscaStore::from_master_list(&std::fs::read(list)?)?;
    println!("{} certificates in the master list", store.certificates().len());
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    for cert in store.for_country(country) {
        let cn = cert.common_name().unwrap_or_else(|| format!("CSCA-{country}"));
        let link = cert.authority_key_id.is_some() && cert.authority_key_id != cert.subject_key_id;
        let name = format!(
            "{}_{}{}.der",
            cn.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
            year(&cert.not_before),
            if link { "_link" } else { "" }
        );
        std::fs::write(out.join(&name), &cert.der)?;
        println!("{name}");
        println!("  subject:  {}", cert.subject_text());
        println!("  issuer:   {}", cert.issuer_text());
        println!("  validity: {} – {}", cert.not_before, cert.not_after);
        println!("  SHA-256:  {}", hex::encode_upper(sha2::Sha256::digest(&cert.der)));
        println!("  link certificate: {link}");
    }
    Ok(())
}
