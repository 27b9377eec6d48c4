use keis_crdt::demo;
use keis_crdt::validate::Date;

use super::*;

fn catalogue() -> Catalogue {
    Catalogue::embedded().expect("catalogue")
}

fn scan(id: &str) -> Scan {
    Scan {
        id: id.into(),
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        size: 1000,
        thumbnail: "data:image/png;base64,AA==".into(),
        document: None,
    }
}

fn born() -> Date {
    Date::new(1969, 8, 6).expect("date")
}

fn typed(w: &mut Wizard) {
    w.set(Field::Surname, "Тестенко");
    w.set(Field::GivenName, "Оксана");
    w.set(Field::BirthDate, "1969-08-06");
    w.set(Field::Sex, "F");
    w.set(Field::DocumentNumber, "000123456");
    w.set(Field::DocumentIssued, "2020-01-15");
    w.set(Field::Katottg, "UA99000000000000025");
    w.set(Field::AddressLine, "вул. Вигадана, 1");
}

#[test]
fn services_must_be_chosen_and_bring_their_checklist() {
    let c = catalogue();
    let mut w = Wizard::new();
    assert_eq!(w.advance(), Err(WizardError::NoServices));
    assert_eq!(w.step(), Step::Services);
    w.toggle_service("housing_subsidy");
    let docs: Vec<String> = w.checklist(&c).into_iter().map(|i| i.document).collect();
    let expected: Vec<String> = c.service("housing_subsidy").expect("service").required.clone();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(docs, expected_sorted);
    w.toggle_service("housing_subsidy");
    assert!(w.checklist(&c).is_empty());
    w.toggle_service("birth_assistance");
    assert_eq!(w.advance(), Ok(Step::Applicant));
}

#[test]
fn applicant_fields_validate_as_typed() {
    let mut w = Wizard::new();
    w.toggle_service("birth_assistance");
    w.advance().expect("services");
    assert_eq!(w.field_error(Field::Rnokpp), None, "empty is not an error while typing");
    w.set(Field::Rnokpp, "12345");
    assert_eq!(w.field_error(Field::Rnokpp), Some(FieldError::RnokppFormat));
    let good = demo::rnokpp(born(), 7);
    let mut bad_check = good.clone();
    let last = if bad_check.ends_with('0') { '1' } else { '0' };
    bad_check.replace_range(9.., &last.to_string());
    w.set(Field::Rnokpp, &bad_check);
    assert_eq!(w.field_error(Field::Rnokpp), Some(FieldError::RnokppCheckDigit));
    w.set(Field::Rnokpp, &good);
    assert_eq!(w.field_error(Field::Rnokpp), None);
    w.set(Field::BirthDate, "1970-01-01");
    assert_eq!(w.field_error(Field::Rnokpp), Some(FieldError::RnokppBirthDate));
    w.set(Field::BirthDate, "1969-02-30");
    assert_eq!(w.field_error(Field::BirthDate), Some(FieldError::NoSuchDate));

    match w.advance() {
        Err(WizardError::InvalidApplicant(p)) => {
            assert!(p.contains(&(Field::Surname, FieldError::Required)), "{p:?}");
            assert!(p.contains(&(Field::BirthDate, FieldError::NoSuchDate)), "{p:?}");
        }
        other => panic!("expected invalid applicant, got {other:?}"),
    }
    typed(&mut w);
    w.set(Field::Katottg, "UA123");
    assert_eq!(w.field_error(Field::Katottg), Some(FieldError::Katottg));
    w.set(Field::Katottg, "UA99000000000000025");
    assert_eq!(w.advance(), Ok(Step::Household));
}

#[test]
fn a_chip_read_fills_the_form() {
    let mut w = Wizard::new();
    let person = demo::person(7, born());
    w.fill_from_chip(ChipData {
        person: person.clone(),
        photo: None,
        verified: true,
        verdict: "ok".into(),
        access: "PACE".into(),
        outcome: "passed".into(),
    });
    assert_eq!(w.value(Field::Surname), person.surname);
    assert_eq!(w.value(Field::Rnokpp), person.rnokpp.as_deref().unwrap_or_default());
    assert!(Field::ALL.iter().all(|f| w.field_error(*f).is_none()));
    assert!(w.chip().is_some_and(|c| c.verified));
}

#[test]
fn scans_tick_the_checklist_and_survive_a_retake() {
    let c = catalogue();
    let mut w = Wizard::new();
    w.toggle_service("birth_assistance");
    assert!(w.checklist(&c).iter().all(|i| !i.done));
    w.add_scan(scan("s1"));
    assert!(w.checklist(&c).iter().all(|i| !i.done), "an unassigned scan ticks nothing");
    let first = w.checklist(&c)[0].document.clone();
    w.assign("s1", Some(&first));
    assert!(w.checklist(&c)[0].done);
    let mut again = scan("s1");
    again.sha256 = "cd".repeat(32);
    w.retake("s1", again);
    assert_eq!(w.scans()[0].sha256, "cd".repeat(32));
    assert!(w.checklist(&c)[0].done, "a retake keeps the assignment");
    w.remove_scan("s1");
    assert!(!w.checklist(&c)[0].done);
}

#[test]
fn the_whole_path_to_submission() {
    let mut w = Wizard::new();
    w.toggle_service("birth_assistance");
    w.advance().expect("services");
    typed(&mut w);
    w.advance().expect("applicant");
    w.add_member(Member { id: "m1".into(), relation: "child".into(), person: Person::default() });
    assert_eq!(w.advance(), Err(WizardError::InvalidMember(1)));
    w.remove_member(0);
    w.add_member(Member { id: "m1".into(), relation: "child".into(), person: demo::person(3, born()) });
    assert_eq!(w.advance(), Ok(Step::Documents));
    assert_eq!(w.advance(), Ok(Step::Signature));
    w.sign(vec![vec![(1.0, 1.0)]]);
    assert_eq!(w.advance(), Err(WizardError::NotSigned), "a dot is not a signature");
    w.sign(vec![vec![(1.0, 1.0), (20.0, 5.0), (40.0, 2.0)]]);
    assert!(matches!(w.advance(), Err(WizardError::BadSignature { .. })), "a short scribble is not either");
    w.sign(crate::signing::tests::pad_strokes());
    assert_eq!(w.advance(), Ok(Step::Review));
    assert_eq!(w.advance(), Ok(Step::Review), "review is the last step");
    let out = w.output().expect("complete");
    assert_eq!(out.services, ["birth_assistance"]);
    assert_eq!(out.applicant.surname, "Тестенко");
    assert_eq!(out.household.len(), 1);
    w.back();
    assert_eq!(w.step(), Step::Signature);
    w.mark_submitted();
    assert_eq!(w.advance(), Err(WizardError::AlreadySubmitted));
}
