// Generated from crates/domain by `cargo run -p binddesk-domain --example gen-ts`.
// Do not edit: change the Rust types and regenerate; CI fails when this is stale.

export type IdKind = "national_id" | "resident_old" | "resident_new";

export type SchoolLevel = "elementary" | "junior_high" | "senior_high" | "vocational" | "special";

export type RelationshipKind = "legal_representative" | "guardian";

export type RelationshipTitle = "father" | "mother" | "grandfather" | "grandmother" | "maternal_grandfather" | "maternal_grandmother" | "other";

export type Status = "pending" | "auto_approved" | "approved" | "returned" | "cancelled";

export type RegistryResult = "passed" | "failed" | "unavailable" | "not_checked";

export type RegistryReason = "confirmed" | "parent_not_resident" | "child_not_resident" | "neither_resident" | "no_relationship" | "no_answer";

export type Flag = "id_invalid" | "account_limit" | "email_in_use" | "signature_blank" | "resubmitted" | "rare_character";

export type Role = "teacher" | "admin";

export type DecisionAction = "approve" | "return";

export type HistoryAction = "submitted" | "auto_approved" | "approved" | "returned" | "cancelled" | "resubmitted" | "moved";

export type CodeChannel = "email" | "phone";

export type BatchOutcome = "applied" | "conflict" | "refused" | "forbidden" | "not_found";

export type ErrorResponse = { 
/**
 * What went wrong.
 */
error: ErrorDetail, 
/**
 * With 409 conflicts: the application as the service now holds it.
 */
current?: Application, };

export type ErrorDetail = { 
/**
 * snake_case code, e.g. `version_conflict`.
 */
code: string, 
/**
 * A human sentence.
 */
message: string, 
/**
 * Field path (e.g. `students[0].id_number`) → what is wrong with it.
 */
fields?: { [key in string]: string }, 
/**
 * For a 429: the seconds to wait (also in `Retry-After`), for a page to count down.
 */
retry_after_secs?: bigint, };

export type Relationship = { 
/**
 * 法定代理人 or 監護人.
 */
kind: RelationshipKind, 
/**
 * 父親, 母親, 祖父 …
 */
title: RelationshipTitle, };

export type Student = { 
/**
 * 身分證字號 or 居留證 number.
 */
id_number: string, 
/**
 * The name from the school's records.
 */
name: string, 
/**
 * 學層.
 */
school_level: SchoolLevel, 
/**
 * The school's code.
 */
school_code: string, 
/**
 * The class's id.
 */
class_id: string, 
/**
 * The class's name, e.g. 資訊二忠.
 */
class_name: string, };

export type Parent = { 
/**
 * Full name.
 */
name: string, 
/**
 * 身分證字號 or 居留證 number.
 */
id_number: string, 
/**
 * The login of the account to be and the address for notices.
 */
email: string, 
/**
 * Mobile or landline number.
 */
phone: string, };

export type SignatureInfo = { 
/**
 * Lower-case hex SHA-256 of the PNG bytes.
 */
sha256: string, 
/**
 * Width in pixels.
 */
width: number, 
/**
 * Height in pixels.
 */
height: number, };

export type RegistryCheck = { 
/**
 * passed, failed, unavailable or not_checked.
 */
result: RegistryResult, 
/**
 * A short explanation in English, e.g. "parent not registered in Taipei" (kept for
 * older clients; show [`RegistryCheck::reason`]'s label instead).
 */
detail: string | null, 
/**
 * Why, as a code with zh-TW and English labels (absent in records older than it).
 */
reason?: RegistryReason, };

export type HistoryEntry = { 
/**
 * When it happened.
 */
at: string, 
/**
 * `parent`, `registry`, or the staff member's name.
 */
actor: string, 
/**
 * What happened.
 */
action: HistoryAction, 
/**
 * The reason given with a return.
 */
reason: string | null, 
/**
 * The application's version after the event.
 */
version: number, };

export type PreviousVersion = { 
/**
 * The version that was returned.
 */
version: number, 
/**
 * The student as it was.
 */
student: Student, 
/**
 * The parent as it was.
 */
parent: Parent, 
/**
 * The relationship as it was.
 */
relationship: Relationship, 
/**
 * The signature as it was.
 */
signature: SignatureInfo, 
/**
 * Why it was returned.
 */
return_reason: string | null, };

export type Application = { 
/**
 * Stable id across versions.
 */
id: string, 
/**
 * Grows by one with every change of state or content.
 */
version: number, 
/**
 * The current state.
 */
status: Status, 
/**
 * When the parent first submitted it.
 */
submitted_at: string, 
/**
 * When it last changed.
 */
updated_at: string, 
/**
 * One submission, one signature: all the students applied for together share it.
 */
batch_id: string, 
/**
 * The student.
 */
student: Student, 
/**
 * The parent.
 */
parent: Parent, 
/**
 * The relationship.
 */
relationship: Relationship, 
/**
 * The signature.
 */
signature: SignatureInfo, 
/**
 * The civil-registry check.
 */
registry_check: RegistryCheck, 
/**
 * What the reviewer must see at a glance.
 */
flags: Array<Flag>, 
/**
 * The reason of the last return, while returned.
 */
return_reason: string | null, 
/**
 * The fields as they were when last returned.
 */
previous: PreviousVersion | null, 
/**
 * Everything that happened, oldest first.
 */
history: Array<HistoryEntry>, };

export type SessionRequest = { 
/**
 * The staff login.
 */
username: string, 
/**
 * The password.
 */
password: string, };

export type School = { 
/**
 * The school's code.
 */
code: string, 
/**
 * The school's name.
 */
name: string, };

export type ClassRef = { 
/**
 * The class's id.
 */
id: string, 
/**
 * The class's name, e.g. 資訊二忠.
 */
name: string, };

export type Staff = { 
/**
 * Stable id.
 */
id: string, 
/**
 * Display name.
 */
name: string, 
/**
 * teacher or admin.
 */
role: Role, 
/**
 * The school.
 */
school: School, 
/**
 * The classes a teacher is homeroom teacher of (all classes for an admin).
 */
classes: Array<ClassRef>, };

export type SessionResponse = { 
/**
 * The bearer token.
 */
token: string, 
/**
 * When the token stops working.
 */
expires_at: string, 
/**
 * Who logged in.
 */
staff: Staff, };

export type ChangesPage = { 
/**
 * Applications changed after the cursor, oldest change first.
 */
items: Array<Application>, 
/**
 * The cursor to ask from next time.
 */
next_cursor: bigint, 
/**
 * Whether more changes follow.
 */
has_more: boolean, };

export type DecisionRequest = { 
/**
 * approve or return.
 */
action: DecisionAction, 
/**
 * Required for return.
 */
reason: string | null, 
/**
 * The version the reviewer saw.
 */
expected_version: number, 
/**
 * A UUID chosen by the client; the same id twice has one effect.
 */
decision_id: string, };

export type BatchDecisionItem = { 
/**
 * The application decided.
 */
application_id: string, 
/**
 * approve or return.
 */
action: DecisionAction, 
/**
 * Required for return.
 */
reason: string | null, 
/**
 * The version the reviewer saw.
 */
expected_version: number, 
/**
 * A UUID chosen by the client.
 */
decision_id: string, };

export type BatchDecisionRequest = { 
/**
 * The decisions, applied in order.
 */
decisions: Array<BatchDecisionItem>, };

export type BatchDecisionResult = { 
/**
 * The application decided.
 */
application_id: string, 
/**
 * What happened.
 */
outcome: BatchOutcome, 
/**
 * The application as it now is, where it exists and is in scope.
 */
application: Application | null, 
/**
 * Why it was not applied.
 */
error: ErrorDetail | null, };

export type BatchDecisionResponse = { 
/**
 * One result per decision, in the same order.
 */
results: Array<BatchDecisionResult>, };

export type CodeRequest = { 
/**
 * e-mail or phone.
 */
channel: CodeChannel, 
/**
 * The address or number.
 */
address: string, };

export type CodeSent = { 
/**
 * Seconds before this address may ask again (the resend wait).
 */
retry_after_secs: bigint, };

export type ParentSessionRequest = { 
/**
 * The verified address or number.
 */
address: string, 
/**
 * The 6-digit code.
 */
code: string, };

export type StudentVerifyRequest = { 
/**
 * 學層.
 */
school_level: SchoolLevel, 
/**
 * The student's ID number.
 */
id_number: string, };

export type StudentMatch = { 
/**
 * The school's code.
 */
school_code: string, 
/**
 * The name, masked (`陳*明`).
 */
name_masked: string, 
/**
 * The class, e.g. 資訊二忠.
 */
class_name: string, };

export type StudentVerifyResponse = { 
/**
 * Matching schools.
 */
schools: Array<School>, 
/**
 * What the parent confirms at each school: the student's masked name and class.
 */
students: Array<StudentMatch>, };

export type StudentChoice = { 
/**
 * The student's ID number.
 */
id_number: string, 
/**
 * 學層.
 */
school_level: SchoolLevel, 
/**
 * The school picked from the verify answer.
 */
school_code: string, 
/**
 * The parent's relationship to this student.
 */
relationship: Relationship, };

export type SubmitRequest = { 
/**
 * The parent's data.
 */
parent: Parent, 
/**
 * One or more students.
 */
students: Array<StudentChoice>, 
/**
 * The personal-data statement was accepted.
 */
consent: boolean, 
/**
 * The signature, a base64 PNG.
 */
signature_png: string, };

export type ResubmitRequest = { 
/**
 * The student's ID number.
 */
id_number: string, 
/**
 * 學層.
 */
school_level: SchoolLevel, 
/**
 * The school.
 */
school_code: string, 
/**
 * The relationship.
 */
relationship: Relationship, 
/**
 * The parent's data.
 */
parent: Parent, 
/**
 * A new signature, a base64 PNG.
 */
signature_png: string, };

export type ApplicationList = { 
/**
 * The applications.
 */
applications: Array<Application>, };

export type ProfileRequest = { 
/**
 * The parent's ID or residence-permit number.
 */
id_number: string, };

export type ProfileResponse = { 
/**
 * The ID number in its canonical form.
 */
id_number: string, 
/**
 * The parent's data from this session's latest application with that number, if any.
 */
parent: Parent | null, };

/** zh-TW and English labels of every enum, from the domain crate. */
export const LABELS = {
  IdKind: {
    national_id: { "zh-TW": "身分證字號", en: "National ID" },
    resident_old: { "zh-TW": "居留證（舊式）", en: "Resident certificate (old format)" },
    resident_new: { "zh-TW": "居留證（新式）", en: "Resident certificate (new format)" },
  },
  SchoolLevel: {
    elementary: { "zh-TW": "國小", en: "Elementary school" },
    junior_high: { "zh-TW": "國中", en: "Junior high school" },
    senior_high: { "zh-TW": "高中", en: "Senior high school" },
    vocational: { "zh-TW": "高職", en: "Vocational high school" },
    special: { "zh-TW": "特教", en: "Special education" },
  },
  RelationshipKind: {
    legal_representative: { "zh-TW": "法定代理人", en: "Legal representative" },
    guardian: { "zh-TW": "監護人", en: "Guardian" },
  },
  RelationshipTitle: {
    father: { "zh-TW": "父親", en: "Father" },
    mother: { "zh-TW": "母親", en: "Mother" },
    grandfather: { "zh-TW": "祖父", en: "Grandfather" },
    grandmother: { "zh-TW": "祖母", en: "Grandmother" },
    maternal_grandfather: { "zh-TW": "外祖父", en: "Maternal grandfather" },
    maternal_grandmother: { "zh-TW": "外祖母", en: "Maternal grandmother" },
    other: { "zh-TW": "其他", en: "Other guardian" },
  },
  Status: {
    pending: { "zh-TW": "申請中", en: "Pending" },
    auto_approved: { "zh-TW": "自動審核通過", en: "Auto-approved" },
    approved: { "zh-TW": "審核通過", en: "Approved" },
    returned: { "zh-TW": "退回", en: "Returned" },
    cancelled: { "zh-TW": "已註銷", en: "Cancelled" },
  },
  RegistryResult: {
    passed: { "zh-TW": "查驗通過", en: "Passed" },
    failed: { "zh-TW": "查驗未通過", en: "Not confirmed" },
    unavailable: { "zh-TW": "民政系統暫無回應", en: "Registry unavailable" },
    not_checked: { "zh-TW": "尚未查驗", en: "Not checked" },
  },
  RegistryReason: {
    confirmed: { "zh-TW": "家長與學生皆設籍臺北市，親屬關係已確認", en: "Both registered in Taipei; the relationship is confirmed" },
    parent_not_resident: { "zh-TW": "家長未設籍臺北市", en: "The parent is not registered in Taipei" },
    child_not_resident: { "zh-TW": "學生未設籍臺北市", en: "The student is not registered in Taipei" },
    neither_resident: { "zh-TW": "家長與學生皆未設籍臺北市", en: "Neither the parent nor the student is registered in Taipei" },
    no_relationship: { "zh-TW": "戶籍資料查無此親屬關係", en: "The household register shows no such relationship" },
    no_answer: { "zh-TW": "民政系統暫無回應，將自動重新查驗", en: "The civil registry did not answer; it will be asked again" },
  },
  Flag: {
    id_invalid: { "zh-TW": "身分證字號檢核碼錯誤", en: "ID number fails its check digit" },
    account_limit: { "zh-TW": "學生已綁定兩個帳號", en: "Student already has two bound accounts" },
    email_in_use: { "zh-TW": "此E-mail已有申請紀錄", en: "E-mail already used by another parent" },
    signature_blank: { "zh-TW": "簽名幾乎空白", en: "Signature is blank or faint" },
    resubmitted: { "zh-TW": "退回後重新送出", en: "Resubmitted after being returned" },
    rare_character: { "zh-TW": "姓名含罕用字", en: "Name has a rare character" },
  },
  Role: {
    teacher: { "zh-TW": "導師", en: "Homeroom teacher" },
    admin: { "zh-TW": "學校管理者", en: "School administrator" },
  },
  DecisionAction: {
    approve: { "zh-TW": "審核通過", en: "Approve" },
    return: { "zh-TW": "退回", en: "Return" },
  },
  HistoryAction: {
    submitted: { "zh-TW": "送出申請", en: "Submitted" },
    auto_approved: { "zh-TW": "自動審核通過", en: "Auto-approved" },
    approved: { "zh-TW": "審核通過", en: "Approved" },
    returned: { "zh-TW": "退回", en: "Returned" },
    cancelled: { "zh-TW": "已註銷", en: "Cancelled" },
    resubmitted: { "zh-TW": "重新送出", en: "Resubmitted" },
    moved: { "zh-TW": "隨學生升學或轉學移轉", en: "Moved with the student" },
  },
  BatchOutcome: {
    applied: { "zh-TW": "已完成", en: "Applied" },
    conflict: { "zh-TW": "版本衝突", en: "Conflict" },
    refused: { "zh-TW": "規則不允許", en: "Refused" },
    forbidden: { "zh-TW": "超出權限", en: "Forbidden" },
    not_found: { "zh-TW": "查無此申請", en: "Not found" },
  },
} as const;

/** A sentence per flag that explains it to a reviewer. */
export const FLAG_EXPLANATIONS = {
  id_invalid: { "zh-TW": "學生或家長的身分證／居留證號碼檢核碼不符，請與家長確認號碼。", en: "The student's or parent's ID number fails its check digit; confirm the number with the parent." },
  account_limit: { "zh-TW": "此學生已有兩個綁定帳號，依規定不能再核准新的帳號。", en: "This student already has two bound accounts; the rules allow no third." },
  email_in_use: { "zh-TW": "另一位家長的申請或帳號已使用此E-mail，常見於父母填了同一個信箱。", en: "Another parent's application or account uses this e-mail, often two parents typing the same address." },
  signature_blank: { "zh-TW": "電子簽名幾乎沒有筆跡，請開啟簽名確認是否有簽署全名。", en: "The signature has almost no ink; open it and check that the full name is signed." },
  resubmitted: { "zh-TW": "此申請曾被退回，家長修正後重新送出；請看與退回時不同的欄位。", en: "Returned before and corrected by the parent; look at the fields that changed." },
  rare_character: { "zh-TW": "姓名含Big5以外或造字區的字，請與校務系統的姓名核對。", en: "A name holds a character outside Big5 or in a private-use area; check it against the school's records." },
} as const;

/** Statuses a parent may still cancel (`rules::binding::OPEN`). */
export const OPEN_STATUSES: readonly Status[] = ["pending", "returned"];

/** The one kind each title belongs to (`RelationshipTitle::kind`). */
export const TITLE_KIND = {
  father: "legal_representative",
  mother: "legal_representative",
  grandfather: "guardian",
  grandmother: "guardian",
  maternal_grandfather: "guardian",
  maternal_grandmother: "guardian",
  other: "guardian",
} as const;

/** What a parent reads for each error of the parents' pages (`{n}`: minutes). */
export const PARENT_ERRORS = {
  invalid_code: { "zh-TW": "驗證碼錯誤、已使用或已過期，請按「重新取得驗證碼」。", en: "The code is wrong, used or expired: press “Get a new code”." },
  too_many_tries: { "zh-TW": "驗證碼錯誤次數過多，請 {n} 分鐘後重新取得驗證碼。", en: "Too many wrong codes: get a new code in {n} minutes." },
  code_cooldown: { "zh-TW": "驗證碼已寄出，寄送可能需要幾分鐘；{n} 分鐘內請先查看信箱或簡訊。", en: "A code is on its way and can take minutes to arrive: check your mail or messages first ({n} min)." },
  phone_limit: { "zh-TW": "同一支手機號碼 1 小時內只能取得驗證碼 2 次，請改用電子郵件信箱取得驗證碼。", en: "A phone gets two codes an hour: use your e-mail address to get a code instead." },
  client_limit: { "zh-TW": "此網路要求的次數過多，請 {n} 分鐘後再試。", en: "Too many requests from this network: try again in {n} minutes." },
  invalid_fields: { "zh-TW": "有資料需要修正，請依標示的欄位或下列說明修正。", en: "Some entries need correcting: see the marked fields or the notes below." },
  rules_refused: { "zh-TW": "申請不符綁定規則，請依下列說明處理；資料尚未送出。", en: "The application breaks a binding rule: see the notes below; nothing was sent." },
  session_ended: { "zh-TW": "驗證已逾時，請重新取得驗證碼登入；尚未送出的資料不會保存。", en: "Your session has ended: get a new code to log in again; nothing unsent was kept." },
  not_returned: { "zh-TW": "這筆申請已不是「退回」狀態，請按「重新載入」查看最新狀態。", en: "This application is no longer returned: press “Reload” to see its status." },
  not_cancellable: { "zh-TW": "這筆申請已審核完成，不能註銷；如需協助請洽學校。", en: "This application has been decided and cannot be cancelled: ask the school for help." },
  not_found: { "zh-TW": "找不到這筆申請，請按「重新載入」。", en: "This application was not found: press “Reload”." },
  payload_too_large: { "zh-TW": "資料太大，請清除簽名後重新簽一次。", en: "Too much data: clear the signature and sign again." },
  service_error: { "zh-TW": "系統忙碌或發生錯誤，請稍後再試；資料尚未送出。", en: "The service is busy or failed: try again later; nothing was sent." },
  unreachable: { "zh-TW": "無法連線，請確認網路後再試；資料尚未送出。", en: "No connection: check your network and try again; nothing was sent." },
  signature_blank: { "zh-TW": "請在簽名框內簽署全名後再送出。", en: "Sign your full name in the box before sending." },
} as const;
