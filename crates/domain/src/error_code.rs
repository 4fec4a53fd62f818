//! Every error the desktop app can show, by a stable code, with its words in Traditional
//! Chinese and in English: one table (a labelled enum like the others), generated into
//! the UI by the review crate, so that no error reaches a reviewer as "發生錯誤:
//! (the engine's English)". `{n}` in a sentence stands for minutes.

use crate::labels::labelled_enum;

labelled_enum! {
    /// An error the app shows, by its stable code.
    pub enum ErrorCode {
        /// Wrong username or password.
        WrongPassword => ("wrong_password", "帳號或密碼錯誤。", "Wrong username or password."),
        /// Locked after failed logins.
        Locked => ("locked", "登入失敗次數過多，帳號鎖定中，請於 {n} 分鐘後再試。", "Too many failed logins: the account is locked for {n} more minutes."),
        /// The session ended.
        SessionExpired => ("session_expired", "登入已逾時，請重新登入後再送出。", "The session has ended: log in again to send."),
        /// The service cannot be reached.
        Unreachable => ("unreachable", "無法連線到綁定服務，請確認網路或服務網址。", "The binding service cannot be reached: check the network or the address."),
        /// Not the binding service.
        NotOurApi => ("not_our_api", "這個網址回應的不是綁定服務。", "That address does not answer like the binding service."),
        /// Not a usable address.
        BadAddress => ("bad_address", "服務網址格式不正確（需以 http:// 或 https:// 開頭）。", "Not a usable address (it must start with http:// or https://)."),
        /// Plain http:// beyond this computer.
        Cleartext => ("cleartext", "只有本機可用 http://；其他電腦請用 https://，以免密碼與學生資料在網路上以明文傳送。", "Plain http:// works only for this computer; use https:// so passwords and children's data are encrypted on the network."),
        /// Too many requests.
        RateLimited => ("rate_limited", "服務忙碌中，請稍候再試。", "The service is busy: try again in a moment."),
        /// Outside the reviewer's scope.
        Forbidden => ("forbidden", "這筆申請不在您負責的班級或學校。", "This application is outside your classes or school."),
        /// Not found.
        NotFound => ("not_found", "找不到這筆申請（可能已被清除）。", "This application was not found (it may have been purged)."),
        /// The service failed.
        ServiceError => ("service_error", "綁定服務發生錯誤，請稍後再試；若持續發生請聯絡資訊組。", "The binding service failed: try again later, and tell IT if it goes on."),
        /// The cache's key does not open it.
        CacheKey => ("cache_key", "本機資料無法以其金鑰開啟（金鑰錯誤或檔案損壞）。", "The local copy cannot be opened with its key (wrong key or damaged file)."),
        /// The cache failed.
        CacheFailed => ("cache_failed", "本機資料讀寫失敗，請重新啟動程式；若持續發生請聯絡資訊組。", "The local copy could not be read or written: restart the app, and tell IT if it goes on."),
        /// No credential store.
        NoCredentialStore => ("no_credential_store", "找不到系統的憑證儲存區。", "No credential store is available on this computer."),
        /// The offline password is wrong.
        OfflineWrongPassword => ("offline_wrong_password", "密碼無法開啟這台電腦上的離線資料，請輸入您的登入密碼。", "That password does not open the offline copy on this computer: enter your login password."),
        /// Too many wrong offline passwords.
        OfflineLocked => ("offline_locked", "密碼錯誤次數過多，請於 {n} 分鐘後再試，或連線後登入。", "Too many wrong passwords: try again in {n} minutes, or log in while online."),
        /// No offline copy.
        NoOfflineCache => ("no_offline_cache", "這台電腦沒有此帳號的離線資料，請先連線登入一次。", "No offline copy for this account on this computer: log in online once first."),
        /// Unsent decisions would be lost.
        UnsentDecisions => ("unsent_decisions", "還有決定尚未送出，清除會遺失這些決定。", "Some decisions have not been sent; wiping would lose them."),
        /// Not logged in.
        NotLoggedIn => ("not_logged_in", "尚未登入，請先登入。", "Not logged in: log in first."),
        /// Stopped as asked.
        Cancelled => ("cancelled", "已依您的要求停止。", "Stopped, as you asked."),
        /// The two-account limit.
        AccountLimit => ("account_limit", "此學生已綁定兩個家長帳號，不能再核准。", "This student already has two bound parent accounts; no more can be approved."),
        /// Only pending applications can be decided.
        NotPending => ("not_pending", "只有「申請中」的申請可以審核。", "Only pending applications can be decided."),
        /// A return needs a reason.
        ReasonRequired => ("reason_required", "退回需要填寫原因。", "A return needs a reason."),
        /// The reason is too long.
        ReasonTooLong => ("reason_too_long", "退回原因最多 500 字。", "A reason has at most 500 characters."),
        /// The reason is not text.
        ReasonNotText => ("reason_not_text", "退回原因含有無法顯示的字元（控制字元或改變文字方向的字元），請重新輸入。", "The reason holds characters that are not text (control or direction-changing characters): type it again."),
        /// A title that does not fit the kind.
        TitleDoesNotFitKind => ("title_does_not_fit_kind", "稱謂與關係不符。", "The title does not fit the relationship."),
        /// A status change the process does not allow.
        TransitionNotAllowed => ("transition_not_allowed", "這筆申請目前的狀態不能這樣變更。", "The application's status does not allow this change."),
        /// Already decided, waiting to be sent.
        AlreadyDecided => ("already_decided", "這筆申請已有等待送出的決定，請先復原。", "A decision on this application is already waiting to be sent: undo it first."),
        /// Nothing to undo.
        NothingToUndo => ("nothing_to_undo", "沒有可以復原的決定。", "There is no decision to undo."),
        /// Already sent: cannot be undone.
        AlreadySent => ("already_sent", "這個決定可能已送達服務，無法復原。", "This decision may already have reached the service: it cannot be undone."),
        /// Not a full .pdf path.
        BadPath => ("bad_path", "檔名需為完整路徑並以 .pdf 結尾。", "The file name must be a full path ending in .pdf."),
        /// A typed path outside the default folder.
        PathNotChosen => ("path_not_chosen", "請按「選擇儲存位置…」挑選存檔位置；只有預設資料夾可以直接輸入。", "Use “Choose where…” to pick where to save; only the default folder can be typed."),
        /// Nothing selected to print.
        NothingToPrint => ("nothing_to_print", "沒有選取要列印的申請。", "Nothing is selected to print."),
        /// No CJK font.
        NoFont => ("no_font", "這台電腦沒有可列印申請書的中文字型（如標楷體），請聯絡資訊組。", "This computer has no Chinese font to print the forms (such as DFKai-SB): tell IT."),
        /// Printing failed.
        PrintFailed => ("print_failed", "申請書無法產生，請再試一次。", "The forms could not be made: try again."),
        /// Sending to the printer failed.
        PrinterFailed => ("printer_failed", "無法送到印表機，請改用「開啟」後從檢視器列印。", "Could not send to the printer: open the PDF and print from the viewer instead."),
        /// Writing the file failed.
        WriteFailed => ("write_failed", "無法寫入檔案，請選擇其他位置。", "The file could not be written: choose another place."),
        /// Opening the file failed.
        OpenFailed => ("open_failed", "無法開啟檔案。", "The file could not be opened."),
    }
}

labelled_enum! {
    /// An error a parent can meet on the parents' pages, by the service's code (or, for
    /// the last three, what the page saw), each saying what to do. Field errors
    /// (`invalid_fields`, `rules_refused`) carry their own words per field.
    pub enum ParentErrorCode {
        /// Wrong, used or expired code.
        InvalidCode => ("invalid_code", "驗證碼錯誤、已使用或已過期，請按「重新取得驗證碼」。", "The code is wrong, used or expired: press “Get a new code”."),
        /// Too many wrong codes.
        TooManyTries => ("too_many_tries", "驗證碼錯誤次數過多，請 {n} 分鐘後重新取得驗證碼。", "Too many wrong codes: get a new code in {n} minutes."),
        /// The resend wait.
        CodeCooldown => ("code_cooldown", "驗證碼已寄出，寄送可能需要幾分鐘；{n} 分鐘內請先查看信箱或簡訊。", "A code is on its way and can take minutes to arrive: check your mail or messages first ({n} min)."),
        /// The third phone code in an hour.
        PhoneLimit => ("phone_limit", "同一支手機號碼 1 小時內只能取得驗證碼 2 次，請改用電子郵件信箱取得驗證碼。", "A phone gets two codes an hour: use your e-mail address to get a code instead."),
        /// Too many requests from one network.
        ClientLimit => ("client_limit", "此網路要求的次數過多，請 {n} 分鐘後再試。", "Too many requests from this network: try again in {n} minutes."),
        /// Some fields are wrong.
        InvalidFields => ("invalid_fields", "有資料需要修正，請依標示的欄位或下列說明修正。", "Some entries need correcting: see the marked fields or the notes below."),
        /// A binding rule refused the application.
        RulesRefused => ("rules_refused", "申請不符綁定規則，請依下列說明處理；資料尚未送出。", "The application breaks a binding rule: see the notes below; nothing was sent."),
        /// The session ended.
        SessionEnded => ("session_ended", "驗證已逾時，請重新取得驗證碼登入；尚未送出的資料不會保存。", "Your session has ended: get a new code to log in again; nothing unsent was kept."),
        /// Only returned applications can be resubmitted.
        NotReturned => ("not_returned", "這筆申請已不是「退回」狀態，請按「重新載入」查看最新狀態。", "This application is no longer returned: press “Reload” to see its status."),
        /// Only pending or returned applications can be cancelled.
        NotCancellable => ("not_cancellable", "這筆申請已審核完成，不能註銷；如需協助請洽學校。", "This application has been decided and cannot be cancelled: ask the school for help."),
        /// Not found.
        NotFound => ("not_found", "找不到這筆申請，請按「重新載入」。", "This application was not found: press “Reload”."),
        /// Too large (a signature).
        PayloadTooLarge => ("payload_too_large", "資料太大，請清除簽名後重新簽一次。", "Too much data: clear the signature and sign again."),
        /// The service failed.
        ServiceError => ("service_error", "系統忙碌或發生錯誤，請稍後再試；資料尚未送出。", "The service is busy or failed: try again later; nothing was sent."),
        /// No network.
        Unreachable => ("unreachable", "無法連線，請確認網路後再試；資料尚未送出。", "No connection: check your network and try again; nothing was sent."),
        /// A blank signature pad.
        SignatureBlank => ("signature_blank", "請在簽名框內簽署全名後再送出。", "Sign your full name in the box before sending."),
    }
}
