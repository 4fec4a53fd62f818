//! The Tauri commands: each one adapts a call of the review engine (or the forms crate)
//! and nothing more. Errors reach the UI as a code it translates, never as a panic.

use crate::settings::{self, Settings};
use base64::Engine as _;
use binddesk_domain::DecisionAction;
use binddesk_review::cache::{CacheError, QueueError};
use binddesk_review::client::ClientError;
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
    fn new(code: &str, message: impl ToString) -> CommandError {
        CommandError { code: code.into(), message: message.to_string(), minutes: None }
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> CommandError {
        let code = match &e {
            EngineError::Client(c) => match c {
                ClientError::WrongPassword => "wrong_password",
                ClientError::Locked { minutes } => {
                    return CommandError {
                        code: "locked".into(),
                        message: e.to_string(),
                        minutes: Some(*minutes),
                    };
                }
                ClientError::SessionExpired => "session_expired",
                ClientError::Unreachable(_) => "unreachable",
                ClientError::NotOurApi(_) => "not_our_api",
                ClientError::BadAddress(_) => "bad_address",
                ClientError::Cleartext => "cleartext",
                ClientError::RateLimited { .. } => "rate_limited",
                ClientError::Forbidden => "forbidden",
                ClientError::NotFound => "not_found",
                _ => "service_error",
            },
            EngineError::Queue(q) => q.code(),
            EngineError::Cache(CacheError::WrongKey) => "cache_key",
            EngineError::Cache(CacheError::NotCached(_)) => "not_found",
            EngineError::Cache(_) => "cache_failed",
            EngineError::Secret(_) => "no_credential_store",
            EngineError::Key(binddesk_review::keywrap::WrapError::WrongPassword { .. }) => {
                "offline_wrong_password"
            }
            EngineError::Key(binddesk_review::keywrap::WrapError::TooManyTries { minutes }) => {
                return CommandError {
                    code: "offline_locked".into(),
                    message: e.to_string(),
                    minutes: Some(*minutes),
                };
            }
            EngineError::Key(_) => "cache_key",
            EngineError::NoOfflineCache => "no_offline_cache",
            EngineError::UnsentDecisions(_) => "unsent_decisions",
            EngineError::LoggedOut => "not_logged_in",
            EngineError::Cancelled => "cancelled",
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
    state.engine.read().await.clone().ok_or_else(|| CommandError::new("not_logged_in", "not logged in"))
}

fn config(state: &AppState) -> Res<&EngineConfig> {
    state.config.as_ref().map_err(|e| CommandError::new("no_credential_store", e))
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
    }
}

#[tauri::command]
pub fn set_language(state: State<'_, AppState>, lang: String) {
    let lang = if lang == "en" { "en" } else { "zh-TW" };
    remember(&state, |s| s.lang = Some(lang.into()));
}

#[tauri::command]
pub fn has_offline_cache(state: State<'_, AppState>, service_url: String, username: String) -> bool {
    match &state.config {
        Ok(cfg) => binddesk_review::engine::has_offline_cache(cfg, &service_url, &username),
        Err(_) => false,
    }
}

#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    service_url: String,
    username: String,
    password: String,
) -> Res<EngineStatus> {
    let cfg = config(&state)?;
    let e = Engine::login(cfg, &service_url, username.trim(), &password).await?;
    let status = e.status()?;
    remember(&state, |s| {
        s.service_url = Some(status.service_url.clone());
        s.username = Some(username.trim().to_string());
    });
    *state.engine.write().await = Some(Arc::new(e));
    Ok(status)
}

#[tauri::command]
pub async fn open_offline(
    state: State<'_, AppState>,
    service_url: String,
    username: String,
    password: String,
) -> Res<EngineStatus> {
    let cfg = config(&state)?;
    // Bench mode only: the benchmark hands the password in its environment.
    let password = match std::env::var("BINDDESK_BENCH_PASSWORD") {
        Ok(p) if password.is_empty() && std::env::var_os("BINDDESK_BENCH").is_some() => p,
        _ => password,
    };
    let cfg2 = cfg.clone();
    let (url, user) = (service_url.clone(), username.trim().to_string());
    // argon2 takes a moment: off the async workers.
    let e = tauri::async_runtime::spawn_blocking(move || Engine::open_offline(&cfg2, &url, &user, &password))
        .await
        .map_err(|e| CommandError::new("cache_failed", e))??;
    let status = e.status()?;
    *state.engine.write().await = Some(Arc::new(e));
    Ok(status)
}

#[tauri::command]
pub async fn relogin(state: State<'_, AppState>, password: String) -> Res<EngineStatus> {
    let e = engine(&state).await?;
    e.relogin(&password).await?;
    Ok(e.status()?)
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>, wipe: bool, force: bool) -> Res<()> {
    let e = engine(&state).await?;
    e.logout(wipe, force).await?;
    *state.engine.write().await = None;
    Ok(())
}

#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Res<EngineStatus> {
    Ok(engine(&state).await?.status()?)
}

#[tauri::command]
pub async fn counts(state: State<'_, AppState>) -> Res<Vec<StatusCount>> {
    Ok(engine(&state).await?.counts()?)
}

#[tauri::command]
pub async fn list(state: State<'_, AppState>, query: ListQuery) -> Res<ListPage> {
    Ok(engine(&state).await?.list(&query)?)
}

#[tauri::command]
pub async fn ids_matching(state: State<'_, AppState>, query: ListQuery) -> Res<Vec<String>> {
    Ok(engine(&state).await?.ids_matching(&query)?)
}

#[tauri::command]
pub async fn view(state: State<'_, AppState>, id: String) -> Res<ApplicationView> {
    Ok(engine(&state).await?.view(&id)?)
}

#[tauri::command]
pub async fn reveal(state: State<'_, AppState>, id: String) -> Res<ApplicationView> {
    Ok(engine(&state).await?.reveal(&id)?)
}

/// A cached signature as a `data:` URL (the CSP allows images from data: only).
#[tauri::command]
pub async fn signature(state: State<'_, AppState>, sha256: String) -> Res<Option<String>> {
    let png = engine(&state).await?.signature(&sha256)?;
    Ok(png.map(|b| format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b))))
}

#[tauri::command]
pub async fn decide(
    state: State<'_, AppState>,
    id: String,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<QueuedDecision> {
    Ok(engine(&state).await?.decide(&id, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn preview_many(
    state: State<'_, AppState>,
    ids: Vec<String>,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<Vec<Skipped>> {
    Ok(engine(&state).await?.preview_many(&ids, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn decide_many(
    state: State<'_, AppState>,
    ids: Vec<String>,
    action: DecisionAction,
    reason: Option<String>,
) -> Res<BulkQueued> {
    Ok(engine(&state).await?.decide_many(&ids, action, reason.as_deref())?)
}

#[tauri::command]
pub async fn undo(state: State<'_, AppState>, id: String) -> Res<()> {
    Ok(engine(&state).await?.undo(&id)?)
}

#[tauri::command]
pub async fn conflicts(state: State<'_, AppState>) -> Res<Vec<Conflict>> {
    Ok(engine(&state).await?.conflicts()?)
}

#[tauri::command]
pub async fn drop_conflict(state: State<'_, AppState>, decision_id: String) -> Res<bool> {
    Ok(engine(&state).await?.drop_conflict(&decision_id)?)
}

#[tauri::command]
pub async fn send_outbox(state: State<'_, AppState>) -> Res<SendReport> {
    Ok(engine(&state).await?.send_outbox(true).await?)
}

/// Syncs, emitting `sync-progress` events as it goes. `manual` (the reviewer pressed
/// the button) sends queued decisions at once, backoff or not.
#[tauri::command]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>, manual: bool) -> Res<SyncReport> {
    let e = engine(&state).await?;
    let cancel = CancelToken::new();
    *state.sync_cancel.lock().unwrap_or_else(|p| p.into_inner()) = cancel.clone();
    let emit = |p| {
        let _ = app.emit("sync-progress", p);
    };
    let report = if manual { e.sync_now(&emit, &cancel).await? } else { e.sync(&emit, &cancel).await? };
    Ok(report)
}

#[tauri::command]
pub fn cancel_sync(state: State<'_, AppState>) {
    state.sync_cancel.lock().unwrap_or_else(|p| p.into_inner()).cancel();
}

/// The default folder of prints: Documents/BindDesk (`BINDDESK_PRINT_DIR` instead, for
/// tests and managed PCs).
pub fn default_print_dir(app: &AppHandle) -> PathBuf {
    use tauri::Manager;
    if let Some(dir) = std::env::var_os("BINDDESK_PRINT_DIR").map(PathBuf::from).filter(|d| d.is_absolute()) {
        return dir;
    }
    app.path()
        .document_dir()
        .or_else(|_| app.path().home_dir())
        .unwrap_or_else(|_| std::env::temp_dir())
        .join("BindDesk")
}

/// Where a print is saved unless the reviewer picks another place: Documents/BindDesk.
#[tauri::command]
pub fn default_print_path(state: State<'_, AppState>, name: String) -> String {
    let safe: String = name
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') && !c.is_control())
        .collect();
    let safe = safe.trim_start_matches('.');
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    state.print_targets.default_dir().join(format!("{safe}-{stamp}.pdf")).to_string_lossy().into_owned()
}

/// Asks where to save a print with the system's "save as" dialog, starting from
/// `suggested`. `None` when the reviewer cancels. The dialog is shown from here, not from
/// the page, so the page holds no dialog permission of its own.
#[tauri::command]
pub async fn choose_save_path(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    suggested: String,
) -> Result<Option<String>, CommandError> {
    Ok(pick_save_path(window, suggested).await.inspect(|p| {
        state.print_targets.remember_picked(std::path::Path::new(p));
    }))
}

async fn pick_save_path(window: tauri::WebviewWindow, suggested: String) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let suggested = std::path::PathBuf::from(suggested);
    let mut dialog = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title("儲存申請書 Save the forms")
        .add_filter("PDF", &["pdf"]);
    if let Some(dir) = suggested.parent().filter(|d| d.is_dir()) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = suggested.file_name() {
        dialog = dialog.set_file_name(name.to_string_lossy());
    }
    // The dialog blocks until answered: on a blocking thread, not the async runtime's.
    let picked = tokio::task::spawn_blocking(move || dialog.blocking_save_file()).await.ok()??;
    let mut path = picked.into_path().ok()?;
    if path.extension().is_none() {
        path.set_extension("pdf");
    }
    Some(path.to_string_lossy().into_owned())
}

/// What a print produced.
#[derive(Serialize)]
pub struct PrintResult {
    path: String,
    pages: usize,
    bytes: usize,
    /// Characters no font on this machine has, as "U+XXXX in field of application".
    missing: Vec<String>,
}

/// Renders forms from the cache into a PDF at `path`, emitting `print-progress`.
#[tauri::command]
pub async fn print_forms(
    app: AppHandle,
    state: State<'_, AppState>,
    ids: Vec<String>,
    reveal: bool,
    path: String,
) -> Res<PrintResult> {
    let e = engine(&state).await?;
    let (path, may_create_dir) = state.print_targets.check(&path).map_err(|e| match e {
        binddesk_review::print_target::TargetError::NotChosen => CommandError::new("path_not_chosen", e),
        binddesk_review::print_target::TargetError::NotPdf => CommandError::new("bad_path", e),
    })?;
    if ids.is_empty() {
        return Err(CommandError::new("nothing_to_print", "nothing selected"));
    }
    let renderer = state
        .renderer
        .get_or_init(|| binddesk_forms::Renderer::discover().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|m| CommandError::new("no_font", m))?;
    let cancel = state.print_cancel.clone();
    cancel.store(false, Ordering::SeqCst);
    let out_path = path.clone();
    let result = tokio::task::spawn_blocking(move || -> Res<PrintResult> {
        let rendered = e
            .print(&renderer, &ids, reveal, &mut |p| {
                let _ = app.emit("print-progress", serde_json::json!({"done": p.done, "total": p.total}));
                !cancel.load(Ordering::SeqCst)
            })
            .map_err(|err| match err {
                binddesk_review::engine::PrintError::Form(binddesk_forms::FormError::Cancelled) => {
                    CommandError::new("cancelled", "printing was cancelled")
                }
                other => CommandError::new("print_failed", other),
            })?;
        if let Some(dir) = out_path.parent().filter(|_| may_create_dir) {
            std::fs::create_dir_all(dir).map_err(|e| CommandError::new("write_failed", e))?;
        }
        std::fs::write(&out_path, &rendered.pdf).map_err(|e| CommandError::new("write_failed", e))?;
        Ok(PrintResult {
            path: out_path.to_string_lossy().into_owned(),
            pages: rendered.pages,
            bytes: rendered.pdf.len(),
            missing: rendered
                .missing
                .iter()
                .map(|m| format!("U+{:04X} in {} of {}", m.character as u32, m.field, m.application_id))
                .collect(),
        })
    })
    .await
    .map_err(|e| CommandError::new("print_failed", e))??;
    state.printed.lock().unwrap_or_else(|p| p.into_inner()).insert(path);
    Ok(result)
}

#[tauri::command]
pub fn cancel_print(state: State<'_, AppState>) {
    state.print_cancel.store(true, Ordering::SeqCst);
}

fn printed(state: &AppState, path: &str) -> Res<PathBuf> {
    let p = PathBuf::from(path);
    if state.printed.lock().unwrap_or_else(|p| p.into_inner()).contains(&p) {
        Ok(p)
    } else {
        Err(CommandError::new("bad_path", "only a PDF printed in this session can be opened"))
    }
}

/// Opens a PDF this session printed in the system's viewer.
#[tauri::command]
pub fn open_path(state: State<'_, AppState>, path: String) -> Res<()> {
    let p = printed(&state, &path)?;
    let mut cmd = if cfg!(target_os = "windows") {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(&p).spawn().map(|_| ()).map_err(|e| CommandError::new("open_failed", e))
}

/// Sends a PDF this session printed to the default printer (CUPS `lp`).
#[tauri::command]
pub fn send_to_printer(state: State<'_, AppState>, path: String) -> Res<String> {
    let p = printed(&state, &path)?;
    let out = std::process::Command::new("lp")
        .arg(&p)
        .output()
        .map_err(|e| CommandError::new("printer_failed", format!("no printing system (lp): {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(CommandError::new("printer_failed", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Bench mode only: the UI reports a timing, printed on stdout for the bench script.
#[tauri::command]
pub fn bench_mark(label: String, ms: f64) {
    if std::env::var_os("BINDDESK_BENCH").is_some() || std::env::var_os("BINDDESK_BENCH_EMPTY").is_some() {
        println!("BINDDESK_BENCH {label} {ms:.1}");
    }
}
