//! Signature uploads: bounded before they are decoded. The base64 text and the PNG bytes
//! are size-checked first, then the PNG is decoded by the `image` crate under explicit
//! dimension and allocation limits, so a decompression bomb is refused, not unpacked.

use crate::store::SignatureBlob;
use base64::Engine;
use binddesk_domain::api::SignatureInfo;
use binddesk_domain::rules::ink_ratio_rgba;
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// The largest PNG accepted.
pub const MAX_PNG_BYTES: usize = 1024 * 1024;
/// The largest width or height accepted (a signature canvas is about 600×200).
pub const MAX_SIDE: u32 = 4000;
/// The most pixels accepted (a phone's signature pad at 3× density is under a million).
pub const MAX_PIXELS: u64 = 4_000_000;
/// The most memory the decoder may allocate (the RGBA image and the decoder's buffers).
pub const MAX_ALLOC: u64 = MAX_PIXELS * 4 * 2;

/// Why a signature was refused; the message goes to the parent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not base64.
    #[error("the signature is not base64")]
    NotBase64,
    /// Over 1 MiB.
    #[error("the signature is over 1 MiB")]
    TooLarge,
    /// Not a PNG.
    #[error("the signature is not a PNG image")]
    NotPng,
    /// Too many pixels or too much memory to decode.
    #[error("the signature image is too large to decode")]
    TooManyPixels,
    /// A PNG that does not decode.
    #[error("the signature image is damaged: {0}")]
    Damaged(String),
}

/// Decodes, checks and measures a base64 PNG signature.
pub fn parse_signature(base64_png: &str) -> Result<SignatureBlob, SignatureError> {
    let text = base64_png.trim();
    // Allow a data-URL prefix from a canvas's toDataURL().
    let text = text.strip_prefix("data:image/png;base64,").unwrap_or(text);
    if text.len() > MAX_PNG_BYTES.div_ceil(3) * 4 + 4 {
        return Err(SignatureError::TooLarge);
    }
    let png =
        base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| SignatureError::NotBase64)?;
    if png.len() > MAX_PNG_BYTES {
        return Err(SignatureError::TooLarge);
    }
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(SignatureError::NotPng);
    }
    // The size from the header (IHDR comes first), before anything is unpacked.
    if png.len() >= 24 && &png[12..16] == b"IHDR" {
        let side =
            |at: usize| u64::from(u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]));
        if side(16) * side(20) > MAX_PIXELS {
            return Err(SignatureError::TooManyPixels);
        }
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(&png), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => SignatureError::TooManyPixels,
        other => SignatureError::Damaged(other.to_string()),
    })?;
    let rgba = img.to_rgba8();
    let (width, height) = rgba.dimensions();
    let ink_ratio = ink_ratio_rgba(rgba.as_raw());
    let sha256 = hex::encode(Sha256::digest(&png));
    Ok(SignatureBlob { info: SignatureInfo { sha256, width, height }, png, ink_ratio })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn png_of(w: u32, h: u32, ink: bool) -> Vec<u8> {
        let mut img = image::RgbaImage::from_pixel(w, h, image::Rgba([255, 255, 255, 255]));
        if ink {
            for x in 10..w - 10 {
                for y in h / 2 - 3..h / 2 + 3 {
                    img.put_pixel(x, y, image::Rgba([10, 10, 40, 255]));
                }
            }
        }
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    }

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn a_signature_is_measured() {
        let png = png_of(600, 200, true);
        let sig = parse_signature(&b64(&png)).unwrap();
        assert_eq!((sig.info.width, sig.info.height), (600, 200));
        assert!(sig.ink_ratio > 0.02, "{}", sig.ink_ratio);
        assert_eq!(sig.info.sha256.len(), 64);
        let blank = parse_signature(&b64(&png_of(600, 200, false))).unwrap();
        assert_eq!(blank.ink_ratio, 0.0);
    }

    #[test]
    fn bad_uploads_are_refused() {
        assert_eq!(parse_signature("***").unwrap_err(), SignatureError::NotBase64);
        assert_eq!(parse_signature(&b64(b"GIF89a....")).unwrap_err(), SignatureError::NotPng);
        let mut broken = png_of(60, 20, true);
        broken.truncate(60);
        assert!(matches!(parse_signature(&b64(&broken)).unwrap_err(), SignatureError::Damaged(_)));
        assert_eq!(parse_signature(&"A".repeat(2_000_000)).unwrap_err(), SignatureError::TooLarge);
    }

    /// A tiny file that claims 30000×30000 pixels is refused before it is unpacked.
    #[test]
    fn a_decompression_bomb_is_refused() {
        let img = image::GrayImage::new(1, 1);
        let mut small = Vec::new();
        img.write_to(&mut Cursor::new(&mut small), image::ImageFormat::Png).unwrap();
        // Patch the IHDR's width and height (bytes 16..24) and its CRC.
        small[16..20].copy_from_slice(&30000u32.to_be_bytes());
        small[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let crc = crc32(&small[12..29]);
        small[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(parse_signature(&b64(&small)).unwrap_err(), SignatureError::TooManyPixels);
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
