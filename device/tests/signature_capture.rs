//! A signature pad that was left empty, tapped or scribbled briefly is refused with a
//! message the starosta can read out; a real signature is accepted.

use keis_device::signature::{Canvas, CaptureError, HandwrittenSignature, Lang, Point, SignatureRules, Stroke};

const PAD: Canvas = Canvas { width: 600.0, height: 200.0 };

fn wave(n: u32, x0: f32, step: f32) -> Stroke {
    Stroke {
        points: (0..n)
            .map(|i| Point::new(x0 + i as f32 * step, 100.0 + (i as f32 * 0.6).sin() * 40.0, i * 16))
            .collect(),
    }
}

#[test]
fn a_real_signature_is_accepted() {
    let sig = HandwrittenSignature::new(PAD, vec![wave(40, 60.0, 10.0), wave(10, 300.0, 8.0)])
        .expect("a 400 px wave is a signature");
    assert_eq!(sig.strokes().len(), 2);
    assert!(sig.ink_length() > 400.0);
}

#[test]
fn an_empty_pad_is_refused_with_a_message_in_ukrainian_and_english() {
    for strokes in [vec![], vec![Stroke::default(), Stroke::default()]] {
        let err = HandwrittenSignature::new(PAD, strokes).unwrap_err();
        assert!(matches!(err, CaptureError::Empty), "{err:?}");
        assert_eq!(
            err.user_message(Lang::Uk),
            "Підпис порожній або закороткий — попросіть заявника розписатися ще раз."
        );
        assert!(err.user_message(Lang::En).contains("sign again"));
        assert!(err.to_string().contains("sign again"));
    }
}

#[test]
fn a_tap_is_too_short() {
    let tap = Stroke { points: vec![Point::new(100.0, 100.0, 0), Point::new(101.0, 100.5, 16)] };
    let err = HandwrittenSignature::new(PAD, vec![tap]).unwrap_err();
    assert!(matches!(err, CaptureError::TooShort { points: 2, .. }), "{err:?}");
    assert!(err.user_message(Lang::Uk).starts_with("Підпис порожній або закороткий"));
}

#[test]
fn a_short_dash_with_many_points_is_too_short() {
    // 30 points but only 58 px of ink on a 600 px pad.
    let dash = Stroke { points: (0..30u32).map(|i| Point::new(100.0 + i as f32 * 2.0, 80.0, i * 16)).collect() };
    let err = HandwrittenSignature::new(PAD, vec![dash]).unwrap_err();
    assert!(matches!(err, CaptureError::TooShort { .. }), "{err:?}");
}

#[test]
fn a_tight_scribble_in_one_spot_is_too_short() {
    // Lots of ink, but all inside a 10 px square.
    let points =
        (0..200u32).map(|i| Point::new(300.0 + (i % 2) as f32 * 10.0, 100.0 + (i % 3) as f32 * 5.0, i * 8)).collect();
    let err = HandwrittenSignature::new(PAD, vec![Stroke { points }]).unwrap_err();
    assert!(matches!(err, CaptureError::TooShort { .. }), "{err:?}");
}

#[test]
fn a_point_that_is_not_a_number_is_refused() {
    let mut s = wave(40, 60.0, 10.0);
    s.points[7].y = f32::NAN;
    let err = HandwrittenSignature::new(PAD, vec![wave(5, 0.0, 1.0), s]).unwrap_err();
    assert!(matches!(err, CaptureError::InvalidPoint { stroke: 1, index: 7 }), "{err:?}");
    assert!(err.user_message(Lang::Uk).contains("ще раз"));

    let mut s = wave(40, 60.0, 10.0);
    s.points[0].pressure = Some(f32::INFINITY);
    assert!(HandwrittenSignature::new(PAD, vec![s]).is_err());
}

#[test]
fn a_stuck_pointer_flooding_points_is_refused() {
    let rules = SignatureRules { max_points: 100, ..SignatureRules::default() };
    let err = HandwrittenSignature::with_rules(PAD, vec![wave(101, 0.0, 1.0)], &rules).unwrap_err();
    assert!(matches!(err, CaptureError::TooManyPoints { count: 101, max: 100 }), "{err:?}");
}

#[test]
fn a_pad_without_size_is_refused() {
    let err = HandwrittenSignature::new(Canvas { width: 0.0, height: 200.0 }, vec![wave(40, 0.0, 10.0)]).unwrap_err();
    assert!(matches!(err, CaptureError::InvalidCanvas { .. }), "{err:?}");
}

#[test]
fn a_finger_sliding_off_the_pad_is_kept_on_the_edge() {
    let mut s = wave(40, 60.0, 10.0);
    s.points.push(Point { x: 900.0, y: -30.0, t_ms: 700, pressure: Some(3.0) });
    let sig = HandwrittenSignature::new(PAD, vec![s]).expect("accepted");
    let last = sig.strokes()[0].points.last().copied().expect("has points");
    assert_eq!((last.x, last.y, last.pressure), (600.0, 0.0, Some(1.0)));
}
