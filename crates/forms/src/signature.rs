//! Signature PNGs made ready for the PDF. They are untrusted bytes (a parent's upload):
//! the size is checked before decoding, and the `image` decoder runs under limits on
//! dimensions and memory.
//!
//! A signature becomes grey ink on white (the form prints in black and white). A file
//! with a few distinct signatures (a parent's download) compresses them with zlib; a
//! file with many stores each row as its difference from the row above (PNG's "Up"
//! filter, which PDF readers undo with `/Predictor 12`) and compresses with `fdeflate`,
//! the fast deflate made for PNG data: about a fifth of zlib's time, at a little more
//! size. Buffers are reused from one signature to the next.

use crate::FormInput;
use crate::MAX_SIGNATURE_BYTES;
use crate::MAX_SIGNATURE_SIDE;
use std::collections::HashMap;
use std::io::Cursor;

/// A signature decoded, turned to grey on white and compressed: ready to embed.
pub(crate) struct Prepared {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) deflated: Vec<u8>,
    /// Rows carry PNG's "Up" filter (`/Predictor 12`).
    pub(crate) up_filtered: bool,
}

/// Buffers one thread reuses from one signature to the next. A fresh 480 KB pixel
/// buffer per signature cost more in page faults than the decoding itself.
#[derive(Default)]
pub(crate) struct Scratch {
    pixels: Vec<u8>,
    filtered: Vec<u8>,
    row: Vec<u8>,
    prev: Vec<u8>,
}

/// The most memory one signature's pixels may take.
const MAX_SIGNATURE_PIXEL_BYTES: u64 = 64 * 1024 * 1024;

/// Checks, decodes (under limits) and compresses one signature PNG. Untrusted bytes:
/// the size is checked before decoding and the decoder's dimensions and memory are capped.
pub(crate) fn prepare_signature(png: &[u8], scratch: &mut Scratch, fast: bool) -> Result<Prepared, String> {
    use image::ImageDecoder;
    if png.len() > MAX_SIGNATURE_BYTES {
        return Err("over 1 MiB".into());
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIGNATURE_SIDE);
    limits.max_image_height = Some(MAX_SIGNATURE_SIDE);
    limits.max_alloc = Some(MAX_SIGNATURE_PIXEL_BYTES);
    let decoder =
        image::codecs::png::PngDecoder::with_limits(Cursor::new(png), limits).map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions();
    let color = decoder.color_type();
    let total = decoder.total_bytes();
    if total > MAX_SIGNATURE_PIXEL_BYTES || width == 0 || height == 0 {
        return Err(format!("{width}×{height} is not a usable size"));
    }
    // Bounded above: at most 64 MiB.
    let total = total as usize;
    scratch.pixels.resize(total, 0);
    decoder.read_image(&mut scratch.pixels).map_err(|e| e.to_string())?;
    // Ink on white, as grey levels: the form prints in black and white anyway, and a
    // grey image is a quarter the size of a colour one with alpha. For the fast
    // compressor each row is stored as its difference from the row above (PNG "Up"):
    // fdeflate finds little else to shorten, zlib does better without it.
    let w = width as usize;
    let stride = total / height as usize;
    scratch.row.resize(w, 0);
    scratch.prev.clear();
    scratch.prev.resize(w, 0);
    scratch.filtered.clear();
    scratch.filtered.reserve(total / color.bytes_per_pixel().max(1) as usize + height as usize);
    for src in scratch.pixels.chunks_exact(stride) {
        grey_row(src, color, &mut scratch.row)?;
        if fast {
            scratch.filtered.push(2);
            scratch.filtered.extend(scratch.row.iter().zip(&scratch.prev).map(|(a, b)| a.wrapping_sub(*b)));
            std::mem::swap(&mut scratch.row, &mut scratch.prev);
        } else {
            scratch.filtered.extend_from_slice(&scratch.row);
        }
    }
    let deflated = if fast {
        fdeflate::compress_to_vec(&scratch.filtered)
    } else {
        miniz_oxide::deflate::compress_to_vec_zlib(&scratch.filtered, SMALL_LEVEL)
    };
    Ok(Prepared { width, height, deflated, up_filtered: fast })
}

/// Up to this many distinct signatures in a file are compressed with zlib at
/// [`SMALL_LEVEL`] (a parent's download: about 3.5 KB, 2 ms); more use `fdeflate` on
/// Up-filtered rows (about 8 KB, a tenth of the time), so a class's batch is not held up.
const FEW_SIGNATURES: usize = 8;

/// The zlib level of the signatures of a small batch.
const SMALL_LEVEL: u8 = 6;

/// Prepares every distinct signature of a batch on `threads` threads (on this one
/// when `threads` is 1). `keys` are the inputs' signature keys ([`key`]), in order.
/// `distinct_in_file` is how many distinct signatures the whole file holds, which picks
/// the compression.
pub(crate) fn prepare_all(
    inputs: &[FormInput<'_>],
    keys: &[Option<Key>],
    threads: usize,
    distinct_in_file: usize,
) -> HashMap<Key, Result<Prepared, String>> {
    let fast = distinct_in_file > FEW_SIGNATURES;
    let mut unique: HashMap<Key, &[u8]> = HashMap::new();
    for (input, key) in inputs.iter().zip(keys) {
        if let (Some(png), Some(key)) = (input.signature_png, key) {
            unique.entry(*key).or_insert(png);
        }
    }
    let work: Vec<(Key, &[u8])> = unique.into_iter().collect();
    let prepare = |part: &[(Key, &[u8])]| {
        let mut scratch = Scratch::default();
        part.iter().map(|(k, png)| (*k, prepare_signature(png, &mut scratch, fast))).collect::<Vec<_>>()
    };
    if threads <= 1 || work.len() < 2 {
        return prepare(&work).into_iter().collect();
    }
    let chunk = work.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = work.chunks(chunk).map(|part| scope.spawn(move || prepare(part))).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// `x / 255`, rounded, for `x` up to 255 × 255, without a division.
fn div255(x: u32) -> u8 {
    ((x + 128 + ((x + 128) >> 8)) >> 8) as u8
}

/// Grey level from red, green and blue (ITU-R BT.601 weights, in 256ths).
fn luma(r: u32, g: u32, b: u32) -> u32 {
    (r * 77 + g * 150 + b * 29) >> 8
}

/// A grey level `v` with opacity `a`, composited on white.
fn over_white(v: u32, a: u32) -> u8 {
    div255(v * a + 255 * (255 - a))
}

/// One row of decoded pixels as grey levels composited on white. 16-bit samples
/// (native byte order, as `image` hands them over) keep their high byte.
fn grey_row(src: &[u8], color: image::ColorType, out: &mut [u8]) -> Result<(), String> {
    use image::ColorType as C;
    match color {
        C::L8 => out.copy_from_slice(&src[..out.len()]),
        C::La8 => {
            for (o, p) in out.iter_mut().zip(src.chunks_exact(2)) {
                *o = over_white(u32::from(p[0]), u32::from(p[1]));
            }
        }
        C::Rgb8 => {
            for (o, p) in out.iter_mut().zip(src.chunks_exact(3)) {
                *o = luma(u32::from(p[0]), u32::from(p[1]), u32::from(p[2])) as u8;
            }
        }
        C::Rgba8 => {
            for (o, p) in out.iter_mut().zip(src.chunks_exact(4)) {
                let a = u32::from(p[3]);
                *o = over_white(luma(u32::from(p[0]), u32::from(p[1]), u32::from(p[2])), a);
            }
        }
        C::L16 | C::La16 | C::Rgb16 | C::Rgba16 => {
            let channels = usize::from(color.channel_count());
            let hi = |p: &[u8], k: usize| u32::from(u16::from_ne_bytes([p[2 * k], p[2 * k + 1]]) >> 8);
            for (o, p) in out.iter_mut().zip(src.chunks_exact(2 * channels)) {
                *o = match channels {
                    1 => hi(p, 0) as u8,
                    2 => over_white(hi(p, 0), hi(p, 1)),
                    3 => luma(hi(p, 0), hi(p, 1), hi(p, 2)) as u8,
                    _ => over_white(luma(hi(p, 0), hi(p, 1), hi(p, 2)), hi(p, 3)),
                };
            }
        }
        other => return Err(format!("unsupported colour type {other:?}")),
    }
    Ok(())
}

/// A signature's content key: its SHA-256.
pub(crate) type Key = [u8; 32];

/// The key that deduplicates identical signature bytes within one file. A collision
/// would put one parent's signature on another's form, so it is SHA-256, not a fast
/// non-cryptographic hash.
pub(crate) fn key(bytes: &[u8]) -> Key {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode<P: image::PixelWithColorType>(img: &image::ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<u8>
    where
        [P::Subpixel]: image::EncodableLayout,
    {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    /// The grey pixels of a prepared signature, the predictor undone.
    fn pixels(p: &Prepared) -> Vec<u8> {
        let mut raw = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(p.deflated.as_slice()), &mut raw)
            .unwrap();
        if !p.up_filtered {
            return raw;
        }
        let w = p.width as usize;
        let mut out: Vec<u8> = Vec::with_capacity(w * p.height as usize);
        for (y, row) in raw.chunks_exact(w + 1).enumerate() {
            assert_eq!(row[0], 2, "every row is Up-filtered");
            for (x, d) in row[1..].iter().enumerate() {
                let above = if y == 0 { 0 } else { out[(y - 1) * w + x] };
                out.push(d.wrapping_add(above));
            }
        }
        out
    }

    #[test]
    fn division_by_255_is_exact() {
        for x in 0..=255 * 255 {
            assert_eq!(u32::from(div255(x)), (x + 127) / 255, "{x}");
        }
    }

    #[test]
    fn every_colour_type_becomes_ink_on_white_either_way() {
        // Opaque ink, transparent paper, half-transparent black.
        let rgba = image::RgbaImage::from_fn(3, 2, |x, _| {
            image::Rgba([[20, 24, 70, 255], [9, 9, 9, 0], [0, 0, 0, 128]][x as usize])
        });
        let la = image::GrayAlphaImage::from_fn(3, 2, |x, _| {
            image::LumaA([[28, 255], [9, 0], [0, 128]][x as usize])
        });
        let rgb = image::RgbImage::from_fn(3, 2, |x, _| {
            image::Rgb([[20, 24, 70], [255, 255, 255], [127, 127, 127]][x as usize])
        });
        let rgba16 = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(3, 2, |x, _| {
            image::Rgba([[5140, 6168, 17990, 65535], [9, 9, 9, 0], [0, 0, 0, 32896]][x as usize])
        });
        let want = [28, 255, 127, 28, 255, 127];
        for png in [encode(&rgba), encode(&la), encode(&rgb), encode(&rgba16)] {
            for fast in [false, true] {
                let p = prepare_signature(&png, &mut Scratch::default(), fast).unwrap();
                assert_eq!((p.width, p.height, p.up_filtered), (3, 2, fast));
                assert_eq!(pixels(&p), want, "fast: {fast}");
            }
        }
    }

    #[test]
    fn reused_buffers_do_not_leak_between_signatures() {
        let big = encode(&image::GrayImage::from_fn(40, 30, |x, y| image::Luma([(x * y) as u8])));
        let small = encode(&image::GrayImage::from_pixel(5, 4, image::Luma([200])));
        let mut scratch = Scratch::default();
        for fast in [false, true] {
            prepare_signature(&big, &mut scratch, fast).unwrap();
            let p = prepare_signature(&small, &mut scratch, fast).unwrap();
            assert_eq!(pixels(&p), vec![200; 20]);
        }
    }
}
