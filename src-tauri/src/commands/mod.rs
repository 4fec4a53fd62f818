//! The Tauri commands: each one adapts a call of the review engine (or the forms crate)
//! and nothing more. Errors reach the UI as a code it translates, never as a panic.
//! One file a feature: `session`, `review`, `decisions`, `sync`, `print`; what they share
//! (the state, the error, the app's info and language) is here.

use crate::settings::{self, Settings};
use base64::Engine as _;
use binddesk_domain::DecisionAction;
use binddesk_review::cache::{CacheError, QueueError};
use binddesk_review::client::ClientError;
use binddesk_review::error_code::ErrorCode;
use binddesk_review::views::*;
use binddesk_review::{CancelToken, Engine, EngineConfig, EngineError};
use serde::Serialize;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Emitter, State};

/// Everything the commands share.
pub struct AppState {
    pub data_dir: PathBuf,
    pub config: Result<EngineConfig, String>,
    pub engine: tokio::sync::RwLock<Option<Arc<Engine>>>,
    pub sync_cancel: Mutex<CancelToken>,
    pub print_cancel: Arc<AtomicBool>,
    pub renderer: OnceLock<Result<Arc<binddesk_forms::Renderer>, String>>,
    /// PDFs this run wrote: the only files `open_path` and `send_to_printer` accept.
    pub printed: Mutex<HashSet<PathBuf>>,
    /// Where prints may be written: picked in the save dialog, or the default folder.
    pub print_targets: binddesk_review::print_target::PrintTargets,
    pub settings: Mutex<Settings>,
    /// Counts window moves and resizes, so only the last of a burst is written.
    pub geometry_changes: std::sync::atomic::AtomicU64,
}

/// An error as the UI gets it: a stable code to translate, the engine's sentence, and
/// minutes for a locked account.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
    pub minutes: Option<u64>,
}

impl CommandError {
    fn new(code: ErrorCode, message: impl ToString) -> CommandError {
        // The code only: a message can hold a path or a name.
        log::warn!("error shown: {}", code.as_str());
        CommandError { code: code.as_str().into(), message: message.to_string(), minutes: None }
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> CommandError {
        let code = match &e {
            EngineError::Client(c) => match c {
                ClientError::WrongPassword => ErrorCode::WrongPassword,
                ClientError::Locked { minutes } => {
                    return CommandError {
                        code: ErrorCode::Locked.as_str().into(),
                        message: e.to_string(),
                        minutes: Some(*minutes),
                    };
                }
                ClientError::SessionExpired => ErrorCode::SessionExpired,
                ClientError::Unreachable(_) => ErrorCode::Unreachable,
                ClientError::NotOurApi(_) => ErrorCode::NotOurApi,
                ClientError::BadAddress(_) => ErrorCode::BadAddress,
                ClientError::Cleartext => ErrorCode::Cleartext,
                ClientError::RateLimited { .. } => ErrorCode::RateLimited,
                ClientError::Forbidden => ErrorCode::Forbidden,
                ClientError::NotFound => ErrorCode::NotFound,
                _ => ErrorCode::ServiceError,
            },
            EngineError::Queue(q) => ErrorCode::from_wire(q.code()).unwrap_or(ErrorCode::ServiceError),
            EngineError::Cache(CacheError::WrongKey) => ErrorCode::CacheKey,
            EngineError::Cache(CacheError::NotCached(_)) => ErrorCode::NotFound,
            EngineError::Cache(_) => ErrorCode::CacheFailed,
            EngineError::Secret(_) => ErrorCode::NoCredentialStore,
            EngineError::Key(binddesk_review::keywrap::WrapError::WrongPassword { .. }) => {
                ErrorCode::OfflineWrongPassword
            }
            EngineError::Key(binddesk_review::keywrap::WrapError::TooManyTries { minutes }) => {
                return CommandError {
                    code: ErrorCode::OfflineLocked.as_str().into(),
                    message: e.to_string(),
                    minutes: Some(*minutes),
                };
            }
            EngineError::Key(_) => ErrorCode::CacheKey,
            EngineError::NoOfflineCache => ErrorCode::NoOfflineCache,
            EngineError::UnsentDecisions(_) => ErrorCode::UnsentDecisions,
            EngineError::LoggedOut => ErrorCode::NotLoggedIn,
            EngineError::Cancelled => ErrorCode::Cancelled,
        };
        CommandError::new(code, e)
    }
}

impl From<QueueError> for CommandError {
    fn from(e: QueueError) -> CommandError {
        CommandError::from(EngineError::Queue(e))
    }
}

type Res<T> = Result<T, CommandError>;

async fn engine(state: &AppState) -> Res<Arc<Engine>> {
    state
        .engine
        .read()
        .await
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NotLoggedIn, "not logged in"))
}

fn config(state: &AppState) -> Res<&EngineConfig> {
    state.config.as_ref().map_err(|e| CommandError::new(ErrorCode::NoCredentialStore, e))
}

fn remember(state: &AppState, f: impl FnOnce(&mut Settings)) {
    let mut s = state.settings.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut s);
    // Losing a remembered setting is not worth bothering the reviewer about.
    let _ = settings::save(&state.data_dir, &s);
}

/// What the front end shows in its header and "about" box.
#[derive(Serialize)]
pub struct AppInfo {
    name_zh_tw: &'static str,
    name_en: &'static str,
    version: &'static str,
    /// The service address to offer on the login screen: the one the app was started
    /// with (scripts/run.sh sets it), else the last one used.
    service_url: Option<String>,
    username: Option<String>,
    lang: String,
    credential_store: String,
    /// Bench mode: the UI reports its timings.
    bench: bool,
    /// Bench baseline: show an empty window.
    empty: bool,
    /// A PDF can go straight to a printer here (`lp`); otherwise print from the viewer.
    direct_print: bool,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let s = state.settings.lock().unwrap_or_else(|p| p.into_inner()).clone();
    AppInfo {
        name_zh_tw: "綁定審核台",
        name_en: "BindDesk",
        version: env!("CARGO_PKG_VERSION"),
        service_url: std::env::var("BINDDESK_SERVICE_URL").ok().or(s.service_url),
        username: std::env::var("BINDDESK_USERNAME").ok().or(s.username),
        lang: s.lang.unwrap_or_else(|| "zh-TW".into()),
        credential_store: match &state.config {
            Ok(c) => c.secrets.describe(),
            Err(e) => e.clone(),
        },
        bench: std::env::var_os("BINDDESK_BENCH").is_some(),
        empty: std::env::var_os("BINDDESK_BENCH_EMPTY").is_some(),
        direct_print: print::can_send_to_printer(),
    }
}

#[tauri::command]
pub fn set_language(state: State<'_, AppState>, lang: String) {
    let lang = if lang == "en" { "en" } else { "zh-TW" };
    remember(&state, |s| s.lang = Some(lang.into()));
}

/// Bench mode only: the UI reports a timing, printed on stdout for the bench script.
#[tauri::command]
pub fn bench_mark(label: String, ms: f64) {
    if std::env::var_os("BINDDESK_BENCH").is_some() || std::env::var_os("BINDDESK_BENCH_EMPTY").is_some() {
        println!("BINDDESK_BENCH {label} {ms:.1}");
    }
}

pub mod decisions;
pub mod prefs;
pub mod print;
pub mod review;
pub mod session;
pub mod sync;
