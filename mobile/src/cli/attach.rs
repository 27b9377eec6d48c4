//! `keis scan add` and `keis sign`: attachments and the applicant's signature.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use keis_crdt::model::{Attachment, RecordMap, Signature};
use keis_device::scan::{ScanMode, ScanOptions};
use keis_device::signature::{Canvas, DEFAULT_RENDER_WIDTH, HandwrittenSignature, Lang, Point, Stroke, render_png};
use keis_mobile::signing::applicant_signature;
use keis_mobile::store::Store;
use keis_mobile::sync::Identity;
use serde::Deserialize;

use super::cases::position;
use super::now_ms;

#[derive(Debug, Subcommand)]
pub(crate) enum ScanCommand {
    /// Stores a scan or photo as an attachment of a case.
    Add {
        id: String,
        /// A document kind code of the catalogue (`identity_document`, `income_certificate`, …).
        #[arg(long)]
        kind: String,
        file: PathBuf,
        /// The household member the document belongs to (default: the applicant).
        #[arg(long)]
        member: Option<String>,
        /// A photo (kept in grey/colour as JPEG) rather than a text document (1-bit PNG).
        #[arg(long)]
        photo: bool,
        /// Store the file as it is, without processing (PDFs and other files are always).
        #[arg(long)]
        raw: bool,
    },
}

fn mime_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("tif" | "tiff") => "image/tiff",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

pub(crate) fn scan(store: &mut Store, cmd: ScanCommand) -> Result<()> {
    let ScanCommand::Add { id, kind, file, member, photo, raw } = cmd;
    let input = std::fs::read(&file).with_context(|| format!("{}", file.display()))?;
    let mime = mime_of(&file);
    // Images go through the scan pipeline (orientation, crop, A4 at 200 dpi, 1-bit or JPEG).
    let (bytes, mime) = if raw || !mime.starts_with("image/") {
        (input, mime)
    } else {
        let mode = if photo { ScanMode::Photo } else { ScanMode::Document };
        let page = keis_device::scan::process(&input, &ScanOptions { mode, ..ScanOptions::default() })
            .with_context(|| format!("скан {} / scan {}", file.display(), file.display()))?;
        (page.bytes, page.mime)
    };
    let captured_by = position(store, None).map(|p| p.id).unwrap_or_default();
    let hash = store.put_blob(&bytes)?;
    let attachment = Attachment {
        id: String::new(),
        sha256: hash.clone(),
        kind,
        member,
        pages: 1,
        mime: mime.into(),
        size: bytes.len() as u64,
        captured_by,
        captured_at: now_ms(),
    };
    store.edit_case(&id, now_ms(), |case, ids| {
        case.attachments.add(Attachment { id: ids.next_id(), ..attachment });
    })?;
    out!("{hash}");
    Ok(())
}

#[derive(Deserialize)]
struct StrokesFile {
    canvas: CanvasSize,
    strokes: Vec<Vec<[f32; 3]>>,
}

#[derive(Deserialize)]
struct CanvasSize {
    width: f32,
    height: f32,
}

/// The signature drawn from a strokes file, as the signing screen renders it (1-bit PNG).
fn render_strokes(path: &Path) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let file: StrokesFile =
        serde_json::from_str(&text).with_context(|| format!("некоректний JSON / bad JSON in {}", path.display()))?;
    let strokes = file
        .strokes
        .into_iter()
        .map(|s| Stroke { points: s.into_iter().map(|[x, y, t]| Point::new(x, y, t.max(0.0) as u32)).collect() })
        .collect();
    let canvas = Canvas { width: file.canvas.width, height: file.canvas.height };
    let sig = HandwrittenSignature::new(canvas, strokes)
        .map_err(|e| anyhow!("{} / {}", e.user_message(Lang::Uk), e.user_message(Lang::En)))?;
    let rendered = render_png(&sig, DEFAULT_RENDER_WIDTH)
        .map_err(|e| anyhow!("{} / {}", e.user_message(Lang::Uk), e.user_message(Lang::En)))?;
    Ok(rendered.png)
}

/// Records the applicant's signature: its image stored as a blob, bound to the case's
/// current content by the device key (`keis_mobile::signing`).
pub(crate) fn sign(store: &mut Store, id: &str, strokes: Option<&Path>, image: Option<&Path>) -> Result<()> {
    let bytes = match (strokes, image) {
        (Some(s), _) => render_strokes(s)?,
        (None, Some(i)) => std::fs::read(i).with_context(|| format!("{}", i.display()))?,
        (None, None) => bail!("вкажіть --strokes або --image / give --strokes or --image"),
    };
    let witnessed_by = position(store, None).map(|p| p.id).unwrap_or_default();
    let key = Identity::load_or_create(store)?.device_key()?;
    let hash = store.put_blob(&bytes)?;
    let doc = store.case(id)?;
    let at = now_ms();
    let signature = applicant_signature(&doc, &bytes, &key, &witnessed_by, at)?;
    store.edit_case(id, at, |case, ids| case.signatures.add(Signature { id: ids.next_id(), ..signature }))?;
    out!("{hash}");
    Ok(())
}
