//! Generated pen-stroke signatures (never anyone's real one).

use super::*;

/// A hand-drawn-looking signature: pen strokes (cubic curves of varying width) for each
/// character of the name, slanted and uneven. `ink` scales the darkness (1.0 normal,
/// about 0.1 faint); `blank` leaves a single dot.
pub fn signature_png(rng: &mut Rng, chars: usize, ink: f64, blank: bool) -> Vec<u8> {
    let (w, h) = (600u32, 200u32);
    let mut img = image::RgbaImage::from_pixel(w, h, image::Rgba([255, 255, 255, 255]));
    let mut dab = |x: f64, y: f64, r: f64| {
        let (x0, x1) = ((x - r).floor().max(0.0) as u32, ((x + r).ceil() as u32).min(w - 1));
        let (y0, y1) = ((y - r).floor().max(0.0) as u32, ((y + r).ceil() as u32).min(h - 1));
        for px in x0..=x1 {
            for py in y0..=y1 {
                let d = ((px as f64 - x).powi(2) + (py as f64 - y).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0) * ink.clamp(0.0, 1.0);
                if cover > 0.0 {
                    let p = img.get_pixel_mut(px, py);
                    for (c, target) in p.0.iter_mut().take(3).zip([18.0, 24.0, 70.0]) {
                        *c = (f64::from(*c) * (1.0 - cover) + target * cover).round() as u8;
                    }
                }
            }
        }
    };
    if blank {
        dab(300.0, 100.0, 1.5);
    } else {
        let cell = 460.0 / chars.max(1) as f64;
        for i in 0..chars.max(1) {
            let cx = 70.0 + cell * (i as f64 + 0.5);
            let strokes = 3 + rng.below(4);
            for _ in 0..strokes {
                let mut p = [(0.0, 0.0); 4];
                for q in &mut p {
                    *q = (cx + (rng.unit() - 0.5) * cell * 0.9, 100.0 + (rng.unit() - 0.5) * 120.0);
                }
                let width = 1.4 + rng.unit() * 1.6;
                for step in 0..=120 {
                    let t = f64::from(step) / 120.0;
                    let u = 1.0 - t;
                    let x = u * u * u * p[0].0
                        + 3.0 * u * u * t * p[1].0
                        + 3.0 * u * t * t * p[2].0
                        + t * t * t * p[3].0;
                    let y = u * u * u * p[0].1
                        + 3.0 * u * u * t * p[1].1
                        + 3.0 * u * t * t * p[2].1
                        + t * t * t * p[3].1;
                    // Slant like handwriting, and thin the pen at the ends of a stroke.
                    let pressure = (std::f64::consts::PI * t).sin().max(0.35);
                    dab(x + (100.0 - y) * 0.18, y, width * pressure);
                }
            }
        }
    }
    let mut out = Vec::new();
    // Writing a PNG into memory cannot fail for a well-formed RGBA buffer.
    let _ = img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png);
    out
}

/// The same image with different bytes: a `tEXt` chunk naming `n` after the header.
pub(super) fn distinct_copy(blob: &SignatureBlob, n: u64) -> SignatureBlob {
    use sha2::Digest;
    const HEADER: usize = 8 + 25; // signature + IHDR chunk
    let data = format!("Comment\0demo signature {n}");
    let mut chunk = Vec::with_capacity(12 + data.len());
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(data.as_bytes());
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
    let mut png = blob.png[..HEADER].to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&blob.png[HEADER..]);
    let mut info = blob.info.clone();
    info.sha256 = hex::encode(sha2::Sha256::digest(&png));
    SignatureBlob { info, png, ink_ratio: blob.ink_ratio }
}

pub(super) fn blob(png: Vec<u8>) -> ApiResult<SignatureBlob> {
    use base64::Engine;
    crate::signature::parse_signature(&base64::engine::general_purpose::STANDARD.encode(&png))
        .map_err(|e| ApiError::Internal(format!("demo signature: {e}")))
}
