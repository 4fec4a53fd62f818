// Generated from crates/review by `cargo run -p binddesk-review --example gen-ts-review`.
// Do not edit: change the Rust types and regenerate; CI fails when this is stale.

import type { Application, DecisionAction, Flag, RegistryResult, RelationshipTitle, SchoolLevel, Staff, Status } from "./api";

export type QueuedDecision = { 
/**
 * The idempotency key sent with it.
 */
decision_id: string, 
/**
 * Approve or return.
 */
action: DecisionAction, 
/**
 * The reason of a return.
 */
reason: string | null, 
/**
 * The version the reviewer saw.
 */
expected_version: number, 
/**
 * When the reviewer decided.
 */
decided_at: string, 
/**
 * Send attempts so far; 0 means it can still be undone.
 */
attempts: number, 
/**
 * The last transient failure, if any.
 */
last_error: string | null, };

export type ListItem = { 
/**
 * Application id.
 */
id: string, 
/**
 * The service's version.
 */
version: number, 
/**
 * What the reviewer sees: a queued decision's effect included.
 */
status: Status, 
/**
 * What the service last said.
 */
server_status: Status, 
/**
 * The decision waiting to be sent, if any.
 */
queued: QueuedDecision | null, 
/**
 * Whether a decision on it came back as a conflict not yet dealt with.
 */
has_conflict: boolean, 
/**
 * Class id.
 */
class_id: string, 
/**
 * Class name, e.g. 資訊二忠.
 */
class_name: string, 
/**
 * School level.
 */
school_level: SchoolLevel, 
/**
 * Student name.
 */
student_name: string, 
/**
 * Student ID number, masked.
 */
student_id_masked: string, 
/**
 * Parent name.
 */
parent_name: string, 
/**
 * Parent ID number, masked.
 */
parent_id_masked: string, 
/**
 * Relationship title (父親, 母親, …).
 */
relationship_title: RelationshipTitle, 
/**
 * The civil-registry check's result.
 */
registry_result: RegistryResult, 
/**
 * Review flags.
 */
flags: Array<Flag>, 
/**
 * Submission time.
 */
submitted_at: string, 
/**
 * Last change.
 */
updated_at: string, };

export type SortKey = "submitted_asc" | "submitted_desc" | "updated_desc" | "student_name" | "class";

export type ListQuery = { 
/**
 * Only this status (as the reviewer sees it).
 */
status: Status | null, 
/**
 * Only this class.
 */
class_id: string | null, 
/**
 * Only applications with this flag.
 */
flag: Flag | null, 
/**
 * Text in a name, a masked ID number, the class name or the application id.
 */
text: string | null, 
/**
 * Only applications with a decision waiting to be sent.
 */
queued_only: boolean, 
/**
 * Sort order.
 */
sort: SortKey, 
/**
 * Rows to skip.
 */
offset: number, 
/**
 * Rows to return (at most 500; 0 means 100).
 */
limit: number, };

export type ListPage = { 
/**
 * The rows.
 */
items: Array<ListItem>, 
/**
 * Rows matching the query in all.
 */
total: number, };

export type StatusCount = { 
/**
 * Class id.
 */
class_id: string, 
/**
 * Class name.
 */
class_name: string, 
/**
 * Status as the reviewer sees it.
 */
status: Status, 
/**
 * How many.
 */
count: number, };

export type ApplicationView = { 
/**
 * The service's copy; ID numbers and phones masked unless `revealed`.
 */
application: Application, 
/**
 * Whether the full values are shown (and the reveal was recorded).
 */
revealed: boolean, 
/**
 * What the reviewer sees: a queued decision's effect included.
 */
status: Status, 
/**
 * The decision waiting to be sent, if any.
 */
queued: QueuedDecision | null, 
/**
 * For a resubmission: the fields that changed since it was returned.
 */
changed_fields: Array<string>, 
/**
 * A conflict on it not yet dealt with.
 */
conflict: Conflict | null, 
/**
 * Accounts already bound to the student, as far as this cache knows.
 */
bound_accounts: number, 
/**
 * Whether the signature image is in the cache.
 */
signature_cached: boolean, };

export type ConflictKind = "version_moved" | "refused" | "forbidden" | "not_found";

export type Conflict = { 
/**
 * The decision's id.
 */
decision_id: string, 
/**
 * The application.
 */
application_id: string, 
/**
 * What the reviewer decided.
 */
action: DecisionAction, 
/**
 * The reviewer's reason (returns).
 */
reason: string | null, 
/**
 * The version the reviewer saw.
 */
expected_version: number, 
/**
 * When the reviewer decided.
 */
decided_at: string, 
/**
 * Why it was not applied.
 */
kind: ConflictKind, 
/**
 * The service's error code, e.g. `account_limit`.
 */
code: string, 
/**
 * The service's sentence.
 */
message: string, 
/**
 * What the service holds now (masked), when known.
 */
current: Application | null, 
/**
 * When the answer came.
 */
at: string, };

export type Skipped = { 
/**
 * The application.
 */
application_id: string, 
/**
 * The rule's code, e.g. `not_pending`, `account_limit`, `already_decided`.
 */
code: string, 
/**
 * Why, in a sentence.
 */
message: string, };

export type BulkQueued = { 
/**
 * Decisions queued.
 */
queued: number, 
/**
 * Applications left alone, with why.
 */
skipped: Array<Skipped>, };

export type SyncPhase = "changes" | "signatures" | "sending" | "done";

export type SyncProgress = { 
/**
 * The phase, `None` before the first step.
 */
phase: SyncPhase | null, 
/**
 * Applications received so far.
 */
applications: number, 
/**
 * Signatures fetched so far.
 */
signatures_done: number, 
/**
 * Signatures to fetch in all (known once the feed is read).
 */
signatures_total: number, 
/**
 * Bytes received so far (JSON and images).
 */
bytes: number, };

export type SyncReport = { 
/**
 * Applications received.
 */
applications: number, 
/**
 * Signatures fetched.
 */
signatures: number, 
/**
 * Bytes received.
 */
bytes: number, 
/**
 * Decisions acknowledged by the service.
 */
sent: number, 
/**
 * Decisions that came back as conflicts.
 */
conflicts: number, 
/**
 * Whether it stopped because it was asked to.
 */
cancelled: boolean, 
/**
 * When it finished.
 */
finished_at: string, };

export type SendReport = { 
/**
 * Decisions the service applied.
 */
applied: number, 
/**
 * Decisions that became conflicts.
 */
conflicts: number, 
/**
 * Decisions still waiting (offline, or retry later).
 */
waiting: number, };

export type EngineStatus = { 
/**
 * The service address.
 */
service_url: string, 
/**
 * The logged-in staff member.
 */
staff: Staff, 
/**
 * Whether the last contact with the service worked.
 */
online: boolean, 
/**
 * When the last sync finished.
 */
last_sync_at: string | null, 
/**
 * Decisions waiting to be sent.
 */
queued: number, 
/**
 * Conflicts waiting for the reviewer.
 */
conflicts: number, 
/**
 * Applications in the cache.
 */
cached: number, };

/** Every error the app can show, in both languages (`{n}`: minutes). */
export const ERROR_MESSAGES = {
  wrong_password: { "zh-TW": "帳號或密碼錯誤。", en: "Wrong username or password." },
  locked: { "zh-TW": "登入失敗次數過多，帳號鎖定中，請於 {n} 分鐘後再試。", en: "Too many failed logins: the account is locked for {n} more minutes." },
  session_expired: { "zh-TW": "登入已逾時，請重新登入後再送出。", en: "The session has ended: log in again to send." },
  unreachable: { "zh-TW": "無法連線到綁定服務，請確認網路或服務網址。", en: "The binding service cannot be reached: check the network or the address." },
  not_our_api: { "zh-TW": "這個網址回應的不是綁定服務。", en: "That address does not answer like the binding service." },
  bad_address: { "zh-TW": "服務網址格式不正確（需以 http:// 或 https:// 開頭）。", en: "Not a usable address (it must start with http:// or https://)." },
  cleartext: { "zh-TW": "只有本機可用 http://；其他電腦請用 https://，以免密碼與學生資料在網路上以明文傳送。", en: "Plain http:// works only for this computer; use https:// so passwords and children's data are encrypted on the network." },
  rate_limited: { "zh-TW": "服務忙碌中，請稍候再試。", en: "The service is busy: try again in a moment." },
  forbidden: { "zh-TW": "這筆申請不在您負責的班級或學校。", en: "This application is outside your classes or school." },
  not_found: { "zh-TW": "找不到這筆申請（可能已被清除）。", en: "This application was not found (it may have been purged)." },
  service_error: { "zh-TW": "綁定服務發生錯誤，請稍後再試；若持續發生請聯絡資訊組。", en: "The binding service failed: try again later, and tell IT if it goes on." },
  cache_key: { "zh-TW": "本機資料無法以其金鑰開啟（金鑰錯誤或檔案損壞）。", en: "The local copy cannot be opened with its key (wrong key or damaged file)." },
  cache_failed: { "zh-TW": "本機資料讀寫失敗，請重新啟動程式；若持續發生請聯絡資訊組。", en: "The local copy could not be read or written: restart the app, and tell IT if it goes on." },
  no_credential_store: { "zh-TW": "找不到系統的憑證儲存區。", en: "No credential store is available on this computer." },
  offline_wrong_password: { "zh-TW": "密碼無法開啟這台電腦上的離線資料，請輸入您的登入密碼。", en: "That password does not open the offline copy on this computer: enter your login password." },
  offline_locked: { "zh-TW": "密碼錯誤次數過多，請於 {n} 分鐘後再試，或連線後登入。", en: "Too many wrong passwords: try again in {n} minutes, or log in while online." },
  no_offline_cache: { "zh-TW": "這台電腦沒有此帳號的離線資料，請先連線登入一次。", en: "No offline copy for this account on this computer: log in online once first." },
  unsent_decisions: { "zh-TW": "還有決定尚未送出，清除會遺失這些決定。", en: "Some decisions have not been sent; wiping would lose them." },
  not_logged_in: { "zh-TW": "尚未登入，請先登入。", en: "Not logged in: log in first." },
  cancelled: { "zh-TW": "已依您的要求停止。", en: "Stopped, as you asked." },
  account_limit: { "zh-TW": "此學生已綁定兩個家長帳號，不能再核准。", en: "This student already has two bound parent accounts; no more can be approved." },
  not_pending: { "zh-TW": "只有「申請中」的申請可以審核。", en: "Only pending applications can be decided." },
  reason_required: { "zh-TW": "退回需要填寫原因。", en: "A return needs a reason." },
  reason_too_long: { "zh-TW": "退回原因最多 500 字。", en: "A reason has at most 500 characters." },
  reason_not_text: { "zh-TW": "退回原因含有無法顯示的字元（控制字元或改變文字方向的字元），請重新輸入。", en: "The reason holds characters that are not text (control or direction-changing characters): type it again." },
  title_does_not_fit_kind: { "zh-TW": "稱謂與關係不符。", en: "The title does not fit the relationship." },
  transition_not_allowed: { "zh-TW": "這筆申請目前的狀態不能這樣變更。", en: "The application's status does not allow this change." },
  already_decided: { "zh-TW": "這筆申請已有等待送出的決定，請先復原。", en: "A decision on this application is already waiting to be sent: undo it first." },
  nothing_to_undo: { "zh-TW": "沒有可以復原的決定。", en: "There is no decision to undo." },
  already_sent: { "zh-TW": "這個決定可能已送達服務，無法復原。", en: "This decision may already have reached the service: it cannot be undone." },
  bad_path: { "zh-TW": "檔名需為完整路徑並以 .pdf 結尾。", en: "The file name must be a full path ending in .pdf." },
  path_not_chosen: { "zh-TW": "請按「選擇儲存位置…」挑選存檔位置；只有預設資料夾可以直接輸入。", en: "Use “Choose where…” to pick where to save; only the default folder can be typed." },
  nothing_to_print: { "zh-TW": "沒有選取要列印的申請。", en: "Nothing is selected to print." },
  no_font: { "zh-TW": "這台電腦沒有可列印申請書的中文字型（如標楷體），請聯絡資訊組。", en: "This computer has no Chinese font to print the forms (such as DFKai-SB): tell IT." },
  print_failed: { "zh-TW": "申請書無法產生，請再試一次。", en: "The forms could not be made: try again." },
  printer_failed: { "zh-TW": "無法送到印表機，請改用「開啟」後從檢視器列印。", en: "Could not send to the printer: open the PDF and print from the viewer instead." },
  write_failed: { "zh-TW": "無法寫入檔案，請選擇其他位置。", en: "The file could not be written: choose another place." },
  open_failed: { "zh-TW": "無法開啟檔案。", en: "The file could not be opened." },
} as const;
