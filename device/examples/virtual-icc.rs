//! Serves the in-process emulated chip to `pcscd` through the vsmartcard virtual reader
//! (`vpcd`), so the PC/SC backend is tested through the real stack: pcsc-lite, the reader
//! driver, and a card that answers BAC and secure messaging.
//!
//! `cargo run -p keis-device --features test-support --example virtual-icc -- [--td1|--td3] [--port 35963]`
//!
//! The vpcd protocol: each message is a 2-byte big-endian length and a payload; a 1-byte
//! payload is a control (0 power off, 1 power on, 2 reset, 4 send the ATR), anything
//! longer is a command APDU answered with the response APDU. `scripts/virtual-card.sh`
//! starts this next to pcscd.
#![allow(clippy::print_stdout)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use keis_device::chip::Transport;
use keis_device::chip::emulator::EmulatedChip;

/// A contactless card's ATR with no historical bytes (T=1).
const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

fn chip(td1: bool) -> EmulatedChip {
    if td1 { EmulatedChip::td1_specimen() } else { EmulatedChip::td3_specimen() }
}

fn read_message(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len)?;
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut payload)?;
    Ok(payload)
}

fn send_message(stream: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| std::io::Error::other("answer too long for vpcd"))?;
    stream.write_all(&len.to_be_bytes())?;
    stream.write_all(payload)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let td1 = args.iter().any(|a| a == "--td1");
    let port =
        args.iter().position(|a| a == "--port").and_then(|i| args.get(i + 1)).map_or(Ok(35963), |p| p.parse())?;
    // vpcd listens once pcscd has loaded it; wait for it, but not forever.
    let mut attempts = 0;
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if attempts < 30 => {
                attempts += 1;
                println!("virtual-icc: waiting for vpcd on port {port}: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => return Err(format!("vpcd did not listen on port {port} within 30 s: {e}").into()),
        }
    };
    println!("virtual-icc: connected to vpcd on port {port} ({})", if td1 { "TD1 ID card" } else { "TD3 passport" });
    let mut card = chip(td1);
    loop {
        let msg = match read_message(&mut stream) {
            Ok(msg) => msg,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        match msg.as_slice() {
            [0..=2] => card = chip(td1),
            [4] => send_message(&mut stream, &ATR)?,
            [_] => {}
            apdu => {
                let answer = card.transmit(apdu)?;
                send_message(&mut stream, &answer)?;
            }
        }
    }
}
