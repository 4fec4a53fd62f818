//! The cache key, wrapped by the reviewer's password.
//!
//! Each cache's random 256-bit key is stored beside the cache (`<account>.key`), sealed
//! with ChaCha20-Poly1305 under a key derived from the reviewer's password by argon2id
//! (a fresh salt each time it is written). Logging in (the service has just checked the
//! password) or opening offline unwraps it; nothing else can. So on a shared staff-room
//! PC nobody opens a reviewer's offline copy without their password, and a reboot that
//! empties the kernel keyring no longer loses the key (nor the unsent decisions in the
//! cache).
//!
//! Wrong passwords offline are counted in the file: after [`FREE_TRIES`] each try waits
//! [`WAIT_SECS`]. That stops a person at the desk; someone who copies the file is slowed
//! only by argon2's cost, which is why the password never leaves this module and the key
//! is never written unwrapped.

use crate::cache::CacheKey;
use argon2::Argon2;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Wrong offline passwords allowed before each try must wait.
pub const FREE_TRIES: u32 = 5;
/// The wait between tries after that, in seconds.
pub const WAIT_SECS: i64 = 5 * 60;

const AAD: &[u8] = b"binddesk cache key v1";

/// Why the key could not be unwrapped.
#[derive(Debug, thiserror::Error)]
pub enum WrapError {
    /// The password does not open the key.
    #[error(
        "the password does not open this computer's offline copy ({tries_left} tries left before a wait)"
    )]
    WrongPassword {
        /// Tries before the wait begins.
        tries_left: u32,
    },
    /// Too many wrong passwords: wait.
    #[error("too many wrong passwords; try again in {minutes} minutes, or log in while online")]
    TooManyTries {
        /// Minutes to wait.
        minutes: u64,
    },
    /// The key file cannot be read or written.
    #[error("the offline copy's key file: {0}")]
    Io(String),
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    v: u32,
    salt: String,
    nonce: String,
    wrapped: String,
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    wait_until: Option<i64>,
}

fn derive(password: &str, salt: &[u8]) -> Result<LessSafeKey, WrapError> {
    let mut k = [0u8; 32];
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, &mut k)
        .map_err(|e| WrapError::Io(e.to_string()))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &k).map_err(|_| WrapError::Io("cipher".into()))?;
    Ok(LessSafeKey::new(unbound))
}

fn random<const N: usize>() -> Result<[u8; N], WrapError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| WrapError::Io(format!("no randomness: {e}")))?;
    Ok(b)
}

fn read(path: &Path) -> Result<KeyFile, WrapError> {
    let text = std::fs::read_to_string(path).map_err(|e| WrapError::Io(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| WrapError::Io(e.to_string()))
}

fn write(path: &Path, f: &KeyFile) -> Result<(), WrapError> {
    let text = serde_json::to_string(f).map_err(|e| WrapError::Io(e.to_string()))?;
    let tmp = path.with_extension("key.tmp");
    std::fs::write(&tmp, text).map_err(|e| WrapError::Io(e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
    }
    std::fs::rename(&tmp, path).map_err(|e| WrapError::Io(e.to_string()))
}

/// Seals `key` under `password` into `path` (a new salt and nonce; the try count reset).
pub fn store(path: &Path, key: &CacheKey, password: &str) -> Result<(), WrapError> {
    let salt: [u8; 16] = random()?;
    let nonce: [u8; 12] = random()?;
    let mut sealed = key.0.to_vec();
    derive(password, &salt)?
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(AAD), &mut sealed)
        .map_err(|_| WrapError::Io("sealing failed".into()))?;
    let f = KeyFile {
        v: 1,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        wrapped: hex::encode(sealed),
        failures: 0,
        wait_until: None,
    };
    write(path, &f)
}

/// Unwraps the key offline with `password`, counting a wrong one (see the module docs).
pub fn open(path: &Path, password: &str, now: i64) -> Result<CacheKey, WrapError> {
    open_inner(path, password, Some(now))
}

/// Unwraps the key with a password the service has just accepted: no wait applies, and
/// a success clears the count of wrong offline tries.
pub fn open_verified(path: &Path, password: &str) -> Result<CacheKey, WrapError> {
    open_inner(path, password, None)
}

fn open_inner(path: &Path, password: &str, offline_at: Option<i64>) -> Result<CacheKey, WrapError> {
    let mut f = read(path)?;
    if let Some(now) = offline_at
        && let Some(until) = f.wait_until.filter(|u| *u > now)
    {
        return Err(WrapError::TooManyTries { minutes: ((until - now) as u64).div_ceil(60) });
    }
    let bytes = |h: &str| hex::decode(h).map_err(|e| WrapError::Io(e.to_string()));
    let (salt, nonce, mut sealed) = (bytes(&f.salt)?, bytes(&f.nonce)?, bytes(&f.wrapped)?);
    let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| WrapError::Io("bad nonce".into()))?;
    let opened = derive(password, &salt)?
        .open_in_place(nonce, Aad::from(AAD), &mut sealed)
        .ok()
        .and_then(|k| CacheKey::from_bytes(k));
    match opened {
        Some(key) => {
            if f.failures > 0 || f.wait_until.is_some() {
                f.failures = 0;
                f.wait_until = None;
                write(path, &f)?;
            }
            Ok(key)
        }
        None => {
            // Only offline tries are counted: online, the service has checked the password.
            if let Some(now) = offline_at {
                f.failures += 1;
                if f.failures >= FREE_TRIES {
                    f.wait_until = Some(now + WAIT_SECS);
                }
                write(path, &f)?;
            }
            Err(WrapError::WrongPassword { tries_left: FREE_TRIES.saturating_sub(f.failures) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_password_opens_and_tries_are_counted() {
        let dir = std::env::temp_dir().join(format!("binddesk-keywrap-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.key");
        let key = CacheKey::random().unwrap();
        store(&path, &key, "right horse").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&hex::encode(key.0)), "the key is never written in the clear");
        assert_eq!(open(&path, "right horse", 0).unwrap().0, key.0);
        for i in 1..FREE_TRIES {
            assert!(
                matches!(open(&path, "wrong", 0), Err(WrapError::WrongPassword { tries_left }) if tries_left == FREE_TRIES - i)
            );
        }
        assert!(matches!(open(&path, "wrong", 0), Err(WrapError::WrongPassword { tries_left: 0 })));
        // Now even the right password waits.
        assert!(matches!(open(&path, "right horse", 10), Err(WrapError::TooManyTries { minutes: 5 })));
        assert_eq!(open(&path, "right horse", WAIT_SECS + 1).unwrap().0, key.0);
        // Online (the service checked the password) no wait applies.
        for _ in 0..FREE_TRIES {
            let _ = open(&path, "wrong", WAIT_SECS + 2);
        }
        assert_eq!(open_verified(&path, "right horse").unwrap().0, key.0);
        assert_eq!(open(&path, "right horse", WAIT_SECS + 3).unwrap().0, key.0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
