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
