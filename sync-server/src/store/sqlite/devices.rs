//! SQL of enrolled devices, their positions and the audit log (tables `devices`,
//! `device_positions`, `audit_log`).

use keis_crdt::{Position, Role, Scope};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};

use crate::store::{
    AuditCursor, AuditEntry, AuditPage, AuditQuery, AuditRecord, Device, DeviceStatus, NewDevice, StoreError,
};

pub(crate) fn enrol(conn: &Connection, d: &NewDevice) -> Result<(), StoreError> {
    let inserted = conn.execute(
        "INSERT INTO devices (device_id, public_key, display_name, status, approval_code_hash, created_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?5) ON CONFLICT DO NOTHING",
        params![d.device_id, d.public_key, d.display_name, d.approval_code_hash.as_slice(), d.created_at],
    )?;
    if inserted == 0 {
        return Err(StoreError::DeviceExists { device_id: d.device_id.clone() });
    }
    Ok(())
}

fn device_row(r: &Row<'_>) -> rusqlite::Result<(Device, String, Option<Vec<u8>>)> {
    let device = Device {
        device_id: r.get(0)?,
        public_key: r.get(1)?,
        display_name: r.get(2)?,
        status: DeviceStatus::Pending,
        approval_code_hash: None,
        created_at: r.get(5)?,
        approved_at: r.get(6)?,
        revoked_at: r.get(7)?,
        positions: Vec::new(),
        edge: r.get::<_, i64>(8)? != 0,
    };
    Ok((device, r.get(3)?, r.get(4)?))
}

/// Fills in the fields that need checking after the row is read.
fn finish_device(
    conn: &Connection,
    (mut d, status, code): (Device, String, Option<Vec<u8>>),
) -> Result<Device, StoreError> {
    d.status = DeviceStatus::from_code(&status)
        .ok_or_else(|| StoreError::Corrupt { what: format!("device {} has status {status:?}", d.device_id) })?;
    d.approval_code_hash = match code {
        None => None,
        Some(bytes) => Some(<[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| StoreError::Corrupt {
            what: format!("device {} has an approval code hash of {} bytes", d.device_id, bytes.len()),
        })?),
    };
    d.positions = positions(conn, &d.device_id)?;
    Ok(d)
}

const DEVICE_COLUMNS: &str =
    "device_id, public_key, display_name, status, approval_code_hash, created_at, approved_at, revoked_at, edge";

pub(crate) fn get(conn: &Connection, device_id: &str) -> Result<Option<Device>, StoreError> {
    let row = conn
        .prepare_cached(&format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE device_id = ?1"))?
        .query_row([device_id], device_row)
        .optional()?;
    row.map(|row| finish_device(conn, row)).transpose()
}

pub(crate) fn list(conn: &Connection, status: Option<DeviceStatus>) -> Result<Vec<Device>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE ?1 IS NULL OR status = ?1 ORDER BY device_id"
    ))?;
    let rows = stmt.query_map([status.map(DeviceStatus::code)], device_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|row| finish_device(conn, row)).collect()
}

fn positions(conn: &Connection, device_id: &str) -> Result<Vec<Position>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT position_id, role, scope FROM device_positions WHERE device_id = ?1 ORDER BY position_id",
    )?;
    let rows = stmt
        .query_map([device_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, role, scope)| {
            let corrupt = |what: &str| StoreError::Corrupt { what: format!("position {id} has {what}") };
            let role = Role::from_code(&role).ok_or_else(|| corrupt(&format!("role {role:?}")))?;
            let scope = Scope::from_code(&scope).ok_or_else(|| corrupt(&format!("scope {scope:?}")))?;
            Ok(Position::new(id, role, scope))
        })
        .collect()
}

fn require(conn: &Connection, device_id: &str) -> Result<Device, StoreError> {
    get(conn, device_id)?.ok_or_else(|| StoreError::UnknownDevice { device_id: device_id.to_owned() })
}

fn replace_positions(conn: &Connection, device_id: &str, list: &[Position]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM device_positions WHERE device_id = ?1", [device_id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO device_positions (device_id, position_id, role, scope) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET role = excluded.role, scope = excluded.scope",
    )?;
    for p in list {
        stmt.execute(params![device_id, p.id, p.role.code(), p.scope.code()])?;
    }
    Ok(())
}

pub(crate) fn approve(
    conn: &Connection,
    device_id: &str,
    code_hash: &[u8; 32],
    list: &[Position],
    at: i64,
) -> Result<Device, StoreError> {
    let d = require(conn, device_id)?;
    if d.status != DeviceStatus::Pending {
        return Err(StoreError::DeviceStatus { device_id: d.device_id, status: d.status.code(), wanted: "pending" });
    }
    let matches = d.approval_code_hash.is_some_and(|stored| constant_time_eq(&stored, code_hash));
    if !matches {
        return Err(StoreError::ApprovalCodeMismatch { device_id: d.device_id });
    }
    conn.execute(
        "UPDATE devices SET status = 'approved', approved_at = ?2, approval_code_hash = NULL WHERE device_id = ?1",
        params![device_id, at],
    )?;
    replace_positions(conn, device_id, list)?;
    require(conn, device_id)
}

pub(crate) fn set_positions(conn: &Connection, device_id: &str, list: &[Position]) -> Result<Device, StoreError> {
    let d = require(conn, device_id)?;
    if d.status != DeviceStatus::Approved {
        return Err(StoreError::DeviceStatus { device_id: d.device_id, status: d.status.code(), wanted: "approved" });
    }
    replace_positions(conn, device_id, list)?;
    require(conn, device_id)
}

/// Marks an approved device as a trusted edge server (or not).
pub(crate) fn set_edge(conn: &Connection, device_id: &str, edge: bool) -> Result<Device, StoreError> {
    let d = require(conn, device_id)?;
    if d.status != DeviceStatus::Approved {
        return Err(StoreError::DeviceStatus { device_id: d.device_id, status: d.status.code(), wanted: "approved" });
    }
    conn.execute("UPDATE devices SET edge = ?2 WHERE device_id = ?1", params![device_id, i64::from(edge)])?;
    require(conn, device_id)
}

pub(crate) fn revoke(conn: &Connection, device_id: &str, at: i64) -> Result<Device, StoreError> {
    require(conn, device_id)?;
    conn.execute(
        "UPDATE devices SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?2), approval_code_hash = NULL
         WHERE device_id = ?1",
        params![device_id, at],
    )?;
    require(conn, device_id)
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn append_audit(conn: &Connection, e: &AuditEntry) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, device_id, position_id, case_id, action, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![e.at, e.device_id, e.position_id, e.case_id, e.action, e.detail])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn audit(conn: &Connection, q: &AuditQuery) -> Result<AuditPage, StoreError> {
    let limit = match q.limit {
        0 => 100,
        n => n.min(1_000),
    };
    // Only the conditions asked for, so SQLite can pick `audit_by_case` or `audit_by_at`.
    let mut conditions: Vec<&str> = Vec::new();
    let mut args: Vec<&dyn ToSql> = Vec::new();
    if let Some(case_id) = &q.case_id {
        conditions.push("case_id = ?");
        args.push(case_id);
    }
    if let Some(from) = &q.from {
        conditions.push("at >= ?");
        args.push(from);
    }
    if let Some(to) = &q.to {
        conditions.push("at < ?");
        args.push(to);
    }
    if let Some(after) = &q.after {
        conditions.push("(at < ? OR (at = ? AND id < ?))");
        args.extend([&after.at as &dyn ToSql, &after.at, &after.id]);
    }
    args.push(&limit);
    let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, at, device_id, position_id, case_id, action, detail FROM audit_log {filter}
         ORDER BY at DESC, id DESC LIMIT ?"
    ))?;
    let records = stmt
        .query_map(args.as_slice(), |r| {
            Ok(AuditRecord {
                id: r.get(0)?,
                entry: AuditEntry {
                    at: r.get(1)?,
                    device_id: r.get(2)?,
                    position_id: r.get(3)?,
                    case_id: r.get(4)?,
                    action: r.get(5)?,
                    detail: r.get(6)?,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let next = (records.len() == limit as usize)
        .then(|| records.last().map(|r| AuditCursor { at: r.entry.at, id: r.id }))
        .flatten();
    Ok(AuditPage { records, next })
}
