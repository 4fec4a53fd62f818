//! Where the session token and the cache key live: the operating system's credential
//! store, never a plain file next to the data, unless someone chooses the documented
//! fallback.
//!
//! [`SecretStore`] is the narrow interface the engine uses. [`SecretStore::from_env`]
//! picks, in this order:
//! 1. the fallback folder named by `BINDDESK_SECRET_DIR`, when set: one file per secret,
//!    readable by the owner only. For headless machines with no credential store, and for
//!    tests. The secrets are then only as safe as that folder; keep it off the data
//!    folder's disk or backups.
//! 2. the operating system's store: on Linux the Secret Service over D-Bus (GNOME
//!    Keyring, KWallet), persistent; else the kernel's keyutils, which needs no D-Bus
//!    but forgets its keys at reboot (a cache whose key is gone cannot be opened: the app
//!    then offers to start a new cache); on Windows the Credential Manager; on macOS the
//!    Keychain.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name under which every secret is filed in the credential store.
pub const SERVICE_NAME: &str = "BindDesk";
/// The environment variable that selects the fallback folder.
pub const SECRET_DIR_ENV: &str = "BINDDESK_SECRET_DIR";

/// Why a secret could not be read or kept.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No credential store is usable on this machine.
    #[error(
        "no credential store is available ({0}); set {SECRET_DIR_ENV} to a private folder to keep secrets there instead"
    )]
    NoStore(String),
    /// The store refused or failed.
    #[error("the credential store failed: {0}")]
    Store(String),
    /// The fallback folder could not be used.
    #[error("the secret folder cannot be used: {0}")]
    Folder(#[from] std::io::Error),
}

/// A place for small secrets, by name.
#[derive(Clone)]
pub struct SecretStore {
    inner: Arc<Backend>,
}

enum Backend {
    Folder(PathBuf),
    Os(Arc<keyring_core::CredentialStore>, &'static str),
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SecretStore {
    /// The fallback folder if `BINDDESK_SECRET_DIR` is set, else the operating system's store.
    pub fn from_env() -> Result<SecretStore, SecretError> {
        match std::env::var_os(SECRET_DIR_ENV) {
            Some(dir) if !dir.is_empty() => SecretStore::folder(Path::new(&dir)),
            _ => SecretStore::os(),
        }
    }

    /// Secrets as owner-only files in `dir` (the documented fallback).
    pub fn folder(dir: &Path) -> Result<SecretStore, SecretError> {
        std::fs::create_dir_all(dir)?;
        restrict(dir, 0o700)?;
        Ok(SecretStore { inner: Arc::new(Backend::Folder(dir.to_path_buf())) })
    }

    /// The operating system's credential store.
    pub fn os() -> Result<SecretStore, SecretError> {
        let (store, name) = os_store()?;
        Ok(SecretStore { inner: Arc::new(Backend::Os(store, name)) })
    }

    /// Which store this is, for the about box and error messages.
    pub fn describe(&self) -> String {
        match &*self.inner {
            Backend::Folder(dir) => format!("folder {}", dir.display()),
            Backend::Os(_, name) => (*name).to_string(),
        }
    }

    /// Reads a secret; `None` when there is none by that name.
    pub fn get(&self, name: &str) -> Result<Option<Vec<u8>>, SecretError> {
        match &*self.inner {
            Backend::Folder(dir) => match std::fs::read(dir.join(file_name(name))) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            },
            Backend::Os(store, _) => match entry(store, name)?.get_secret() {
                Ok(bytes) => Ok(Some(bytes)),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(SecretError::Store(e.to_string())),
            },
        }
    }

    /// Keeps a secret, replacing any of the same name.
    pub fn set(&self, name: &str, secret: &[u8]) -> Result<(), SecretError> {
        match &*self.inner {
            Backend::Folder(dir) => {
                // Written to a private temporary file and renamed, so a crash never
                // leaves half a key behind.
                let path = dir.join(file_name(name));
                let tmp = dir.join(format!("{}.tmp", file_name(name)));
                std::fs::write(&tmp, secret)?;
                restrict(&tmp, 0o600)?;
                std::fs::rename(&tmp, &path)?;
                Ok(())
            }
            Backend::Os(store, _) => {
                entry(store, name)?.set_secret(secret).map_err(|e| SecretError::Store(e.to_string()))
            }
        }
    }

    /// Forgets a secret (none by that name is fine).
    pub fn delete(&self, name: &str) -> Result<(), SecretError> {
        match &*self.inner {
            Backend::Folder(dir) => match std::fs::remove_file(dir.join(file_name(name))) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Backend::Os(store, _) => match entry(store, name)?.delete_credential() {
                Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                Err(e) => Err(SecretError::Store(e.to_string())),
            },
        }
    }
}

fn entry(store: &Arc<keyring_core::CredentialStore>, name: &str) -> Result<keyring_core::Entry, SecretError> {
    store.build(SERVICE_NAME, name, None).map_err(|e| SecretError::Store(e.to_string()))
}

/// Secret names are ours (hex digests and fixed words), but are still made file-safe.
fn file_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    // Windows: files under the user's profile are private to the user by default.
    Ok(())
}

#[cfg(target_os = "linux")]
fn os_store() -> Result<(Arc<keyring_core::CredentialStore>, &'static str), SecretError> {
    // The concrete store's `build` (a `dyn` store's needs no import).
    use keyring_core::api::CredentialStoreApi;
    // The Secret Service keeps secrets across reboots; it needs a D-Bus session with a
    // keyring daemon, which desktops have and headless machines lack.
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && let Ok(store) = dbus_secret_service_keyring_store::Store::new()
    {
        return Ok((store, "Secret Service"));
    }
    let store =
        linux_keyutils_keyring_store::Store::new().map_err(|e| SecretError::NoStore(e.to_string()))?;
    // Probe once: some sandboxes forbid the key syscalls.
    let probe = store.build(SERVICE_NAME, "probe", None).map_err(|e| SecretError::NoStore(e.to_string()))?;
    match probe.get_secret() {
        Ok(_) | Err(keyring_core::Error::NoEntry) => Ok((store, "kernel keyutils")),
        Err(e) => Err(SecretError::NoStore(e.to_string())),
    }
}

#[cfg(target_os = "windows")]
fn os_store() -> Result<(Arc<keyring_core::CredentialStore>, &'static str), SecretError> {
    let store =
        windows_native_keyring_store::Store::new().map_err(|e| SecretError::NoStore(e.to_string()))?;
    Ok((store, "Windows Credential Manager"))
}

#[cfg(target_os = "macos")]
fn os_store() -> Result<(Arc<keyring_core::CredentialStore>, &'static str), SecretError> {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| SecretError::NoStore(e.to_string()))?;
    Ok((store, "macOS Keychain"))
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn os_store() -> Result<(Arc<keyring_core::CredentialStore>, &'static str), SecretError> {
    Err(SecretError::NoStore("no credential store is known for this system".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_folder_keeps_private_files() {
        let dir = std::env::temp_dir().join(format!("binddesk-secrets-{}", uuid::Uuid::new_v4()));
        let s = SecretStore::folder(&dir).unwrap();
        assert_eq!(s.get("cache-key-ab").unwrap(), None);
        s.set("cache-key-ab", b"\x00\x01secret").unwrap();
        assert_eq!(s.get("cache-key-ab").unwrap().as_deref(), Some(&b"\x00\x01secret"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("cache-key-ab")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        s.delete("cache-key-ab").unwrap();
        s.delete("cache-key-ab").unwrap();
        assert_eq!(s.get("cache-key-ab").unwrap(), None);
        assert_eq!(file_name("../x y"), "___x_y");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The real operating-system store of this machine (keyutils on a headless Linux; the
    /// Windows Credential Manager in scripts/windows.sh's run under Wine).
    /// Where a sandbox forbids every store, the error must say what to do instead.
    #[test]
    fn the_os_store_round_trips_or_says_why_not() {
        match SecretStore::os() {
            Ok(s) => {
                let name = format!("test-{}", uuid::Uuid::new_v4());
                s.set(&name, b"k1").unwrap();
                assert_eq!(s.get(&name).unwrap().as_deref(), Some(&b"k1"[..]));
                s.set(&name, b"k2").unwrap();
                assert_eq!(s.get(&name).unwrap().as_deref(), Some(&b"k2"[..]));
                s.delete(&name).unwrap();
                assert_eq!(s.get(&name).unwrap(), None);
            }
            // Every Windows has the Credential Manager (under Wine too): no excuse there.
            Err(e) if cfg!(windows) => panic!("the Windows Credential Manager failed: {e}"),
            Err(e) => assert!(e.to_string().contains(SECRET_DIR_ENV), "{e}"),
        }
    }
}
