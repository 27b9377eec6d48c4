//! Administration of devices, straight on the [`Store`]: list the devices waiting for
//! approval, approve one with the code it shows and bind it to positions, revoke one.
//! The functions are what `keis-sync-server admin …` ([`AdminCommand`], [`run`]) calls;
//! every approval, refusal of an approval and revocation is audited.
//!
//! A device revoked here, while a server runs in another process, loses its sessions at
//! its next request: [`Auth::authenticate`](crate::auth::Auth::authenticate) checks the
//! store.

use std::io::Write;

use clap::Subcommand;
use keis_crdt::{Position, Role, Scope};
use sha2::{Digest, Sha256};
use tracing::{info, instrument};

use crate::auth::ApprovalCode;
use crate::store::{AuditEntry, Device, DeviceStatus, Store, StoreError};

/// Why an administrative action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("device {device_id} is not enrolled; check the id with `admin enrol-list`")]
    UnknownDevice { device_id: String },
    #[error("device {device_id} is already approved; to change its positions, revoke it and enrol it anew")]
    AlreadyApproved { device_id: String },
    #[error("device {device_id} has been revoked and cannot be approved; the device must enrol anew")]
    DeviceRevoked { device_id: String },
    #[error("the approval code must be the 8 digits the device shows (like 1234-5678)")]
    MalformedCode,
    #[error("the approval code does not match the one device {device_id} shows; read it again from the device")]
    WrongCode { device_id: String },
    #[error("give the device at least one position (--position ID:ROLE:SCOPE)")]
    NoPositions,
    #[error("{given:?} is not a position: {why}")]
    BadPosition { given: String, why: String },
    #[error("an edge server needs the hromada it serves (--hromada KATOTTG, like UA05020030000031457)")]
    NoHromada,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `ID:ROLE:SCOPE`, e.g. `pos-sta-1:userSta:district:UA05020030000031457/north` or
/// `pos-hro-1:hromada_officer:hromadas:UA05020030000031457`. The scope may contain `:`.
pub fn parse_position(s: &str) -> Result<Position, AdminError> {
    let bad = |why: String| AdminError::BadPosition { given: s.to_owned(), why };
    let mut parts = s.splitn(3, ':');
    let (Some(id), Some(role), Some(scope)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected ID:ROLE:SCOPE".into()));
    };
    if id.is_empty() {
        return Err(bad("the position id is empty".into()));
    }
    let roles = || Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ");
    let role = Role::from_code(role).ok_or_else(|| bad(format!("unknown role {role:?}; one of {}", roles())))?;
    let scope = Scope::from_code(scope)
        .ok_or_else(|| bad(format!("unknown scope {scope:?}; `all`, `hromadas:A,B` or `district:H/D`")))?;
    Ok(Position::new(id, role, scope))
}

/// Approves a pending device with the code it shows, binding it to `positions`.
#[instrument(skip_all, fields(device_id = %device_id, positions = positions.len()))]
pub async fn approve(
    store: &dyn Store,
    device_id: &str,
    code: &str,
    positions: &[Position],
    now: i64,
) -> Result<Device, AdminError> {
    let device =
        store.device(device_id).await?.ok_or_else(|| AdminError::UnknownDevice { device_id: device_id.to_owned() })?;
    match device.status {
        DeviceStatus::Pending => {}
        DeviceStatus::Approved => return Err(AdminError::AlreadyApproved { device_id: device.device_id }),
        DeviceStatus::Revoked => return Err(AdminError::DeviceRevoked { device_id: device.device_id }),
    }
    if positions.is_empty() {
        return Err(AdminError::NoPositions);
    }
    let code = ApprovalCode::parse(code).ok_or(AdminError::MalformedCode)?;
    match store.approve_device(device_id, code.hash(), positions, now).await {
        Ok(device) => {
            let ids: Vec<&str> = positions.iter().map(|p| p.id.as_str()).collect();
            audit(store, device_id, now, "approve", &format!("positions {}", ids.join(","))).await;
            info!("device approved");
            Ok(device)
        }
        Err(StoreError::ApprovalCodeMismatch { device_id }) => {
            audit(store, &device_id, now, "approve-refused", "wrong approval code").await;
            info!("approval refused: wrong code");
            Err(AdminError::WrongCode { device_id })
        }
        Err(StoreError::DeviceStatus { device_id, status: "revoked", .. }) => {
            Err(AdminError::DeviceRevoked { device_id })
        }
        Err(StoreError::DeviceStatus { device_id, .. }) => Err(AdminError::AlreadyApproved { device_id }),
        Err(e) => Err(e.into()),
    }
}

/// The position an edge server is approved with: an administrator (no workflow powers of
/// its own) scoped to the hromada it serves; what it forwards is judged as an edge's.
pub fn edge_position(device_id: &str, hromada: &str) -> Position {
    Position::new(format!("edge-{device_id}"), Role::Administrator, Scope::hromada(hromada))
}

/// Approves a pending device as a trusted edge server of `hromada`: another
/// `keis-sync-server` that forwards the changes of its own devices (see
/// [`keis_crdt::authz::authorize_edge`]). Approved first, then marked: an interruption
/// in between leaves an administrator position that can write nothing.
#[instrument(skip_all, fields(device_id = %device_id, hromada = %hromada))]
pub async fn approve_edge(
    store: &dyn Store,
    device_id: &str,
    code: &str,
    hromada: &str,
    now: i64,
) -> Result<Device, AdminError> {
    let hromada = hromada.trim();
    if hromada.is_empty() || !hromada.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AdminError::NoHromada);
    }
    approve(store, device_id, code, &[edge_position(device_id, hromada)], now).await?;
    let device = store.set_device_edge(device_id, true).await?;
    audit(store, device_id, now, "approve-edge", &format!("edge of hromada {hromada}")).await;
    info!("edge server approved");
    Ok(device)
}

/// Revokes a device. A running server ends its sessions at their next use.
#[instrument(skip_all, fields(device_id = %device_id))]
pub async fn revoke(store: &dyn Store, device_id: &str, now: i64) -> Result<Device, AdminError> {
    let device = store.revoke_device(device_id, now).await.map_err(|e| match e {
        StoreError::UnknownDevice { device_id } => AdminError::UnknownDevice { device_id },
        e => e.into(),
    })?;
    audit(store, device_id, now, "revoke", "by administrator").await;
    info!("device revoked");
    Ok(device)
}

async fn audit(store: &dyn Store, device_id: &str, at: i64, action: &str, detail: &str) {
    let entry = AuditEntry {
        at,
        device_id: device_id.to_owned(),
        position_id: None,
        case_id: None,
        action: action.to_owned(),
        detail: detail.to_owned(),
    };
    if let Err(e) = store.append_audit(entry).await {
        tracing::warn!(action, error = %e, "could not append to the audit log");
    }
}

/// `keis-sync-server admin --data DIR …`
#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// List the devices waiting for approval.
    EnrolList,
    /// Approve a pending device with the code it shows, binding it to positions.
    Approve {
        device_id: String,
        /// The 8-digit code the device shows (1234-5678).
        #[arg(long)]
        code: String,
        /// A position ID:ROLE:SCOPE, e.g. pos-sta-1:userSta:district:UA05020030000031457/north;
        /// repeat for several.
        #[arg(long = "position", required_unless_present = "edge", conflicts_with = "edge", value_parser = position_arg)]
        positions: Vec<Position>,
        /// Approve another keis-sync-server (`serve --upstream`) as a trusted edge of
        /// `--hromada`, instead of a device with positions.
        #[arg(long, requires = "hromada")]
        edge: bool,
        /// The KATOTTG code of the hromada an edge serves.
        #[arg(long, requires = "edge")]
        hromada: Option<String>,
    },
    /// Revoke a device: it may no longer connect.
    Revoke { device_id: String },
    /// List every device with its status and positions.
    Devices,
}

fn position_arg(s: &str) -> Result<Position, String> {
    parse_position(s).map_err(|e| e.to_string())
}

/// Runs one admin command against `store`, writing its answer to `out`.
pub async fn run(store: &dyn Store, command: AdminCommand, now: i64, out: &mut dyn Write) -> anyhow::Result<()> {
    match command {
        AdminCommand::EnrolList => {
            let pending = store.devices(Some(DeviceStatus::Pending)).await?;
            if pending.is_empty() {
                writeln!(out, "no devices waiting for approval")?;
            }
            for d in &pending {
                write_device(out, d)?;
            }
        }
        AdminCommand::Approve { device_id, code, positions, edge, hromada } => {
            let d = match hromada.filter(|_| edge) {
                Some(h) => approve_edge(store, &device_id, &code, &h, now).await?,
                None => approve(store, &device_id, &code, &positions, now).await?,
            };
            writeln!(out, "approved:")?;
            write_device(out, &d)?;
        }
        AdminCommand::Revoke { device_id } => {
            let d = revoke(store, &device_id, now).await?;
            writeln!(out, "revoked:")?;
            write_device(out, &d)?;
        }
        AdminCommand::Devices => {
            for d in store.devices(None).await? {
                write_device(out, &d)?;
            }
        }
    }
    Ok(())
}

/// One device: id, status, when, key fingerprint, name; then its positions.
fn write_device(out: &mut dyn Write, d: &Device) -> std::io::Result<()> {
    let fingerprint = hex::encode(&Sha256::digest(&d.public_key)[..8]);
    let when = match d.status {
        DeviceStatus::Pending => format!("enrolled {}", utc(d.created_at)),
        DeviceStatus::Approved => format!("approved {}", d.approved_at.map_or_else(String::new, utc)),
        DeviceStatus::Revoked => format!("revoked {}", d.revoked_at.map_or_else(String::new, utc)),
    };
    let name: String = d.display_name.chars().filter(|c| !c.is_control()).collect();
    let edge = if d.edge { "  edge" } else { "" };
    writeln!(out, "{}  {:<8}  {when}  key {fingerprint}  {name:?}{edge}", d.device_id, d.status.code())?;
    for p in &d.positions {
        writeln!(out, "    {}:{}:{}", p.id, p.role.code(), p.scope.code())?;
    }
    Ok(())
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM UTC`.
fn utc(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000) / 60_000);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rem / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_read_with_scopes_that_contain_colons() {
        let p = parse_position("pos-sta-1:userSta:district:UA05020030000031457/north").expect("district");
        assert_eq!(
            p,
            Position::new(
                "pos-sta-1",
                Role::Starosta,
                Scope::District { hromada: "UA05020030000031457".into(), district: "north".into() }
            )
        );
        let p = parse_position("pos-hro-1:hromada_officer:hromadas:UA1,UA2").expect("hromadas");
        assert_eq!(p.scope, Scope::Hromadas(vec!["UA1".into(), "UA2".into()]));
        assert_eq!(parse_position("c:coordinator:all").expect("all").scope, Scope::All);
        for bad in ["", "pos", "pos:userSta", ":userSta:all", "pos:chief:all", "pos:userSta:everywhere"] {
            assert!(matches!(parse_position(bad), Err(AdminError::BadPosition { .. })), "{bad}");
        }
    }

    #[test]
    fn an_edge_is_approved_with_a_hromada_instead_of_positions() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(subcommand)]
            command: AdminCommand,
        }
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["admin", "approve", "dev-1", "--code", "1234-5678"].iter().chain(args))
        };
        let edge = parse(&["--edge", "--hromada", "UA1"]).expect("an edge");
        assert!(matches!(
            edge.command,
            AdminCommand::Approve { edge: true, hromada: Some(h), positions, .. } if h == "UA1" && positions.is_empty()
        ));
        assert!(parse(&["--position", "p:userSta:all"]).is_ok(), "a device");
        assert!(parse(&[]).is_err(), "neither positions nor --edge");
        assert!(parse(&["--edge"]).is_err(), "an edge without its hromada");
        assert!(parse(&["--edge", "--hromada", "UA1", "--position", "p:userSta:all"]).is_err(), "both");
        assert_eq!(edge_position("dev-1", "UA1").scope, Scope::hromada("UA1"));
        assert_eq!(edge_position("dev-1", "UA1").role, Role::Administrator);
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_763_900_000_000), "2025-11-23 12:13 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
