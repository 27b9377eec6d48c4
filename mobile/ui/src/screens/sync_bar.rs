//! The sync status, always visible: last sync, what waits to be sent, progress, offline.

use dioxus::prelude::*;
use keis_crdt::validate::Date;
use keis_mobile::case_list::Lang;

use crate::app::{DataVersion, Tick};
use crate::i18n::{T, count, tr, use_lang};
use crate::services::{Services, SyncStatus};

const OFFLINE: T = T("Офлайн", "Offline");
const NEVER: T = T("Ще не синхронізовано", "Never synced");
const ALL_SENT: T = T("Усе надіслано", "Everything sent");
const SYNC_NOW: T = T("Синхронізувати", "Sync now");
const REFRESH: T = T("Оновити стан", "Refresh status");

/// "2026-11-23 19:40 UTC" for a time in ms since 1970.
pub fn format_time(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    let date = Date::from_days_since_epoch(days).map_or_else(|| "?".to_owned(), |d| d.to_string());
    format!("{date} {:02}:{:02} UTC", minutes / 60, minutes % 60)
}

/// A byte count for people: "1,2 МБ" / "1.2 MB".
pub fn format_bytes(bytes: u64, lang: Lang) -> String {
    let (value, unit) = match bytes {
        b if b >= 1 << 20 => (b as f64 / f64::from(1u32 << 20), T("МБ", "MB")),
        b if b >= 1 << 10 => (b as f64 / 1024.0, T("КБ", "KB")),
        b => (b as f64, T("Б", "B")),
    };
    let n = if value >= 10.0 || unit.0 == "Б" { format!("{value:.0}") } else { format!("{value:.1}") };
    let n = if lang == Lang::Uk { n.replace('.', ",") } else { n };
    format!("{n} {}", unit.get(lang))
}

fn pending_text(s: &SyncStatus, l: Lang) -> String {
    if s.pending_changes == 0 {
        return ALL_SENT.get(l).to_owned();
    }
    let size = format_bytes(s.pending_bytes, l);
    let n = count(u64::from(s.pending_changes), l, ["зміна", "зміни", "змін"], ["change", "changes"]);
    tr(l, format!("Не надіслано: {n} ({size})"), format!("Not sent: {n} ({size})"))
}

/// The sync bar at the top of every screen after unlock.
#[component]
pub fn SyncBar() -> Element {
    let services = use_context::<Services>();
    let data = use_context::<DataVersion>();
    let l = use_lang()();
    let tick = use_context::<Tick>();
    let _ = (tick.0)();
    let _ = (data.0)();
    let status = services.sync.status();
    // A sync that finished since the last look may have brought changes: the lists read
    // the cases again.
    let mut seen_sync = use_signal(|| status.last_sync_ms);
    use_effect(use_reactive((&status.last_sync_ms,), move |(last,)| {
        if *seen_sync.peek() != last {
            seen_sync.set(last);
            data.bump();
        }
    }));
    let mut error = use_signal(|| None::<String>);
    let last = status.last_sync_ms.map_or_else(
        || NEVER.get(l).to_owned(),
        |ms| tr(l, format!("Остання синхронізація: {}", format_time(ms)), format!("Last sync: {}", format_time(ms))),
    );
    let sync = services.sync.clone();
    rsx! {
        section { id: "sync-status", class: "sync-bar", role: "status", aria_live: "polite",
            if status.offline {
                span { id: "sync-offline", class: "badge offline", {OFFLINE.get(l)} }
            }
            span { id: "sync-last", class: "sync-last", {last} }
            span { id: "sync-pending", class: if status.pending_changes > 0 { "sync-pending waiting" } else { "sync-pending" },
                {pending_text(&status, l)}
            }
            if let Some(p) = status.progress {
                label { r#for: "sync-progress", class: "sync-progress-label",
                    {tr(l, format!("Синхронізація… {:.0}%", p * 100.0), format!("Syncing… {:.0}%", p * 100.0))}
                }
                progress { id: "sync-progress", max: "100", value: "{(p * 100.0).round()}" }
            }
            if let Some(e) = error() {
                span { id: "sync-error", class: "error", role: "alert", {e} }
            }
            button {
                id: "sync-now",
                r#type: "button",
                disabled: status.progress.is_some(),
                onclick: move |_| {
                    error.set(sync.sync_now().err().map(|e| e.message(l).to_owned()));
                    tick.bump();
                },
                {SYNC_NOW.get(l)}
            }
            button {
                id: "sync-refresh",
                class: "secondary",
                r#type: "button",
                aria_label: REFRESH.get(l),
                onclick: move |_| tick.bump(),
                "⟳"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_well() {
        assert_eq!(format_time(1_763_900_000_000), "2025-11-23 12:13 UTC");
        assert_eq!(format_bytes(1_300_000, Lang::Uk), "1,2 МБ");
        assert_eq!(format_bytes(1_300_000, Lang::En), "1.2 MB");
        assert_eq!(format_bytes(512, Lang::En), "512 B");
        assert_eq!(format_bytes(20_480, Lang::Uk), "20 КБ");
    }
}
