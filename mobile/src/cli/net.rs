//! `keis enrol`, `keis sync`, `keis status`: the device and its server.

use anyhow::{Result, bail};
use keis_mobile::store::Store;
use keis_mobile::sync::{self, Identity, SyncClient, SyncConfig};

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub(crate) fn enrol(store: &mut Store, server: &str, name: &str) -> Result<()> {
    if let Some(i) = Identity::load(store)?
        && !i.device_id.is_empty()
    {
        bail!(
            "пристрій уже зареєстровано як {} на {} / the device is already enrolled as {} with {}",
            i.device_id,
            i.server,
            i.device_id,
            i.server
        );
    }
    let e = runtime()?.block_on(sync::enrol(store, server, name))?;
    out!("device_id\t{}", e.device_id);
    out!("approval_code\t{}", e.approval_code);
    out!(
        "Покажіть код адміністраторові для схвалення / Show the code to the administrator to approve: {}",
        e.approval_code
    );
    Ok(())
}

pub(crate) fn sync(store: &mut Store, attempts: u32) -> Result<()> {
    let rt = runtime()?;
    let mut client = SyncClient::new(SyncConfig::default());
    let mut progress = client.progress();
    let printer = rt.spawn(async move {
        while progress.changed().await.is_ok() {
            let p = progress.borrow_and_update().clone();
            eprintln!("{:?}: {}", p.phase, p.line());
        }
    });
    let result = rt.block_on(client.sync_until_done(store, attempts));
    drop(client);
    let _ = rt.block_on(printer);
    let report = result?;
    out!(
        "documents\t{}\nrejected\t{}\nblobs_up\t{}\nblobs_down\t{}\nblobs_missing\t{}\nbytes_up\t{}\nbytes_down\t{}\npending\t{}",
        report.docs.docs_done + report.docs.docs_rejected,
        report.docs.docs_rejected,
        report.blobs_up,
        report.blobs_down,
        report.blobs_missing,
        report.bytes_up,
        report.bytes_down,
        report.pending_changes
    );
    Ok(())
}

pub(crate) fn status(store: &mut Store) -> Result<()> {
    match Identity::load(store)? {
        Some(i) => {
            out!("server\t{}", i.server);
            out!("device_id\t{}", i.device_id);
            for p in &i.positions {
                out!("position\t{}:{}:{}", p.id, p.role, p.scope);
            }
        }
        None => out!("server\t(не зареєстровано / not enrolled)"),
    }
    let cases = store.case_ids()?;
    let dirty = store.dirty_cases()?;
    out!("cases\t{}", cases.len());
    out!("pending_changes\t{}", dirty.len());
    for id in &dirty {
        if let Some(r) = store.rejection(id)? {
            out!("refused\t{id}\t{}\t{}", r.code, r.reason);
        }
    }
    let (blobs, bytes) = sync::blobs::pending(store)?;
    out!("pending_blobs\t{}\t{bytes}", blobs.len());
    match sync::last_sync_ms(store)? {
        Some(ms) => out!("last_sync_ms\t{ms}"),
        None => out!("last_sync_ms\tnever"),
    }
    out!("cursor\t{}", store.cursor()?);
    Ok(())
}
