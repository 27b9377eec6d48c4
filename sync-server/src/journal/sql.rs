//! SQL of the journal (table `journal`, migration 0002). Plain functions on a connection,
//! called by [`SqliteStore`](crate::store::SqliteStore) on its writer thread or readers.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params, params_from_iter};

use super::query::{Search, Visible, search_key};
use super::{JournalEntry, JournalPage, JournalQuery, JournalRow, MAX_LIMIT};
use crate::store::StoreError;

/// Inserts or replaces the row of `entry`'s case.
pub(crate) fn upsert(conn: &Connection, entry: &JournalEntry) -> Result<(), StoreError> {
    let r = &entry.row;
    let services = serde_json::to_string(&r.services)
        .map_err(|e| StoreError::Corrupt { what: format!("journal services: {e}") })?;
    conn.prepare_cached(
        "INSERT INTO journal (case_id, number, hromada, district, applicant, search_name, rnokpp, services,
                              status_number, status, conflict, package_complete, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (case_id) DO UPDATE SET
             number = excluded.number, hromada = excluded.hromada, district = excluded.district,
             applicant = excluded.applicant, search_name = excluded.search_name, rnokpp = excluded.rnokpp,
             services = excluded.services, status_number = excluded.status_number, status = excluded.status,
             conflict = excluded.conflict, package_complete = excluded.package_complete,
             created_at = excluded.created_at, updated_at = excluded.updated_at",
    )?
    .execute(params![
        r.id,
        r.number,
        r.hromada,
        r.district,
        r.applicant,
        search_key(&r.applicant),
        entry.rnokpp,
        services,
        r.status_number,
        r.status,
        r.conflict,
        r.package_complete,
        r.created_at,
        entry.updated_at,
    ])?;
    Ok(())
}

/// `s` with the wildcards of `LIKE … ESCAPE '\'` escaped.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `WHERE` clause of `q` and its parameters; `None` if nothing can match.
fn filters(q: &JournalQuery) -> Option<(String, Vec<Value>)> {
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    // Anonymous `?` placeholders bind in order: each clause brings its values in order.
    let mut push = |clause: &str, values: Vec<Value>, args: &mut Vec<Value>| {
        clauses.push(clause.to_owned());
        args.extend(values);
    };
    if let Visible::Hromadas(list) = &q.visible {
        if list.is_empty() {
            return None;
        }
        let marks = vec!["?"; list.len()].join(", ");
        push(&format!("hromada IN ({marks})"), list.iter().cloned().map(Value::Text).collect(), &mut args);
    }
    if let Some(s) = q.status {
        push("status_number = ?", vec![Value::Integer(i64::from(s))], &mut args);
    }
    if let Some(s) = &q.service {
        push("EXISTS (SELECT 1 FROM json_each(services) WHERE value = ?)", vec![Value::Text(s.clone())], &mut args);
    }
    if let Some(h) = &q.hromada {
        push("hromada = ?", vec![Value::Text(h.clone())], &mut args);
    }
    if let Some(d) = &q.district {
        push("district = ?", vec![Value::Text(d.clone())], &mut args);
    }
    if let Some(c) = q.complete {
        push("package_complete = ?", vec![Value::Integer(i64::from(c))], &mut args);
    }
    if let Some(f) = q.created_from {
        push("created_at >= ?", vec![Value::Integer(f)], &mut args);
    }
    if let Some(t) = q.created_to {
        push("created_at <= ?", vec![Value::Integer(t)], &mut args);
    }
    match &q.search {
        Some(Search::Rnokpp(r)) => push("rnokpp = ?", vec![Value::Text(r.clone())], &mut args),
        Some(Search::NamePrefix(p)) => {
            let p = like_escape(p);
            let values = vec![Value::Text(format!("{p}%")), Value::Text(format!("% {p}%"))];
            push("(search_name LIKE ? ESCAPE '\\' OR search_name LIKE ? ESCAPE '\\')", values, &mut args);
        }
        None => {}
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    Some((sql, args))
}

fn entry(r: &Row<'_>) -> rusqlite::Result<(JournalEntry, String)> {
    let row = JournalRow {
        id: r.get(0)?,
        number: r.get(1)?,
        hromada: r.get(2)?,
        district: r.get(3)?,
        applicant: r.get(4)?,
        services: Vec::new(),
        status_number: r.get(6)?,
        status: r.get(7)?,
        conflict: r.get(8)?,
        package_complete: r.get(9)?,
        created_at: r.get(10)?,
    };
    Ok((JournalEntry { row, updated_at: r.get(11)?, rnokpp: r.get(12)? }, r.get(5)?))
}

/// One page of the rows matching `q`, newest case first, with the total count.
pub(crate) fn page(conn: &Connection, q: &JournalQuery) -> Result<JournalPage, StoreError> {
    let Some((filter, args)) = filters(q) else { return Ok(JournalPage { total: 0, rows: Vec::new() }) };
    let total: i64 = conn
        .prepare(&format!("SELECT COUNT(*) FROM journal {filter}"))?
        .query_row(params_from_iter(&args), |r| r.get(0))?;
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let sql = format!(
        "SELECT case_id, number, hromada, district, applicant, services, status_number, status, conflict,
                package_complete, created_at, updated_at, rnokpp
         FROM journal {filter} ORDER BY created_at DESC, case_id LIMIT {limit} OFFSET {}",
        q.offset
    );
    let mut stmt = conn.prepare(&sql)?;
    let found = stmt.query_map(params_from_iter(&args), entry)?.collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::with_capacity(found.len());
    for (mut e, services) in found {
        e.row.services = serde_json::from_str(&services)
            .map_err(|err| StoreError::Corrupt { what: format!("journal services: {err}") })?;
        rows.push(e);
    }
    Ok(JournalPage { total: u64::try_from(total).unwrap_or(0), rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_in_a_search_are_literal() {
        assert_eq!(like_escape("a%b_c\\"), "a\\%b\\_c\\\\");
    }

    #[test]
    fn every_value_has_its_placeholder() {
        let q = JournalQuery {
            visible: Visible::Hromadas(vec!["h1".into(), "h2".into()]),
            status: Some(3),
            search: Search::parse("Коваль"),
            ..JournalQuery::default()
        };
        let (sql, args) = filters(&q).expect("some filter");
        assert!(sql.contains("hromada IN (?, ?)") && sql.contains("status_number = ?"), "{sql}");
        assert_eq!(sql.matches('?').count(), 5, "{sql}");
        assert_eq!(args.len(), 5);
        let none = JournalQuery { visible: Visible::Hromadas(Vec::new()), ..JournalQuery::default() };
        assert!(filters(&none).is_none());
    }
}
