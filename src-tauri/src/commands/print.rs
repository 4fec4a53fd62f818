//! Printing: where a PDF may be written, rendering with progress, opening and sending it to the printer.

use super::*;

/// What a print produced.
#[derive(Serialize)]
pub struct PrintResult {
    path: String,
    pages: usize,
    bytes: usize,
    /// Characters no font on this machine has, as "U+XXXX in field of application".
    missing: Vec<String>,
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
        binddesk_review::print_target::TargetError::NotChosen => {
            CommandError::new(ErrorCode::PathNotChosen, e)
        }
        binddesk_review::print_target::TargetError::NotPdf => CommandError::new(ErrorCode::BadPath, e),
    })?;
    if ids.is_empty() {
        return Err(CommandError::new(ErrorCode::NothingToPrint, "nothing selected"));
    }
    let renderer = state
        .renderer
        .get_or_init(|| binddesk_forms::Renderer::discover().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|m| CommandError::new(ErrorCode::NoFont, m))?;
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
                    CommandError::new(ErrorCode::Cancelled, "printing was cancelled")
                }
                other => CommandError::new(ErrorCode::PrintFailed, other),
            })?;
        if let Some(dir) = out_path.parent().filter(|_| may_create_dir) {
            std::fs::create_dir_all(dir).map_err(|e| CommandError::new(ErrorCode::WriteFailed, e))?;
        }
        std::fs::write(&out_path, &rendered.pdf).map_err(|e| CommandError::new(ErrorCode::WriteFailed, e))?;
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
    .map_err(|e| CommandError::new(ErrorCode::PrintFailed, e))??;
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
        Err(CommandError::new(ErrorCode::BadPath, "only a PDF printed in this session can be opened"))
    }
}

/// Opens a PDF this session printed in the system's viewer.
#[tauri::command]
pub fn open_path(app: AppHandle, state: State<'_, AppState>, path: String) -> Res<()> {
    use tauri_plugin_opener::OpenerExt;
    let p = printed(&state, &path)?;
    // The opener plugin: the system's viewer, without a console window or shell quoting
    // (`cmd /C start` broke on `&` in a path).
    app.opener()
        .open_path(p.to_string_lossy(), None::<&str>)
        .map_err(|e| CommandError::new(ErrorCode::OpenFailed, e))
}

/// Whether this computer can send a PDF straight to a printer: CUPS `lp` on the PATH
/// (Linux, macOS). Windows has no `lp`: there the UI says to open the PDF and print it
/// from the viewer, and offers nothing it cannot do.
pub fn can_send_to_printer() -> bool {
    if cfg!(windows) {
        return false;
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join("lp").is_file()))
        .unwrap_or(false)
}

/// Sends a PDF this session printed to the default printer (CUPS `lp`).
#[tauri::command]
pub fn send_to_printer(state: State<'_, AppState>, path: String) -> Res<String> {
    let p = printed(&state, &path)?;
    let out = std::process::Command::new("lp")
        .arg(&p)
        .output()
        .map_err(|e| CommandError::new(ErrorCode::PrinterFailed, format!("no printing system (lp): {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(CommandError::new(ErrorCode::PrinterFailed, String::from_utf8_lossy(&out.stderr).trim()))
    }
}
