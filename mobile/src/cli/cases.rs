//! `keis case …` and `keis submit`: cases in the store and the workflow's first step.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use automerge::ActorId;
use clap::Subcommand;
use keis_crdt::catalogue::Catalogue;
use keis_crdt::model::{CaseKind, Person, RecordMap, RequestedService};
use keis_crdt::workflow::Action;
use keis_crdt::{CaseDoc, NewCase, Position, Role, Scope};
use keis_mobile::store::Store;
use keis_mobile::sync::Identity;
use ring::rand::SecureRandom;
use serde::Deserialize;

use super::now_ms;

#[derive(Debug, Subcommand)]
pub(crate) enum CaseCommand {
    /// Opens a new application, from flags or a JSON file.
    New(Box<NewArgs>),
    /// Lists the cases on this device.
    List,
    /// Shows one case as JSON.
    Show { id: String },
}

#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// A requested service code (repeat for several).
    #[arg(long = "service", value_name = "CODE")]
    services: Vec<String>,
    #[arg(long)]
    surname: Option<String>,
    #[arg(long)]
    given_name: Option<String>,
    #[arg(long)]
    patronymic: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    birth_date: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// KATOTTG of the hromada; default: the position's.
    #[arg(long)]
    hromada: Option<String>,
    #[arg(long)]
    district: Option<String>,
    /// The creating position: an id from the last session, or ID:ROLE:SCOPE.
    #[arg(long, value_name = "POS")]
    position: Option<String>,
    /// A JSON file `{services, applicant: {surname, given_name, …}, hromada, district}`;
    /// flags given as well win.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewCaseFile {
    services: Vec<String>,
    applicant: Person,
    hromada: Option<String>,
    district: Option<String>,
}

/// The acting position: `ID:ROLE:SCOPE`, or the id of a position the last session carried;
/// with none given, the first of those.
pub(crate) fn position(store: &mut Store, spec: Option<&str>) -> Result<Position> {
    if let Some(s) = spec {
        let mut parts = s.splitn(3, ':');
        if let (Some(id), Some(role), Some(scope)) = (parts.next(), parts.next(), parts.next()) {
            let role = Role::from_code(role).ok_or_else(|| anyhow!("невідома роль / unknown role {role:?}"))?;
            let scope = Scope::from_code(scope).ok_or_else(|| anyhow!("невідома сфера / unknown scope {scope:?}"))?;
            return Ok(Position::new(id, role, scope));
        }
    }
    let saved = Identity::load(store)?.map(|i| i.positions).unwrap_or_default();
    let found = match spec {
        Some(id) => saved.iter().find(|p| p.id == id),
        None => saved.first(),
    };
    found.and_then(|p| p.position()).ok_or_else(|| {
        anyhow!(
            "немає такої посади: синхронізуйтеся або вкажіть --position ID:ROLE:SCOPE / no such position: sync first or pass --position ID:ROLE:SCOPE"
        )
    })
}

/// The workflow status in English (machine-friendly), or `conflict`.
fn status_of(doc: &CaseDoc) -> String {
    doc.derive().state.status().map_or_else(|| "conflict".to_owned(), |s| s.label_en().to_owned())
}

fn random_hex(n: usize) -> Result<String> {
    let mut b = vec![0u8; n];
    ring::rand::SystemRandom::new().fill(&mut b).map_err(|_| anyhow!("no randomness"))?;
    Ok(hex::encode(b))
}

pub(crate) fn case(store: &mut Store, cmd: CaseCommand) -> Result<()> {
    match cmd {
        CaseCommand::New(args) => new_case(store, *args),
        CaseCommand::List => list(store),
        CaseCommand::Show { id } => show(store, &id),
    }
}

fn new_case(store: &mut Store, args: NewArgs) -> Result<()> {
    let mut spec = match &args.json {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            serde_json::from_str::<NewCaseFile>(&text)
                .with_context(|| format!("некоректний JSON / bad JSON in {}", path.display()))?
        }
        None => NewCaseFile::default(),
    };
    spec.services.extend(args.services);
    let a = &mut spec.applicant;
    for (field, value) in [
        (&mut a.surname, args.surname),
        (&mut a.given_name, args.given_name),
        (&mut a.patronymic, args.patronymic),
        (&mut a.birth_date, args.birth_date),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    if args.phone.is_some() {
        a.phone = args.phone;
    }
    let catalogue = Catalogue::embedded()?;
    if spec.services.is_empty() {
        bail!("вкажіть хоча б одну послугу (--service) / give at least one service (--service)");
    }
    for code in &spec.services {
        if catalogue.service(code).is_none() {
            bail!("невідома послуга / unknown service {code:?}");
        }
    }
    let pos = position(store, args.position.as_deref())?;
    let (scope_hromada, scope_district) = match &pos.scope {
        Scope::District { hromada, district } => (Some(hromada.clone()), Some(district.clone())),
        Scope::Hromadas(list) if list.len() == 1 => (list.first().cloned(), None),
        _ => (None, None),
    };
    let hromada = args
        .hromada
        .or(spec.hromada)
        .or(scope_hromada)
        .ok_or_else(|| anyhow!("вкажіть громаду (--hromada KATOTTG) / give the hromada (--hromada KATOTTG)"))?;
    let district = args.district.or(spec.district).or(scope_district);
    let id = format!("case-{}", random_hex(12)?);
    let number = format!("D-{}", id[5..13].to_uppercase());
    let at = now_ms();
    let actor = ActorId::from(hex::decode(random_hex(16)?)?.as_slice());
    let new = NewCase {
        id: &id,
        number: &number,
        kind: CaseKind::Application,
        hromada: &hromada,
        district: district.as_deref(),
        created_by: &pos,
        at,
    };
    let mut doc = CaseDoc::create(actor, new)?;
    let applicant = spec.applicant;
    let services = spec.services;
    doc.edit(at + 1, |case, ids| {
        case.applicant = applicant;
        for code in services {
            case.services.add(RequestedService { id: ids.next_id(), code });
        }
    })?;
    store.put_case(&mut doc)?;
    out!("{id}");
    Ok(())
}

fn list(store: &mut Store) -> Result<()> {
    let dirty = store.dirty_cases()?;
    for id in store.case_ids()? {
        let doc = store.case(&id)?;
        let c = doc.case();
        let status = status_of(&doc);
        let mark = if store.rejection(&id)?.is_some() {
            "refused"
        } else if dirty.contains(&id) {
            "pending"
        } else {
            "synced"
        };
        out!("{id}\t{}\t{status}\t{mark}\t{}", c.number, c.applicant.full_name());
    }
    Ok(())
}

fn show(store: &mut Store, id: &str) -> Result<()> {
    let doc = store.case(id)?;
    let c = doc.case();
    let status = status_of(&doc);
    let rejection = store.rejection(id)?.map(|r| serde_json::json!({ "code": r.code, "reason": r.reason }));
    let out = serde_json::json!({
        "id": c.id,
        "number": c.number,
        "kind": c.kind,
        "hromada": c.hromada,
        "district": c.district,
        "created_by": c.created_by,
        "status": status,
        "applicant": c.applicant,
        "services": c.services.values().map(|s| s.code.clone()).collect::<Vec<_>>(),
        "attachments": c.attachments.values().collect::<Vec<_>>(),
        "signatures": c.signatures.values().collect::<Vec<_>>(),
        "chip_reads": c.chip_reads.values().collect::<Vec<_>>(),
        "events": c.events.len(),
        "dirty": store.dirty_cases()?.contains(&c.id),
        "rejection": rejection,
    });
    out!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

pub(crate) fn submit(store: &mut Store, id: &str, pos: &str, incomplete: Option<String>, comment: &str) -> Result<()> {
    let pos = position(store, Some(pos))?;
    let mut doc = store.case(id)?;
    let catalogue = Catalogue::embedded()?;
    doc.act(&pos, Action::Submit { incomplete }, comment, now_ms(), &catalogue)?;
    store.put_case(&mut doc)?;
    let status = status_of(&doc);
    out!("{id}\t{status}");
    Ok(())
}
