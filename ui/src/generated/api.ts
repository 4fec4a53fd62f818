// Generated from crates/domain by `cargo run -p binddesk-domain --example gen-ts`.
// Do not edit: change the Rust types and regenerate; CI fails when this is stale.

export type IdKind = "national_id" | "resident_old" | "resident_new";

export type SchoolLevel = "elementary" | "junior_high" | "senior_high" | "vocational" | "special";

export type RelationshipKind = "legal_representative" | "guardian";

export type RelationshipTitle = "father" | "mother" | "grandfather" | "grandmother" | "maternal_grandfather" | "maternal_grandmother" | "other";

export type Status = "pending" | "auto_approved" | "approved" | "returned" | "cancelled";

export type RegistryResult = "passed" | "failed" | "unavailable" | "not_checked";

export type Flag = "id_invalid" | "account_limit" | "email_in_use" | "signature_blank" | "resubmitted" | "rare_character";

export type Role = "teacher" | "admin";

export type DecisionAction = "approve" | "return";

export type HistoryAction = "submitted" | "auto_approved" | "approved" | "returned" | "cancelled" | "resubmitted";

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
fields?: { [key in string]: string }, };

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
 * A short explanation, e.g. "parent not registered in Taipei".
 */
detail: string | null, };

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
