//! A starosta's tablet takes an application and the applicant's signature, bound to the
//! content by the device key. A copy on the hromada's desk is edited at the same time.
//! When the two merge, every node can still verify who signed what, and sees that the
//! content changed after signing.

use automerge::ActorId;
use keis_crdt::{Action, CaseDoc, Catalogue, Role, SignatureState, WorkflowError, demo};
use keis_device::signature::DeviceKey;
use keis_tests::{take_applicant_signature, verify_recorded};

const T0: i64 = 1_763_900_000_000;

#[test]
fn a_signature_survives_sync_and_reveals_a_later_edit() {
    let catalogue = Catalogue::embedded().expect("catalogue");
    let key = DeviceKey::generate(&ring::rand::SystemRandom::new()).expect("device key");
    let mut tablet = demo::application(ActorId::from(b"tablet".as_slice()), 5, T0).expect("demo");
    // The demo's own signature carries no device signature; take a real one.
    tablet.edit(T0 + 1, |c, _| c.applicant.phone = Some("+380991112233".into())).expect("edit");
    let png = take_applicant_signature(&mut tablet, &key, "demo-starosta", T0 + 2);
    let hromada = tablet.case().hromada.clone();

    let mut desk = CaseDoc::load(&tablet.save(), ActorId::from(b"desk".as_slice())).expect("load");
    desk.edit(T0 + 3, |c, _| c.applicant.registered_address.line = "вул. Інша, 2".into()).expect("edit");
    tablet.merge(&mut desk).expect("merge");

    let device_signed = |doc: &CaseDoc| {
        doc.case().signatures.values().filter(|s| !s.device_key.is_empty()).max_by_key(|s| s.signed_at).cloned()
    };
    let sig = device_signed(&tablet).expect("signature");
    let (verified, current) = verify_recorded(&tablet, &sig, &png, &hromada);
    assert!(verified, "the device signature verifies on any node");
    assert!(!current, "the merged edit changed signed content");
    assert!(tablet.signature_states().iter().all(|(_, s)| *s == SignatureState::ContentChanged));

    // Submitting now is refused until the applicant signs again.
    let starosta = demo::position(Role::Starosta);
    let refused = tablet.act(&starosta, Action::Submit { incomplete: None }, "", T0 + 4, &catalogue);
    assert!(matches!(refused, Err(keis_crdt::CaseError::Workflow(WorkflowError::NotSigned))));
    let png2 = take_applicant_signature(&mut tablet, &key, "demo-starosta", T0 + 5);
    tablet.act(&starosta, Action::Submit { incomplete: None }, "", T0 + 6, &catalogue).expect("submit");

    // A forged signature record (another name put on the same device signature) fails.
    let mut forged = device_signed(&tablet).expect("signature");
    assert_eq!(verify_recorded(&tablet, &forged, &png2, &hromada), (true, true));
    forged.signer_name = "Хтось Інший".into();
    assert!(!verify_recorded(&tablet, &forged, &png2, &hromada).0);
}
