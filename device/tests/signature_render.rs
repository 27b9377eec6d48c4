//! Signature images are deterministic (their SHA-256 is what the device signs), compact,
//! and show the ink where it was drawn.

use keis_device::signature::{Canvas, CaptureError, HandwrittenSignature, Point, Stroke, render_png, render_svg};
use sha2::{Digest, Sha256};

const PAD: Canvas = Canvas { width: 600.0, height: 200.0 };

fn signature(shift: f32) -> HandwrittenSignature {
    let wave = Stroke {
        points: (0..60u32)
            .map(|i| Point {
                x: 60.0 + i as f32 * 8.0 + shift,
                y: 100.0 + (i as f32 * 0.4).sin() * 50.0,
                t_ms: i * 16,
                pressure: Some((i % 10) as f32 / 10.0),
            })
            .collect(),
    };
    let dot = Stroke { points: vec![Point::new(560.0, 40.0, 2000)] };
    HandwrittenSignature::new(PAD, vec![wave, dot]).expect("valid signature")
}

fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    buf.truncate(info.buffer_size());
    (info, buf)
}

fn is_ink(info: &png::OutputInfo, buf: &[u8], x: u32, y: u32) -> bool {
    let byte = buf[y as usize * info.line_size + x as usize / 8];
    byte & (0x80 >> (x % 8)) == 0
}

#[test]
fn the_same_strokes_give_the_same_png_bytes_and_hash() {
    let a = render_png(&signature(0.0), 600).expect("render");
    let b = render_png(&signature(0.0), 600).expect("render");
    assert_eq!(a, b);
    assert_eq!(Sha256::digest(&a.png), Sha256::digest(&b.png));
    let moved = render_png(&signature(1.0), 600).expect("render");
    assert_ne!(Sha256::digest(&a.png), Sha256::digest(&moved.png));
}

#[test]
fn the_png_is_one_bit_grey_and_small() {
    let img = render_png(&signature(0.0), 600).expect("render");
    assert_eq!((img.width, img.height), (600, 200));
    let (info, _) = decode(&img.png);
    assert_eq!(info.bit_depth, png::BitDepth::One);
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert!(img.png.len() < 4_000, "signature PNG is {} bytes", img.png.len());
}

#[test]
fn ink_is_drawn_where_the_pen_went_and_nowhere_else() {
    let sig = signature(0.0);
    let img = render_png(&sig, 600).expect("render");
    let (info, buf) = decode(&img.png);
    for p in &sig.strokes()[0].points {
        assert!(is_ink(&info, &buf, p.x as u32, p.y as u32), "no ink at {p:?}");
    }
    assert!(is_ink(&info, &buf, 560, 40), "a single tap draws a dot");
    assert!(!is_ink(&info, &buf, 5, 5) && !is_ink(&info, &buf, 590, 190));
    let ink = (0..200).flat_map(|y| (0..600).map(move |x| (x, y))).filter(|&(x, y)| is_ink(&info, &buf, x, y)).count();
    // A ~3 px pen over ~600 px of line.
    assert!((1_000..6_000).contains(&ink), "{ink} ink pixels");
}

#[test]
fn rendering_at_double_width_scales_the_image() {
    let img = render_png(&signature(0.0), 1200).expect("render");
    assert_eq!((img.width, img.height), (1200, 400));
    assert!(matches!(render_png(&signature(0.0), 0), Err(CaptureError::InvalidRenderWidth { width: 0 })));
}

#[test]
fn the_svg_has_one_path_per_stroke_and_is_deterministic() {
    let svg = render_svg(&signature(0.0));
    assert_eq!(svg, render_svg(&signature(0.0)));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 600.0 200.0\""));
    assert_eq!(svg.matches("<path ").count(), 2);
    assert!(svg.contains("M60.0 100.0 L68.0"));
    assert!(svg.ends_with("</svg>"));
}
