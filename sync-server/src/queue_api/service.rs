//! [`QueueService`]: the live queue of each office for today, behind a mutex.
//!
//! Every command runs on the day ([`QueueDay`]), then its new events (and the booking
//! book, if it changed) are committed to the [`QueueStore`]; only then is the answer
//! given and the change published. If the commit fails, the day is rebuilt from the
//! events before the command and the book restored, so memory never runs ahead of the
//! disk. A change is published as a new [`Snapshot`] on a `watch` channel: the hall view
//! as JSON and the day's calls, which the live stream ([`super::sse`]) sends on.
//!
//! The day follows the office's local date: the first command or tick after midnight
//! closes yesterday's queue if it is still open, and opens (or, after a restart, replays)
//! today's. A tick task calls [`QueueService::tick`] every `tick_interval`.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{Mutex, watch};

use super::clock::{Clock, OfficeZone, days_before};
use super::dto::{CallOut, HallView};
use super::error::ApiError;
use super::store::QueueStore;
use crate::queue::{BookingBook, Date, DayPlan, Office, QueueDay, QueueError, QueueEvent, Timestamp};

/// What the live stream of an office sends from: published after every change.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub date: Date,
    /// The last event of the day (0 on a day the office is closed).
    pub seq: u64,
    /// The [`HallView`] as JSON, serialised once for every client.
    pub hall_json: Arc<str>,
    /// The day's latest calls (at most [`RECENT_CALLS`]), in order of `seq`.
    pub calls: Arc<Vec<CallOut>>,
}

/// How many of the day's latest calls a [`Snapshot`] carries. A display that falls
/// further behind between two reads (or reconnects after more calls than this) still gets
/// the hall, but not a chime for each call it missed.
pub const RECENT_CALLS: usize = 256;

/// The state of one office: today's queue (none on a day it is closed) and its book.
pub(crate) struct Live {
    pub(crate) date: Date,
    pub(crate) day: Option<QueueDay>,
    pub(crate) book: BookingBook,
}

/// One office's queue.
pub(crate) struct OfficeQueue {
    pub(crate) office: Office,
    pub(crate) live: Mutex<Live>,
    snapshot: watch::Sender<Arc<Snapshot>>,
}

impl OfficeQueue {
    /// Publishes the state of `day` to the live streams.
    fn publish(&self, date: Date, day: Option<&QueueDay>) {
        let prev = self.snapshot.borrow().clone();
        self.snapshot.send_replace(Arc::new(snapshot_of(&self.office, date, day, Some(&prev))));
    }
}

/// The queue service of a server: its offices, clock, time zone and store.
pub struct QueueService {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) zone: OfficeZone,
    pub(crate) store: Arc<dyn QueueStore>,
    pub(crate) offices: BTreeMap<String, OfficeQueue>,
    stopping: watch::Sender<bool>,
}

impl std::fmt::Debug for QueueService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueService")
            .field("offices", &self.offices.keys().collect::<Vec<_>>())
            .field("zone", &self.zone.name())
            .finish_non_exhaustive()
    }
}

/// The snapshot of `day`, continuing the calls of `prev` (the last one published) so that
/// only the calls made since are built.
fn snapshot_of(office: &Office, date: Date, day: Option<&QueueDay>, prev: Option<&Snapshot>) -> Snapshot {
    let hall = HallView::of(office, day);
    let kept = prev.filter(|p| p.date == date).map(|p| p.calls.as_slice()).unwrap_or_default();
    let calls = match day {
        Some(d) => {
            let after = kept.last().map_or(0, |c| c.seq);
            let new: Vec<CallOut> = d.calls_since(after).into_iter().map(|n| CallOut::of(d, n)).collect();
            let skip = (kept.len() + new.len()).saturating_sub(RECENT_CALLS);
            kept.iter().cloned().chain(new).skip(skip).collect()
        }
        None => Vec::new(),
    };
    Snapshot {
        date,
        seq: hall.seq,
        hall_json: serde_json::to_string(&hall).unwrap_or_else(|_| "{}".into()).into(),
        calls: Arc::new(calls),
    }
}

impl QueueService {
    /// Opens the service over `store` for `offices` (each checked), bringing today's queue
    /// of each back from its log. `tick_interval`: how often a background task runs
    /// [`tick`](Self::tick) (`None`: never; tests then call it themselves). Needs a tokio
    /// runtime.
    pub async fn open(
        offices: Vec<Office>,
        zone: OfficeZone,
        clock: Arc<dyn Clock>,
        store: Arc<dyn QueueStore>,
        tick_interval: Option<Duration>,
    ) -> Result<Arc<Self>, ApiError> {
        let today = zone.date_of(clock.now());
        let mut map = BTreeMap::new();
        for office in offices {
            office.validate()?;
            let book = store.bookings(&office.id).await?.unwrap_or_default();
            let empty = snapshot_of(&office, today, None, None);
            let q = OfficeQueue {
                live: Mutex::new(Live { date: Date::new(0, 1, 1), day: None, book }),
                snapshot: watch::Sender::new(Arc::new(empty)),
                office,
            };
            map.insert(q.office.id.clone(), q);
        }
        let service = Arc::new(Self { clock, zone, store, offices: map, stopping: watch::Sender::new(false) });
        for q in service.offices.values() {
            service.close_stale_days(q, today).await?;
            let mut live = q.live.lock().await;
            service.ensure_today(q, &mut live, service.clock.now()).await?;
        }
        if let Some(every) = tick_interval {
            tokio::spawn(tick_task(Arc::downgrade(&service), every));
        }
        tracing::info!(offices = ?service.offices.keys().collect::<Vec<_>>(), zone = service.zone.name(), "queue open");
        Ok(service)
    }

    /// The ids of the offices served.
    pub fn office_ids(&self) -> Vec<String> {
        self.offices.keys().cloned().collect()
    }

    pub(crate) fn office(&self, id: &str) -> Result<&OfficeQueue, ApiError> {
        self.offices.get(id).ok_or(ApiError::UnknownOffice)
    }

    /// The service's clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn zone(&self) -> &OfficeZone {
        &self.zone
    }

    /// The live changes of office `id`.
    pub fn subscribe(&self, id: &str) -> Result<watch::Receiver<Arc<Snapshot>>, ApiError> {
        Ok(self.office(id)?.snapshot.subscribe())
    }

    /// Tells live streams to end (before a graceful shutdown, which waits for them).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub(crate) fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// The plan of `date` for `office`, in the service's time zone.
    pub(crate) fn plan(&self, office: &Office, date: Date) -> Option<DayPlan> {
        office.plan(date, self.zone.midnight(date)?)
    }

    /// Closes the days of the week before `today` that were left open (the server was
    /// down at closing time): their waiting and postponed tickets are cancelled.
    async fn close_stale_days(&self, q: &OfficeQueue, today: Date) -> Result<(), ApiError> {
        let (Some(from), Some(to)) = (days_before(today, 7), days_before(today, 1)) else { return Ok(()) };
        let events = self.store.days(&q.office.id, from, to).await?;
        let mut logs: Vec<Vec<QueueEvent>> = Vec::new();
        for ev in events {
            match logs.last_mut() {
                Some(log) if ev.seq != 1 => log.push(ev),
                _ => logs.push(vec![ev]),
            }
        }
        for log in logs {
            let mut day = QueueDay::replay(log)?;
            if day.is_closed() {
                continue;
            }
            let before = day.events().len();
            day.tick(day.plan().closes.max(last_at(&day)))?;
            let new = day.events().get(before..).unwrap_or_default();
            self.store.commit(&q.office.id, day.plan().date, new, None).await?;
            tracing::info!(office = %q.office.id, date = %day.plan().date, "a queue day left open was closed");
        }
        Ok(())
    }

    /// Makes `live` today's: closes the old day if still open, replays or opens today's.
    async fn ensure_today(&self, q: &OfficeQueue, live: &mut Live, now: Timestamp) -> Result<(), ApiError> {
        let date = self.zone.date_of(now);
        if live.date == date {
            return Ok(());
        }
        if let Some(old) = live.day.as_mut().filter(|d| !d.is_closed()) {
            let before = old.events().len();
            let at = now.max(old.plan().closes).max(last_at(old));
            if let Err(e) = old.tick(at) {
                tracing::warn!(error = %e, "yesterday's queue could not be closed");
            }
            let new = old.events().get(before..).unwrap_or_default();
            if let Err(e) = self.store.commit(&q.office.id, old.plan().date, new, None).await {
                tracing::warn!(error = %e, "the close of yesterday's queue was not stored");
            }
        }
        let stored = self.store.day(&q.office.id, date).await?;
        let day = if stored.is_empty() {
            match self.plan(&q.office, date) {
                Some(plan) => {
                    let day = QueueDay::open(q.office.clone(), plan, now)?;
                    self.store.commit(&q.office.id, date, day.events(), None).await?;
                    Some(day)
                }
                None => None,
            }
        } else {
            Some(QueueDay::replay(stored)?)
        };
        tracing::info!(office = %q.office.id, %date, open = day.is_some(), "queue day");
        live.day = day;
        live.date = date;
        q.publish(date, live.day.as_ref());
        Ok(())
    }

    /// Runs a command on today's queue of office `id`, durably. `f` gets the day, the
    /// book and the time; `touches_book` says whether to save the book with the events.
    pub(crate) async fn run<T>(
        &self,
        id: &str,
        touches_book: bool,
        f: impl FnOnce(&mut QueueDay, &mut BookingBook, Timestamp) -> Result<T, QueueError>,
    ) -> Result<T, ApiError> {
        let q = self.office(id)?;
        let mut live = q.live.lock().await;
        let now = self.clock.now();
        self.ensure_today(q, &mut live, now).await?;
        let Live { day, book, date } = &mut *live;
        let Some(day) = day.as_mut() else { return Err(QueueError::OutsideHours.into()) };
        let now = now.max(last_at(day));
        let before = day.events().len();
        let saved_book = touches_book.then(|| book.clone());
        let result = f(day, book, now);
        let new = day.events().get(before..).unwrap_or_default();
        let book_changed = saved_book.as_ref().is_some_and(|b| b != book);
        if new.is_empty() && !book_changed {
            return Ok(result?);
        }
        if let Err(e) = self.store.commit(id, *date, new, book_changed.then_some(&*book)).await {
            let kept = day.events().get(..before).unwrap_or_default().to_vec();
            *day = QueueDay::replay(kept)?;
            if let Some(b) = saved_book {
                *book = b;
            }
            return Err(e.into());
        }
        q.publish(*date, Some(day));
        Ok(result?)
    }

    /// Runs `f` on the booking book of office `id` (bookings of any day), durably.
    pub(crate) async fn run_book<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Office, &mut BookingBook, Timestamp) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let q = self.office(id)?;
        let mut live = q.live.lock().await;
        let now = self.clock.now();
        self.ensure_today(q, &mut live, now).await?;
        let saved = live.book.clone();
        let result = f(&q.office, &mut live.book, now)?;
        if live.book != saved {
            let date = live.date;
            if let Err(e) = self.store.commit(id, date, &[], Some(&live.book)).await {
                live.book = saved;
                return Err(e.into());
            }
        }
        Ok(result)
    }

    /// Reads today's state of office `id` (after moving to a new day if the date changed).
    pub(crate) async fn read<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Office, &Live, Timestamp) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let q = self.office(id)?;
        let mut live = q.live.lock().await;
        let now = self.clock.now();
        self.ensure_today(q, &mut live, now).await?;
        f(&q.office, &live, now)
    }

    /// What the clock decides now, for every office: a called visitor who did not come
    /// is postponed and the next one called; at closing time the day ends; after midnight
    /// a new day starts. Answers how many events were recorded.
    pub async fn tick(&self) -> Result<usize, ApiError> {
        let mut n = 0;
        for id in self.offices.keys() {
            n += self
                .run(id, false, |day, _, now| day.tick(now).map(|e| e.len()))
                .await
                .or_else(|e| if matches!(e, ApiError::Queue(QueueError::OutsideHours)) { Ok(0) } else { Err(e) })?;
        }
        Ok(n)
    }
}

fn last_at(day: &QueueDay) -> Timestamp {
    day.events().last().map_or(Timestamp(i64::MIN), |e| e.at)
}

async fn tick_task(service: Weak<QueueService>, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(s) = service.upgrade() else { return };
        if *s.stopping.borrow() {
            return;
        }
        if let Err(e) = s.tick().await {
            tracing::warn!(error = %e, "queue tick failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::{Actor, IssueRequest};
    use crate::queue_api::office::load_office;

    /// A snapshot built call by call equals one built from the whole day, and keeps only
    /// the latest [`RECENT_CALLS`] calls, in order.
    #[test]
    fn snapshots_continue_the_calls_and_keep_the_latest() {
        let office = load_office(None).expect("demo office");
        let zone = OfficeZone::kyiv();
        let date = Date::new(2026, 11, 23);
        let plan = office.plan(date, zone.midnight(date).expect("midnight")).expect("open on Monday");
        let mut at = plan.opens;
        let mut day = QueueDay::open(office.clone(), plan, at).expect("open");
        let op = Actor::position("desk-1");
        day.sign_in(1, "desk-1", "Оператор 1", at).expect("sign in");
        let mut snap = snapshot_of(&office, date, Some(&day), None);
        for _ in 0..RECENT_CALLS + 40 {
            at = at.plus_ms(1000);
            day.issue(IssueRequest::kiosk("subsidy"), Actor::System, at).expect("issue");
            let t = day.call_next(1, op.clone(), at).expect("call").expect("a ticket waits");
            snap = snapshot_of(&office, date, Some(&day), Some(&snap));
            day.start_serving(t, op.clone(), at).expect("serve");
            day.finish(t, op.clone(), at).expect("finish");
            snap = snapshot_of(&office, date, Some(&day), Some(&snap));
        }
        let whole = snapshot_of(&office, date, Some(&day), None);
        assert_eq!(snap, whole);
        assert_eq!(snap.calls.len(), RECENT_CALLS);
        assert!(snap.calls.windows(2).all(|w| w[0].seq < w[1].seq));
        let all = day.calls_since(0);
        assert_eq!(snap.calls.last().map(|c| c.seq), all.last().map(|c| c.seq));
        assert_eq!(snap.calls.first().map(|c| c.seq), all.get(all.len() - RECENT_CALLS).map(|c| c.seq));
        assert!(snap.calls.iter().all(|c| c.service_name_uk == "Житлові субсидії"));
    }
}
