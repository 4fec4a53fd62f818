//! Logging in and out, opening offline, and the cache key that only the reviewer's
//! password unwraps.

use super::*;

/// Where releases before the password-wrapped key kept it: the credential store.
fn legacy_key_name(id: &str) -> String {
    format!("cache-key-{id}")
}

fn key_path(cfg: &EngineConfig, id: &str) -> PathBuf {
    cfg.data_dir.join("caches").join(format!("{id}.key"))
}

/// Moves a cache file (and its WAL) aside, untouched, when no key opens it.
fn set_aside(path: &std::path::Path) -> Result<(), CacheError> {
    if path.exists() {
        let aside = path.with_extension(format!("unreadable-{}", Utc::now().timestamp()));
        std::fs::rename(path, aside).map_err(|e| CacheError::Io(e.to_string()))?;
        for ext in ["sqlite-wal", "sqlite-shm"] {
            let _ = std::fs::remove_file(path.with_extension(ext));
        }
    }
    Ok(())
}

/// The cache key at online login, with the password the service has just accepted: the
/// wrapped key beside the cache; else (a cache of an older release) the credential
/// store's, wrapped now and removed from there; else a new key for a new cache.
fn key_at_login(cfg: &EngineConfig, id: &str, password: &str) -> Result<CacheKey, EngineError> {
    let (path, kpath) = (cache_path(cfg, id), key_path(cfg, id));
    if kpath.exists() {
        // Online, the password is right: a wait for offline tries does not apply.
        match crate::keywrap::open_verified(&kpath, password) {
            Ok(k) => return Ok(k),
            // The password was changed elsewhere since the key was wrapped: the old copy
            // cannot be read; keep it aside, untouched, and start again.
            Err(
                crate::keywrap::WrapError::WrongPassword { .. }
                | crate::keywrap::WrapError::TooManyTries { .. },
            ) => {
                set_aside(&path)?;
            }
            Err(e) => return Err(e.into()),
        }
    } else if let Some(k) = cfg.secrets.get(&legacy_key_name(id))?.as_deref().and_then(CacheKey::from_bytes) {
        if path.exists() {
            crate::keywrap::store(&kpath, &k, password)?;
            cfg.secrets.delete(&legacy_key_name(id))?;
            return Ok(k);
        }
    } else {
        set_aside(&path)?;
    }
    let k = CacheKey::random()?;
    if let Some(dir) = kpath.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CacheError::Io(e.to_string()))?;
    }
    crate::keywrap::store(&kpath, &k, password)?;
    let _ = cfg.secrets.delete(&legacy_key_name(id));
    Ok(k)
}

impl Engine {
    /// Logs in and opens (or creates) the account's cache.
    pub async fn login(
        cfg: &EngineConfig,
        service_url: &str,
        username: &str,
        password: &str,
    ) -> Result<Engine, EngineError> {
        let mut client = Client::new(service_url)?;
        let session = client.login(username, password).await?;
        let id = account_id(client.base(), username);
        let path = cache_path(cfg, &id);
        let key = key_at_login(cfg, &id, password)?;
        let mut cache = Cache::open(&path, &key)?;
        let staff_json =
            serde_json::to_string(&session.staff).map_err(|e| CacheError::Damaged(e.to_string()))?;
        cache.set_meta("staff", &staff_json)?;
        cache.set_meta("service_url", client.base())?;
        cache.set_meta("username", username)?;
        if session.staff.role == Role::Teacher {
            let classes: Vec<String> = session.staff.classes.iter().map(|c| c.id.clone()).collect();
            cache.keep_only_classes(&classes)?;
        }
        cfg.secrets.set(&token_name(&id), session.token.as_bytes())?;
        Ok(Engine::assemble(client, cache, key, cfg, id, username, session.staff, true))
    }

    /// Opens the account's cache without the service (offline), with the reviewer's
    /// password, which unwraps the cache key (wrong tries are counted; see
    /// [`crate::keywrap`]). Decisions made now are sent once the service answers again.
    pub fn open_offline(
        cfg: &EngineConfig,
        service_url: &str,
        username: &str,
        password: &str,
    ) -> Result<Engine, EngineError> {
        let mut client = Client::new(service_url)?;
        let id = account_id(client.base(), username);
        let path = cache_path(cfg, &id);
        if !path.exists() {
            return Err(EngineError::NoOfflineCache);
        }
        let kpath = key_path(cfg, &id);
        if !kpath.exists() {
            return Err(EngineError::NoOfflineCache);
        }
        let key = crate::keywrap::open(&kpath, password, Utc::now().timestamp())?;
        let cache = Cache::open(&path, &key)?;
        let staff: Staff = cache
            .meta("staff")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or(EngineError::NoOfflineCache)?;
        if let Some(token) = cfg.secrets.get(&token_name(&id))? {
            client = client.with_token(String::from_utf8_lossy(&token).into_owned());
        }
        Ok(Engine::assemble(client, cache, key, cfg, id, username, staff, false))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        client: Client,
        cache: Cache,
        key: CacheKey,
        cfg: &EngineConfig,
        id: String,
        username: &str,
        staff: Staff,
        online: bool,
    ) -> Engine {
        Engine {
            client: std::sync::RwLock::new(client),
            cache: Mutex::new(Some(cache)),
            cfg: cfg.clone(),
            id,
            username: username.to_string(),
            staff: std::sync::RwLock::new(staff),
            online: AtomicBool::new(online),
            page_size: AtomicU32::new(DEFAULT_PAGE),
            send_lock: tokio::sync::Mutex::new(()),
            sync_lock: tokio::sync::Mutex::new(()),
            key,
        }
    }

    /// Logs in again (the session expired) without closing the cache.
    pub async fn relogin(&self, password: &str) -> Result<(), EngineError> {
        let mut client = self.client();
        let session = client.login(&self.username, password).await?;
        // The password may have changed since the key was wrapped: wrap it again.
        crate::keywrap::store(&key_path(&self.cfg, &self.id), &self.key, password)?;
        self.cfg.secrets.set(&token_name(&self.id), session.token.as_bytes())?;
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = client;
        *self.staff.write().unwrap_or_else(|p| p.into_inner()) = session.staff;
        self.online.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Ends the session. With `wipe` the cache file and its key are deleted too; that is
    /// refused while decisions are unsent unless `force`.
    pub async fn logout(&self, wipe: bool, force: bool) -> Result<(), EngineError> {
        if wipe && !force {
            let unsent = self.with_cache(|c| c.outbox_len())?;
            if unsent > 0 {
                return Err(EngineError::UnsentDecisions(unsent));
            }
        }
        // The service may be unreachable; the local end of the session ends regardless.
        let mut client = self.client();
        let _ = client.logout().await;
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = client;
        self.cfg.secrets.delete(&token_name(&self.id))?;
        if wipe {
            let cache = self.lock().take();
            drop(cache);
            let path = cache_path(&self.cfg, &self.id);
            for p in [path.clone(), path.with_extension("sqlite-wal"), path.with_extension("sqlite-shm")] {
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(CacheError::Io(e.to_string()).into());
                    }
                    _ => {}
                }
            }
            match std::fs::remove_file(key_path(&self.cfg, &self.id)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(CacheError::Io(e.to_string()).into());
                }
                _ => {}
            }
            self.cfg.secrets.delete(&legacy_key_name(&self.id))?;
        }
        Ok(())
    }
}
