//! Fake services: a PIN check with an attempt counter, cases in memory (the demo cases),
//! a sync status the test sets, a card reader and a camera that return fictional data.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::rc::Rc;
use std::task::{Poll, Waker};

use automerge::ActorId;
use keis_crdt::validate::Date;
use keis_crdt::{Action, CaseDoc, Catalogue, Position, demo};
use keis_device::signature::DeviceKey;
use keis_mobile::case_list::Lang;
use keis_mobile::signing::render_pad;
use keis_mobile::views::application::{Opening, Signing, create_case};
use keis_mobile::views::detail::CaseDetail;
use keis_mobile::views::journal::JournalRow;
use keis_mobile::views::wizard::{ChipData, NewApplication, Scan};
use keis_ui::{
    Access, CameraService, Capture, CaseService, ChipAccess, ChipService, Enrolment, Later, ServiceError, Services,
    Session, SyncService, SyncStatus, UnlockError,
};

pub const PIN: &str = "482916";

pub struct FakeSession {
    pub remaining: Cell<u32>,
    pub positions: Vec<Position>,
    pub locked: Cell<bool>,
    /// No store on the device (first start or wiped) until `create`.
    pub absent: Cell<bool>,
    /// Where enrolment stands; `None`: approved, unlocking gives the positions.
    pub enrolment: RefCell<Option<Enrolment>>,
    /// Whether the administrator has approved the pending device.
    pub approved: Cell<bool>,
    /// What `check_approval` fails with instead (the server unreachable, say).
    pub server_error: RefCell<Option<String>>,
    /// Holds the server's answers to enrol and check until opened.
    pub gate: RefCell<Option<Gate>>,
    /// How many times the server was asked about the approval.
    pub checks: Cell<u32>,
    /// The user's taps and keys seen.
    pub touches: Cell<u32>,
    /// Whether the inactivity time has passed.
    pub idle: Cell<bool>,
}

/// An answer held until the test opens the gate, as a slow network holds it.
#[derive(Clone, Default)]
pub struct Gate(Rc<RefCell<(bool, Option<Waker>)>>);

impl Gate {
    pub fn open(&self) {
        let mut g = self.0.borrow_mut();
        g.0 = true;
        if let Some(w) = g.1.take() {
            w.wake();
        }
    }

    async fn passed(self) {
        std::future::poll_fn(|cx| {
            let mut g = self.0.borrow_mut();
            if g.0 {
                Poll::Ready(())
            } else {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
    }
}

impl FakeSession {
    /// `answer`, after the gate if one is set.
    fn later<T: 'static, E: 'static>(&self, answer: Result<T, E>) -> Later<T, E> {
        let gate = self.gate.borrow().clone();
        Box::pin(async move {
            if let Some(g) = gate {
                g.passed().await;
            }
            answer
        })
    }

    fn access(&self) -> Access {
        match self.enrolment.borrow().clone() {
            Some(e) => Access::Enrol(e),
            None => Access::Positions(self.positions.clone()),
        }
    }
}

impl Session for FakeSession {
    fn needs_setup(&self) -> bool {
        self.absent.get()
    }

    fn create(&self, pin: &str) -> Later<Enrolment> {
        let answer = if let Err(e) = keis_mobile::store::check_new_pin(pin) {
            Err(err(e))
        } else if !self.absent.get() {
            Err(err("сховище вже існує / a store already exists"))
        } else {
            self.absent.set(false);
            self.locked.set(false);
            let e = Enrolment::NotEnrolled { server: "http://hromada.example:8080".into() };
            *self.enrolment.borrow_mut() = Some(e.clone());
            Ok(e)
        };
        self.later(answer)
    }

    fn unlock(&self, pin: &str) -> Later<Access, UnlockError> {
        let answer = if self.remaining.get() == 0 {
            Err(UnlockError::TooManyAttempts { retry_after_s: 30 })
        } else if pin != PIN {
            self.remaining.set(self.remaining.get() - 1);
            Err(UnlockError::WrongPin { remaining: self.remaining.get() })
        } else {
            self.locked.set(false);
            Ok(self.access())
        };
        self.later(answer)
    }

    fn enrol(&self, server: &str, name: &str) -> Later<Enrolment> {
        let answer = if server.starts_with("http://") {
            assert!(!name.is_empty() && !self.locked.get());
            let e = Enrolment::Pending {
                server: server.into(),
                device_id: "dev-0001".into(),
                approval_code: "123-456-789".into(),
            };
            *self.enrolment.borrow_mut() = Some(e.clone());
            Ok(e)
        } else {
            Err(err(format!("некоректна адреса сервера {server} / bad server address {server}")))
        };
        self.later(answer)
    }

    fn check_approval(&self) -> Later<Access> {
        self.checks.set(self.checks.get() + 1);
        let answer = match self.server_error.borrow().clone() {
            Some(e) => Err(err(e)),
            None => {
                if self.approved.get() {
                    *self.enrolment.borrow_mut() = None;
                }
                Ok(self.access())
            }
        };
        self.later(answer)
    }

    fn lock(&self) {
        self.locked.set(true);
    }

    fn touch(&self) {
        self.touches.set(self.touches.get() + 1);
    }

    fn idle(&self) -> bool {
        self.idle.get()
    }
}

pub struct FakeCases {
    pub docs: RefCell<Vec<CaseDoc>>,
    pub unsynced: RefCell<BTreeSet<String>>,
    pub catalogue: Catalogue,
    pub created: RefCell<Vec<NewApplication>>,
    /// Rows without a document behind them, for long lists.
    pub extra_rows: RefCell<Vec<JournalRow>>,
    /// Cases whose changes the server refused, with its reason.
    pub refused: RefCell<std::collections::BTreeMap<String, String>>,
    /// Thumbnails by page digest; a page not here is not on the device.
    pub thumbnails: RefCell<std::collections::BTreeMap<String, String>>,
    /// How many thumbnails were asked for.
    pub thumbnail_requests: Cell<u32>,
}

fn err(e: impl ToString) -> ServiceError {
    ServiceError(e.to_string())
}

impl CaseService for FakeCases {
    fn rows(&self, lang: Lang) -> Vec<JournalRow> {
        let (unsynced, refused) = (self.unsynced.borrow(), self.refused.borrow());
        self.docs
            .borrow()
            .iter()
            .map(|d| {
                let mut row = JournalRow::from_doc(d, &self.catalogue, lang, unsynced.contains(&d.case().id));
                row.refused = refused.contains_key(&d.case().id);
                row
            })
            .chain(self.extra_rows.borrow().iter().cloned())
            .collect()
    }

    fn detail(&self, case_id: &str, lang: Lang) -> Result<CaseDetail, ServiceError> {
        let docs = self.docs.borrow();
        let doc = docs.iter().find(|d| d.case().id == case_id).ok_or_else(|| err("немає справи / no such case"))?;
        let mut detail = CaseDetail::new(doc, &self.catalogue, lang);
        detail.refused = self.refused.borrow().get(case_id).cloned();
        Ok(detail)
    }

    fn printable(&self, case_id: &str, lang: Lang) -> Result<String, ServiceError> {
        let docs = self.docs.borrow();
        let doc = docs.iter().find(|d| d.case().id == case_id).ok_or_else(|| err("немає справи / no such case"))?;
        Ok(keis_ui::print::application_html(doc.case(), &self.catalogue, lang))
    }

    fn create_application(&self, app: &NewApplication, by: &Position) -> Result<String, ServiceError> {
        let n = self.docs.borrow().len() + 1;
        let (id, number) = (format!("new-{n}"), format!("2026-N{n:05}"));
        let opening =
            Opening { id: &id, number: &number, hromada: demo::HROMADA, district: Some(demo::DISTRICT), at: 1 };
        let png = render_pad(&app.signature).map_err(err)?;
        let key = DeviceKey::generate(&ring::rand::SystemRandom::new()).map_err(err)?;
        let signing = Signing { png: &png, key: &key };
        let (doc, refused) =
            create_case(ActorId::from(b"fake".as_slice()), app, &opening, by, &self.catalogue, signing).map_err(err)?;
        self.docs.borrow_mut().push(doc);
        self.unsynced.borrow_mut().insert(id.clone());
        self.created.borrow_mut().push(app.clone());
        match refused {
            Some(e) => Err(err(e)),
            None => Ok(id),
        }
    }

    fn act(&self, case_id: &str, by: &Position, action: Action, comment: &str) -> Result<(), ServiceError> {
        let mut docs = self.docs.borrow_mut();
        let doc = docs.iter_mut().find(|d| d.case().id == case_id).ok_or_else(|| err("немає справи / no such case"))?;
        doc.act(by, action, comment, 10_000_000, &self.catalogue).map_err(err)?;
        self.unsynced.borrow_mut().insert(case_id.to_owned());
        Ok(())
    }

    fn add_note(&self, case_id: &str, by: &Position, kind: &str, text: &str) -> Result<(), ServiceError> {
        let mut docs = self.docs.borrow_mut();
        let doc = docs.iter_mut().find(|d| d.case().id == case_id).ok_or_else(|| err("немає справи / no such case"))?;
        keis_mobile::views::notes::add_note(doc, by, kind, text, 1_763_900_000_000).map(|_| ()).map_err(err)
    }

    fn thumbnail(&self, sha256: &str) -> Later<Option<String>> {
        self.thumbnail_requests.set(self.thumbnail_requests.get() + 1);
        Box::pin(std::future::ready(Ok(self.thumbnails.borrow().get(sha256).cloned())))
    }
}

#[derive(Default)]
pub struct FakeSync {
    pub status: RefCell<SyncStatus>,
    pub requests: Cell<u32>,
}

impl SyncService for FakeSync {
    fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    fn sync_now(&self) -> Result<(), ServiceError> {
        self.requests.set(self.requests.get() + 1);
        let mut s = self.status.borrow_mut();
        if s.offline {
            return Err(err(
                "немає зв'язку; зміни збережено й буде надіслано пізніше / no connection; changes are kept and will be sent later",
            ));
        }
        s.progress = Some(0.0);
        Ok(())
    }
}

pub struct FakeChip;

/// The CAN the fake card answers to.
pub const CAN: &str = "123456";

impl ChipService for FakeChip {
    fn read(&self, access: &ChipAccess) -> Later<ChipData> {
        let answer = match access {
            ChipAccess::Can(c) if c == CAN => Ok(ChipData {
                person: demo::person(11, Date::new(1985, 3, 14).expect("date")),
                photo: Some("data:image/png;base64,iVBORw0KGgo=".into()),
                verified: true,
                verdict: "Дані з чипа автентичні / The chip data is authentic".into(),
                access: "PACE".into(),
                outcome: "passed".into(),
            }),
            _ => Err(err("невірний CAN: перевірте 6 цифр на картці / wrong CAN: check the 6 digits on the card")),
        };
        Box::pin(std::future::ready(answer))
    }
}

#[derive(Default)]
pub struct FakeCamera {
    pub shots: Cell<u32>,
    /// The next press opens the camera as its own app (as on a tablet) instead.
    pub opens_first: Cell<bool>,
    /// The next press fails with this message.
    pub fail_next: RefCell<Option<String>>,
    /// Files chosen; one named `broken.*` is refused as the pipeline would.
    pub imported: RefCell<Vec<PathBuf>>,
}

impl CameraService for FakeCamera {
    fn capture(&self) -> Later<Capture> {
        let answer = if let Some(e) = self.fail_next.take() {
            Err(err(e))
        } else if self.opens_first.replace(false) {
            Ok(Capture::Opened)
        } else {
            let n = self.shots.get() + 1;
            self.shots.set(n);
            Ok(Capture::Page(Scan {
                id: format!("scan-{n}"),
                sha256: format!("{n:064x}"),
                mime: "image/jpeg".into(),
                size: 50_000,
                thumbnail: format!("data:image/png;base64,T{n}"),
                document: None,
            }))
        };
        Box::pin(std::future::ready(answer))
    }

    fn import(&self, paths: Vec<PathBuf>) -> Later<Vec<Result<Scan, ServiceError>>> {
        let taken = paths
            .into_iter()
            .map(|path| {
                let refused = path.file_stem().is_some_and(|s| s == "broken");
                self.imported.borrow_mut().push(path);
                if refused {
                    return Err(err("файл пошкоджено / the file is damaged"));
                }
                let n = self.imported.borrow().len();
                Ok(Scan {
                    id: format!("file-{n}"),
                    sha256: format!("f{n:063x}"),
                    mime: "image/png".into(),
                    size: 40_000,
                    thumbnail: format!("data:image/png;base64,F{n}"),
                    document: None,
                })
            })
            .collect();
        Box::pin(std::future::ready(Ok(taken)))
    }
}

/// The fakes, kept by the test to look into.
pub struct World {
    pub session: Rc<FakeSession>,
    pub cases: Rc<FakeCases>,
    pub sync: Rc<FakeSync>,
    pub camera: Rc<FakeCamera>,
}

impl World {
    /// A device with `n` demo cases and the demo positions.
    pub fn new(n: u32) -> Self {
        let catalogue = Catalogue::embedded().expect("catalogue");
        let docs = (1..=n).map(|i| demo::application(ActorId::from(b"seed".as_slice()), i, 0).expect("demo")).collect();
        Self {
            session: Rc::new(FakeSession {
                remaining: Cell::new(5),
                positions: demo::positions(),
                locked: Cell::new(true),
                absent: Cell::new(false),
                enrolment: RefCell::new(None),
                approved: Cell::new(false),
                server_error: RefCell::new(None),
                gate: RefCell::new(None),
                checks: Cell::new(0),
                touches: Cell::new(0),
                idle: Cell::new(false),
            }),
            cases: Rc::new(FakeCases {
                docs: RefCell::new(docs),
                unsynced: RefCell::default(),
                catalogue,
                created: RefCell::default(),
                extra_rows: RefCell::default(),
                refused: RefCell::default(),
                thumbnails: RefCell::default(),
                thumbnail_requests: Cell::default(),
            }),
            sync: Rc::new(FakeSync::default()),
            camera: Rc::new(FakeCamera::default()),
        }
    }

    pub fn services(&self) -> Services {
        Services {
            session: self.session.clone(),
            cases: self.cases.clone(),
            sync: self.sync.clone(),
            chip: Rc::new(FakeChip),
            camera: self.camera.clone(),
            catalogue: Rc::new(self.cases.catalogue.clone()),
        }
    }
}
