//! The review engine end to end against the real service binary: sync, offline
//! decisions, exactly-once delivery across a crash, conflicts, restarts mid-sync, the
//! cache's encryption and migrations, queries and privacy, bulk decisions and printing.

mod common;

use binddesk_domain::{DecisionAction, Flag, HistoryAction, Role, Status};
use binddesk_review::cache::{Cache, CacheError, CacheKey, QueueError};
use binddesk_review::client::ClientError;
use binddesk_review::engine::cache_file;
use binddesk_review::views::{ConflictKind, ListQuery, SyncPhase, SyncProgress};
use binddesk_review::{CancelToken, Engine, EngineError};
use common::*;
use std::sync::Mutex;

fn all(e: &Engine) -> Vec<binddesk_review::views::ListItem> {
    let mut out = Vec::new();
    let mut q = ListQuery { limit: 500, ..Default::default() };
    loop {
        let page = e.list(&q).unwrap();
        let n = page.items.len();
        out.extend(page.items);
        if n < 500 {
            return out;
        }
        q.offset += 500;
    }
}

#[tokio::test]
async fn a_teacher_syncs_only_their_class_fully_then_incrementally() {
    let fx = Fx::start(150);
    let e = fx.engine("t.info2").await;
    assert_eq!(e.staff().role, Role::Teacher);
    let class_id = e.staff().classes[0].id.clone();

    let seen = Mutex::new(Vec::<SyncProgress>::new());
    let report = e.sync(&|p| seen.lock().unwrap().push(p), &CancelToken::new()).await.unwrap();
    let seen = seen.into_inner().unwrap();
    assert!(report.applications >= 10, "{report:?}");
    assert!(report.signatures >= 1 && report.bytes > 10_000, "{report:?}");
    let last = seen.last().unwrap();
    assert_eq!(last.phase, Some(SyncPhase::Done));
    assert_eq!(last.signatures_done, last.signatures_total);
    assert!(seen.windows(2).all(|w| w[0].bytes <= w[1].bytes), "progress only grows");

    // Only the teacher's class, every signature cached, counts add up.
    let rows = all(&e);
    assert_eq!(rows.len() as u32, report.applications);
    assert!(rows.iter().all(|r| r.class_id == class_id && r.class_name == INFO2));
    let counted: u32 = e.counts().unwrap().iter().map(|c| c.count).sum();
    assert_eq!(counted, report.applications);
    for r in rows.iter().take(20) {
        let v = e.view(&r.id).unwrap();
        assert!(v.signature_cached);
        let png = e.signature(&v.application.signature.sha256).unwrap().unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    // Encrypted at rest: no SQLite header, no name, no ID number in the file.
    let full = e.reveal(&rows[0].id).unwrap().application;
    drop(e);
    let bytes = std::fs::read(cache_file(&fx.cfg, &fx.svc.base, "t.info2")).unwrap();
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"SQLite format 3"));
    assert!(!contains(full.student.name.as_bytes()));
    assert!(!contains(full.parent.id_number.as_bytes()));
    assert!(!contains(full.parent.email.as_bytes()));

    // Incremental: another reviewer decides one; the next sync brings exactly that one.
    let e = Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", &fx.password("t.info2")).unwrap();
    let target = stable_pending(&e).remove(0);
    let admin = fx.client("admin.riyao").await;
    let decided = admin
        .decide(
            &target.id,
            &binddesk_domain::api::DecisionRequest {
                action: DecisionAction::Approve,
                reason: None,
                expected_version: target.version,
                decision_id: uuid::Uuid::new_v4().to_string(),
            },
        )
        .await
        .unwrap();
    let r = sync(&e).await;
    assert_eq!((r.applications, r.signatures), (1, 0), "{r:?}");
    assert_eq!(e.view(&target.id).unwrap().status, Status::Approved);
    assert_eq!(e.view(&target.id).unwrap().application.version, decided.version);
    let r = sync(&e).await;
    assert_eq!((r.applications, r.signatures, r.sent), (0, 0, 0), "a no-change sync changes nothing");
    assert!(e.status().unwrap().last_sync_at.is_some());
}

#[tokio::test]
async fn offline_decisions_arrive_once_after_the_service_returns() {
    let mut fx = Fx::start(120);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let pending = stable_pending(&e);
    let (a, b) = (&pending[0], &pending[1]);

    fx.stop();
    e.decide(&a.id, DecisionAction::Approve, None).unwrap();
    e.decide(&b.id, DecisionAction::Return, Some("簽名不清楚，請重新簽名")).unwrap();
    // The local effect is immediate, marked as waiting.
    let va = e.view(&a.id).unwrap();
    assert_eq!(va.status, Status::Approved);
    assert_eq!(va.application.status, Status::Pending, "the service's copy is untouched");
    assert!(va.queued.is_some());
    assert_eq!(e.list(&ListQuery { queued_only: true, ..Default::default() }).unwrap().total, 2);

    let r = e.send_outbox(true).await.unwrap();
    assert_eq!((r.applied, r.waiting), (0, 2));
    let st = e.status().unwrap();
    assert!(!st.online);
    assert_eq!(st.queued, 2);
    assert!(e.outbox().unwrap().iter().all(|q| q.attempts == 1 && q.last_error.is_some()));
    // A sync while offline fails with a clear error and keeps the queue.
    assert!(matches!(
        e.sync(&|_| {}, &CancelToken::new()).await,
        Err(EngineError::Client(ClientError::Unreachable(_)))
    ));
    assert_eq!(e.status().unwrap().queued, 2);

    fx.restart();
    let r = e.send_outbox(true).await.unwrap();
    assert_eq!((r.applied, r.conflicts, r.waiting), (2, 0, 0));
    assert!(e.status().unwrap().online);
    let va = e.view(&a.id).unwrap();
    assert_eq!((va.status, va.application.status), (Status::Approved, Status::Approved));
    assert!(va.queued.is_none());

    // The service agrees, and holds each decision once.
    let admin = fx.client("admin.riyao").await;
    let sa = admin.application(&a.id).await.unwrap();
    let sb = admin.application(&b.id).await.unwrap();
    assert_eq!(sa.status, Status::Approved);
    assert_eq!(sb.status, Status::Returned);
    assert_eq!(sb.return_reason.as_deref(), Some("簽名不清楚，請重新簽名"));
    let approvals = sa.history.iter().filter(|h| h.action == HistoryAction::Approved).count();
    let returns = sb.history.iter().filter(|h| h.action == HistoryAction::Returned).count();
    assert_eq!((approvals, returns), (1, 1));
    // Sending again sends nothing.
    assert_eq!(e.send_outbox(true).await.unwrap().applied, 0);
}

#[tokio::test]
async fn a_decision_sent_before_a_crash_is_applied_once() {
    let fx = Fx::start(120);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let a = stable_pending(&e).remove(0);
    let q = e.decide(&a.id, DecisionAction::Approve, None).unwrap();

    // The request reaches the service; the engine dies before storing the answer.
    e.send_outbox_then_crash().await.unwrap();
    drop(e);
    let admin = fx.client("admin.riyao").await;
    assert_eq!(admin.application(&a.id).await.unwrap().status, Status::Approved);

    // Restarted (offline open, then the network): the decision is still queued, can no
    // longer be undone, and its resend is answered with the result already applied.
    let e = Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", &fx.password("t.info2")).unwrap();
    let queued = e.outbox().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].decision_id, q.decision_id);
    assert!(matches!(e.undo(&a.id), Err(EngineError::Queue(QueueError::AlreadySent))));
    let r = e.send_outbox(true).await.unwrap();
    assert_eq!((r.applied, r.conflicts, r.waiting), (1, 0, 0));
    assert!(e.conflicts().unwrap().is_empty());
    let s = admin.application(&a.id).await.unwrap();
    assert_eq!(s.history.iter().filter(|h| h.action == HistoryAction::Approved).count(), 1);
    assert_eq!(e.view(&a.id).unwrap().application.version, s.version);
}

#[tokio::test]
async fn conflicts_show_both_sides_when_the_service_moved_on() {
    let fx = Fx::start(150);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let pending = stable_pending(&e);
    let (first, cancelled, resubmitted) = (&pending[0], &pending[1], &pending[2]);
    let admin = fx.client("admin.riyao").await;
    let decide = |id: &str, action, reason: Option<&str>, version| {
        let admin = admin.clone();
        let req = binddesk_domain::api::DecisionRequest {
            action,
            reason: reason.map(String::from),
            expected_version: version,
            decision_id: uuid::Uuid::new_v4().to_string(),
        };
        let id = id.to_string();
        async move { admin.decide(&id, &req).await.unwrap() }
    };

    // 1. Another reviewer decided first.
    decide(&first.id, DecisionAction::Approve, None, first.version).await;
    // 2. The parent cancelled meanwhile.
    let token = fx.parent_token(&cancelled.parent.email).await;
    let r = fx
        .http
        .delete(format!("{}/api/v1/parent/applications/{}", fx.svc.base, cancelled.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // 3. Returned by someone else and resubmitted by the parent.
    let returned = decide(&resubmitted.id, DecisionAction::Return, Some("請補正"), resubmitted.version).await;
    let token = fx.parent_token(&resubmitted.parent.email).await;
    let png = e.signature(&resubmitted.signature.sha256).unwrap().unwrap();
    use base64::Engine as _;
    let body = serde_json::json!({
        "id_number": resubmitted.student.id_number, "school_level": resubmitted.student.school_level,
        "school_code": resubmitted.student.school_code, "relationship": resubmitted.relationship,
        "parent": {"name": resubmitted.parent.name, "id_number": resubmitted.parent.id_number,
                   "email": resubmitted.parent.email, "phone": "0911000111"},
        "signature_png": base64::engine::general_purpose::STANDARD.encode(&png),
    });
    let r = fx
        .http
        .put(format!("{}/api/v1/parent/applications/{}", fx.svc.base, resubmitted.id))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(returned.version, resubmitted.version + 1);

    // The teacher, still on the old copies, decides all three and sends.
    e.decide(&first.id, DecisionAction::Return, Some("資料不全")).unwrap();
    e.decide(&cancelled.id, DecisionAction::Approve, None).unwrap();
    e.decide(&resubmitted.id, DecisionAction::Approve, None).unwrap();
    let r = e.send_outbox(true).await.unwrap();
    assert_eq!((r.applied, r.conflicts, r.waiting), (0, 3, 0), "{r:?}");

    let conflicts = e.conflicts().unwrap();
    assert_eq!(conflicts.len(), 3);
    let by_app = |id: &str| conflicts.iter().find(|c| c.application_id == id).unwrap().clone();
    let c1 = by_app(&first.id);
    assert_eq!(
        (c1.kind, c1.action, c1.reason.as_deref()),
        (ConflictKind::VersionMoved, DecisionAction::Return, Some("資料不全"))
    );
    assert_eq!(c1.current.as_ref().unwrap().status, Status::Approved);
    let c2 = by_app(&cancelled.id);
    assert_eq!(c2.current.as_ref().unwrap().status, Status::Cancelled);
    let c3 = by_app(&resubmitted.id);
    let now = c3.current.as_ref().unwrap();
    assert_eq!((now.status, now.version), (Status::Pending, resubmitted.version + 2));
    assert!(now.flags.contains(&Flag::Resubmitted));
    assert!(now.parent.phone.contains("***"), "the service's side is masked too");

    // The local copy never pretends: each shows what the service holds.
    assert_eq!(e.view(&first.id).unwrap().status, Status::Approved);
    assert_eq!(e.view(&cancelled.id).unwrap().status, Status::Cancelled);
    let v3 = e.view(&resubmitted.id).unwrap();
    assert_eq!(v3.status, Status::Pending);
    assert!(v3.changed_fields.contains(&"parent.phone".to_string()), "{:?}", v3.changed_fields);
    assert!(v3.conflict.is_some());
    assert!(all(&e).iter().filter(|r| r.has_conflict).count() == 3);

    // Settle them: drop two, decide the resubmission again on its new version.
    assert!(e.drop_conflict(&c1.decision_id).unwrap());
    assert!(e.drop_conflict(&c2.decision_id).unwrap());
    e.decide(&resubmitted.id, DecisionAction::Approve, None).unwrap();
    assert!(e.conflicts().unwrap().is_empty(), "deciding again settles the conflict");
    let r = e.send_outbox(true).await.unwrap();
    assert_eq!((r.applied, r.conflicts), (1, 0));
    assert_eq!(admin.application(&resubmitted.id).await.unwrap().status, Status::Approved);
}

#[tokio::test]
async fn a_sync_stopped_by_a_service_restart_resumes_where_it_stopped() {
    let mut fx = Fx::start(300);
    let e = fx.engine("admin.riyao").await;
    e.set_page_size(40);
    let svc = Mutex::new(Some(&mut fx));
    let result = e
        .sync(
            &|p| {
                // After the second page the service goes away.
                if p.phase == Some(SyncPhase::Changes)
                    && p.applications >= 80
                    && let Some(fx) = svc.lock().unwrap().take()
                {
                    fx.stop();
                }
            },
            &CancelToken::new(),
        )
        .await;
    assert!(matches!(result, Err(EngineError::Client(ClientError::Unreachable(_)))), "{result:?}");
    let kept = e.status().unwrap().cached;
    assert_eq!(kept, 80, "the pages before the stop are kept");

    fx.restart();
    let r = sync(&e).await;
    let total = e.status().unwrap().cached;
    assert_eq!(r.applications + kept, total, "the sync resumed from its cursor: {r:?}");
    // The result equals a fresh full sync by another engine.
    let admin = fx.client("admin.riyao").await;
    let mut since = 0;
    let mut n = 0;
    loop {
        let page = admin.changes(since, 2000).await.unwrap();
        n += page.items.len() as u32;
        since = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(total, n);

    // Cancelling stops at the next step and keeps what came.
    e.set_page_size(1);
    let admin_ids: Vec<String> = all(&e).into_iter().take(3).map(|r| r.id).collect();
    assert_eq!(admin_ids.len(), 3);
    let cancel = CancelToken::new();
    cancel.cancel();
    let r = e.sync(&|_| {}, &cancel).await.unwrap();
    assert!(r.cancelled);
}

#[tokio::test]
async fn an_older_cache_is_migrated_and_a_wrong_key_is_refused() {
    let fx = Fx::start(60);
    let admin = fx.client("admin.riyao").await;
    let page = admin.changes(0, 50).await.unwrap();
    let path = fx.dir.join("old.sqlite");
    let key = CacheKey::random().unwrap();

    // A cache written by the first release (schema 1).
    {
        let mut c = Cache::open_at(&path, &key, 1).unwrap();
        assert_eq!(c.schema_version().unwrap(), 1);
        c.apply_page(&page.items, page.next_cursor).unwrap();
        c.queue_decision(
            &page.items.iter().find(|a| a.status == Status::Pending).unwrap().id,
            DecisionAction::Approve,
            None,
            chrono::Utc::now(),
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();

    // The wrong key: refused, the file untouched.
    let wrong = CacheKey::random().unwrap();
    assert!(matches!(Cache::open(&path, &wrong), Err(CacheError::WrongKey)));
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");
    let garbage = fx.dir.join("garbage.sqlite");
    std::fs::write(&garbage, b"not a database at all, just bytes".repeat(200)).unwrap();
    assert!(matches!(Cache::open(&garbage, &key), Err(CacheError::WrongKey)));

    // The right key: migrated on open, data and queue intact, the new table usable.
    let c = Cache::open(&path, &key).unwrap();
    assert_eq!(c.schema_version().unwrap(), binddesk_review::cache::schema::CURRENT);
    assert_eq!(c.count().unwrap(), page.items.len() as u32);
    assert_eq!(c.cursor().unwrap(), page.next_cursor);
    assert_eq!(c.outbox_len().unwrap(), 1);
    c.record_reveal("admin.riyao", &page.items[0].id, &["parent.id_number"], chrono::Utc::now()).unwrap();
    assert_eq!(c.reveal_audit().unwrap().len(), 1);
}

#[tokio::test]
async fn queries_filter_sort_mask_and_reveal_with_an_audit() {
    let fx = Fx::start(200);
    let e = fx.engine("admin.riyao").await;
    sync(&e).await;
    let rows = all(&e);
    assert!(rows.len() > 100);

    // Every list row is masked.
    assert!(rows.iter().all(|r| r.student_id_masked.contains("***") && r.parent_id_masked.contains("***")));
    // Status and class filters agree with the counts.
    for c in e.counts().unwrap() {
        let q =
            ListQuery { status: Some(c.status), class_id: Some(c.class_id.clone()), ..Default::default() };
        assert_eq!(e.list(&q).unwrap().total, c.count, "{c:?}");
    }
    // Flags.
    let rare = e.list(&ListQuery { flag: Some(Flag::RareCharacter), ..Default::default() }).unwrap();
    assert!(rare.items.iter().any(|r| r.student_name == "林𠀋妤"), "the Ext-B name is flagged");
    assert!(rare.items.iter().all(|r| r.flags.contains(&Flag::RareCharacter)));
    // Text: a name, a masked ID prefix, lower case.
    let hits = e.list(&ListQuery { text: Some("陳曉明".into()), ..Default::default() }).unwrap();
    assert!(hits.total >= 1 && hits.items.iter().all(|r| r.student_name.contains("陳曉明")));
    let prefix = rows[0].parent_id_masked[..4].to_lowercase();
    let hits = e.list(&ListQuery { text: Some(prefix.clone()), ..Default::default() }).unwrap();
    assert!(hits.items.iter().any(|r| r.id == rows[0].id));
    // Text search never matches the hidden digits of an ID number.
    let full = e.reveal(&rows[0].id).unwrap().application;
    let hidden = &full.parent.id_number[4..8];
    let hits =
        e.list(&ListQuery { text: Some(full.parent.id_number.clone()), ..Default::default() }).unwrap();
    assert_eq!(hits.total, 0, "a full ID number ({hidden}…) is not searchable");
    // Sorting and paging.
    let a = e.list(&ListQuery { limit: 50, ..Default::default() }).unwrap();
    assert!(a.items.windows(2).all(|w| w[0].submitted_at <= w[1].submitted_at));
    let b = e.list(&ListQuery { limit: 50, offset: 50, ..Default::default() }).unwrap();
    assert!(a.items.last().unwrap().submitted_at <= b.items[0].submitted_at);
    let d = e
        .list(&ListQuery {
            sort: binddesk_review::views::SortKey::SubmittedDesc,
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    assert!(d.items.windows(2).all(|w| w[0].submitted_at >= w[1].submitted_at));

    // One application: masked by default, revealed on request, the reveal recorded.
    let v = e.view(&rows[0].id).unwrap();
    assert!(!v.revealed);
    assert!(v.application.parent.id_number.contains("***") && v.application.parent.phone.contains("***"));
    assert!(e.reveal_audit().unwrap().iter().all(|(_, _, id, _)| id != "nothing"));
    let audits_before = e.reveal_audit().unwrap().len();
    let r = e.reveal(&rows[0].id).unwrap();
    assert!(r.revealed && !r.application.parent.id_number.contains('*'));
    let audit = e.reveal_audit().unwrap();
    assert_eq!(audit.len(), audits_before + 1);
    assert_eq!((audit[0].1.as_str(), audit[0].2.as_str()), ("admin.riyao", rows[0].id.as_str()));

    // The demo's resubmission (週 → 周): the changed field, and the previous version masked.
    let resub = e
        .list(&ListQuery {
            flag: Some(Flag::Resubmitted), text: Some("周美玲".into()), ..Default::default()
        })
        .unwrap();
    let v = e.view(&resub.items[0].id).unwrap();
    assert!(v.changed_fields.contains(&"parent.name".to_string()), "{:?}", v.changed_fields);
    assert_eq!(v.application.previous.as_ref().unwrap().parent.name, "週美玲");
    assert!(v.application.previous.as_ref().unwrap().parent.id_number.contains("***"));
}

#[tokio::test]
async fn rules_undo_purge_and_wipe() {
    let fx = Fx::start(120);
    let e = fx.engine("t.info2").await;
    sync(&e).await;
    let pending = stable_pending(&e);
    let a = &pending[0];

    // The rules the service applies are applied here first.
    let err = e.decide(&a.id, DecisionAction::Return, Some("  ")).unwrap_err();
    assert!(matches!(err, EngineError::Queue(QueueError::Rule(binddesk_domain::RuleError::ReasonRequired))));
    let decided = all(&e).into_iter().find(|r| r.status != Status::Pending).unwrap();
    let err = e.decide(&decided.id, DecisionAction::Approve, None).unwrap_err();
    assert!(matches!(err, EngineError::Queue(QueueError::Rule(binddesk_domain::RuleError::NotPending(_)))));
    if let Some(limited) =
        all(&e).into_iter().find(|r| r.flags.contains(&Flag::AccountLimit) && r.status == Status::Pending)
    {
        let err = e.decide(&limited.id, DecisionAction::Approve, None).unwrap_err();
        assert!(matches!(
            err,
            EngineError::Queue(QueueError::Rule(binddesk_domain::RuleError::AccountLimit))
        ));
    }
    assert!(matches!(
        e.decide("no-such", DecisionAction::Approve, None),
        Err(EngineError::Queue(QueueError::Cache(CacheError::NotCached(_))))
    ));

    // Undo before sending.
    e.decide(&a.id, DecisionAction::Approve, None).unwrap();
    assert!(matches!(
        e.decide(&a.id, DecisionAction::Approve, None),
        Err(EngineError::Queue(QueueError::AlreadyDecided))
    ));
    e.undo(&a.id).unwrap();
    assert_eq!(e.view(&a.id).unwrap().status, Status::Pending);
    assert!(matches!(e.undo(&a.id), Err(EngineError::Queue(QueueError::NothingToUndo))));
    e.decide(&a.id, DecisionAction::Return, Some("請補上監護證明")).unwrap();

    // Purge: decided ones go, pending and queued ones stay.
    let before = all(&e);
    let purged = e.purge_decided(0).unwrap();
    let after = all(&e);
    let decided = |s: Status| {
        matches!(s, Status::Approved | Status::AutoApproved | Status::Cancelled | Status::Returned)
    };
    assert_eq!(purged as usize, before.iter().filter(|r| decided(r.status) && r.queued.is_none()).count());
    assert!(after.iter().all(|r| !decided(r.status) || r.queued.is_some()));
    assert!(after.iter().any(|r| r.id == a.id));
    assert_eq!(e.purge_decided(3650).unwrap(), 0);

    // A wipe with unsent decisions is refused; forced, the file and key are gone.
    let path = e.cache_path();
    assert!(matches!(e.logout(true, false).await, Err(EngineError::UnsentDecisions(1))));
    assert!(path.exists());
    e.logout(true, true).await.unwrap();
    assert!(!path.exists());
    assert!(matches!(e.list(&ListQuery::default()), Err(EngineError::LoggedOut)));
    assert!(matches!(
        Engine::open_offline(&fx.cfg, &fx.svc.base, "t.info2", &fx.password("t.info2")),
        Err(EngineError::NoOfflineCache)
    ));
    // The token was ended on the service too.
    assert!(matches!(e.client().changes(0, 1).await, Err(ClientError::SessionExpired)));
}

#[tokio::test]
async fn an_admin_bulk_approves_and_prints_from_the_cache() {
    let fx = Fx::start(400);
    let e = fx.engine("admin.riyao").await;
    sync(&e).await;
    let q = ListQuery { status: Some(Status::Pending), ..Default::default() };
    let ids = e.ids_matching(&q).unwrap();
    assert!(ids.len() > 50, "{}", ids.len());
    let preview = e.preview_many(&ids, DecisionAction::Approve, None).unwrap();
    assert_eq!(e.status().unwrap().queued, 0, "a preview queues nothing");
    let bulk = e.decide_many(&ids, DecisionAction::Approve, None).unwrap();
    assert_eq!(preview, bulk.skipped, "the preview names exactly what the bulk decision skips");
    assert_eq!(bulk.queued as usize + bulk.skipped.len(), ids.len());
    assert!(bulk.skipped.iter().all(|s| s.code == "account_limit"), "{:?}", bulk.skipped);
    let r = e.send_outbox(true).await.unwrap();
    assert_eq!(r.waiting, 0);
    // Background registry retries may have moved a few on the service meanwhile.
    assert!(r.applied + r.conflicts == bulk.queued && r.applied >= bulk.queued.saturating_sub(5), "{r:?}");
    let admin = fx.client("admin.riyao").await;
    let sample = admin.application(&ids[0]).await.unwrap();
    assert!(
        matches!(sample.status, Status::Approved | Status::AutoApproved)
            || bulk.skipped.iter().any(|s| s.application_id == ids[0])
    );

    // Printing a class from the cache alone, offline.
    let class_q = ListQuery { text: Some(INFO2.into()), ..Default::default() };
    let print_ids = e.ids_matching(&class_q).unwrap();
    let names: Vec<String> =
        print_ids.iter().map(|id| e.view(id).unwrap().application.student.name).collect();
    let renderer = binddesk_forms::Renderer::discover().expect("CJK fonts (scripts/setup.sh installs them)");
    let mut steps = 0;
    let out = e.print(&renderer, &print_ids, false, &mut |_| {
        steps += 1;
        true
    });
    let out = out.unwrap();
    assert_eq!((out.pages, steps), (print_ids.len(), print_ids.len()));
    let pdf = fx.dir.join("class.pdf");
    std::fs::write(&pdf, &out.pdf).unwrap();
    let text = binddesk_testkit::pdf_text(&pdf);
    for n in &names {
        assert!(text.contains(n.as_str()), "{n} is on the printed forms");
    }
}

/// A server that speaks our login but answers the change feed with a good first page,
/// then a truncated one, then an HTML page: the cache keeps the good page and nothing
/// of the rest.
#[tokio::test]
async fn truncated_or_garbage_answers_change_nothing() {
    use std::io::{Read, Write};
    let fx = Fx::start(60);
    let admin = fx.client("admin.riyao").await;
    let good = admin.changes(0, 3).await.unwrap();
    let page1 = serde_json::json!({"items": good.items, "next_cursor": 5, "has_more": true}).to_string();
    let session = r#"{"token":"tok","expires_at":"2099-01-01T00:00:00Z","staff":{"id":"s1","name":"x","role":"admin","school":{"code":"383401","name":"臺北市私立日曜學校"},"classes":[]}}"#;
    let mode = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let m = mode.clone();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = vec![0u8; 65536];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let (ctype, body): (&str, String) = if head.starts_with("POST /api/v1/session") {
                ("application/json", session.to_string())
            } else if head.contains("since=0") {
                ("application/json", page1.clone())
            } else if m.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                ("application/json", page1[..page1.len() / 2].to_string())
            } else {
                ("text/html", "<html><body>Wi-Fi login</body></html>".to_string())
            };
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes());
        }
    });
    let e = Engine::login(&fx.cfg, &base, "x", "y").await.unwrap();
    let r = e.sync(&|_| {}, &CancelToken::new()).await;
    assert!(matches!(r, Err(EngineError::Client(ClientError::NotOurApi(_)))), "{r:?}");
    assert_eq!(e.status().unwrap().cached, good.items.len() as u32, "the good page is kept");
    mode.store(1, std::sync::atomic::Ordering::SeqCst);
    let r = e.sync(&|_| {}, &CancelToken::new()).await;
    assert!(matches!(r, Err(EngineError::Client(ClientError::NotOurApi(_)))), "{r:?}");
    assert_eq!(e.status().unwrap().cached, good.items.len() as u32);
    let first = e.view(&good.items[0].id).unwrap();
    assert_eq!(first.application.version, good.items[0].version);
}
