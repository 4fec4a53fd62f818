//! The applications a reviewer should meet at least once.

use super::*;

/// The applications a reviewer should meet at least once: the walkthrough's family,
/// each flag, a resubmission, the account limit.
pub(super) fn special_cases(
    store: &dyn Store,
    rng: &mut Rng,
    roster: &[RosterRow],
    now: chrono::DateTime<Utc>,
) -> ApiResult<()> {
    let find = |id: &str| roster.iter().find(|r| r.student_id == id).cloned();
    let father =
        Relationship { kind: RelationshipKind::LegalRepresentative, title: RelationshipTitle::Father };
    let mother =
        Relationship { kind: RelationshipKind::LegalRepresentative, title: RelationshipTitle::Mother };
    let grandmother =
        Relationship { kind: RelationshipKind::Guardian, title: RelationshipTitle::Grandmother };
    let failed = RegistryOutcome::Failed(binddesk_domain::RegistryReason::ParentNotResident);
    let plan = |owner: &str,
                parent: Parent,
                students: Vec<(RosterRow, Relationship)>,
                sig: SignatureBlob,
                outcome: RegistryOutcome,
                legacy: bool| SubmitPlan {
        owner: owner.to_string(),
        parent,
        students: students
            .into_iter()
            .enumerate()
            .map(|(k, (s, rel))| PlannedStudent {
                student: roster_student(&s),
                relationship: rel,
                registry: outcome.clone(),
                path: format!("students[{k}]"),
            })
            .collect(),
        signature: sig,
        legacy_import: legacy,
    };
    let info2 = staff_of(&CLASSES[1]);
    let scope = crate::store::Scope { school_code: info2.school.code.clone(), class_ids: None };
    let approve = |app: &binddesk_domain::api::Application, at| -> ApiResult<()> {
        let item = BatchDecisionItem {
            application_id: app.id.clone(),
            action: DecisionAction::Approve,
            reason: None,
            expected_version: app.version,
            decision_id: uuid::Uuid::new_v4().to_string(),
        };
        store.decide(&info2, &scope, &[item], at).map(|_| ()).map_err(ApiError::from)
    };
    let (Some(chen), Some(wu1), Some(wu2), Some(wu3), Some(lin)) =
        (find("A123456789"), find("YA94423433"), find("A134567891"), find("A234567893"), find("A145678903"))
    else {
        return Err(ApiError::Internal("demo roster lacks the walkthrough students".into()));
    };

    // 1. The walkthrough: 王曉明 (a resident-certificate holder) for 陳曉明, pending.
    let wang = Parent {
        name: "王曉明".into(),
        id_number: "YA94109161".into(),
        email: "annie.sun2@example.com.tw".into(),
        phone: "0928942045".into(),
    };
    store.submit(
        &plan(
            "annie.sun2@example.com.tw",
            wang,
            vec![(chen.clone(), father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::hours(20),
    )?;

    // 2. 吳大寶, 吳二寶, 吳三寶: one batch, one signature, approved (the walkthrough's 認證).
    let wu = Parent {
        name: "吳建宏".into(),
        id_number: make_id('A', '1', 7_654_321),
        email: "wu.family@example.com.tw".into(),
        phone: "0912345678".into(),
    };
    let apps = store.submit(
        &plan(
            "wu.family@example.com.tw",
            wu,
            vec![(wu1, father), (wu2, father), (wu3.clone(), father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(5),
    )?;
    for a in &apps {
        approve(a, now - Duration::days(4))?;
    }
    // 3. The account limit: 吳三寶's mother approved too, then a grandmother applies.
    let grand = Parent {
        name: "李秀英".into(),
        id_number: make_id('A', '2', 1_111_222),
        email: "grandma.li@example.com.tw".into(),
        phone: "0933111222".into(),
    };
    store.submit(
        &plan(
            "grandma.li@example.com.tw",
            grand,
            vec![(wu3.clone(), grandmother)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(3),
    )?;
    let mom = Parent {
        name: "劉淑芬".into(),
        id_number: make_id('A', '2', 7_654_322),
        email: "wu.mom@example.com.tw".into(),
        phone: "0912345679".into(),
    };
    let apps = store.submit(
        &plan(
            "wu.mom@example.com.tw",
            mom,
            vec![(wu3, mother)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::days(3),
    )?;
    for a in &apps {
        approve(a, now - Duration::days(2))?;
    }
    // 4. A rare character (CJK Extension B) in the student's name.
    let lin_p = Parent {
        name: "林志偉".into(),
        id_number: make_id('A', '1', 2_468_024),
        email: "lin.zw@example.com.tw".into(),
        phone: "0955123456".into(),
    };
    store.submit(
        &plan(
            "lin.zw@example.com.tw",
            lin_p,
            vec![(lin, father)],
            blob(signature_png(rng, 3, 1.0, false))?,
            failed.clone(),
            false,
        ),
        now - Duration::hours(30),
    )?;

    // 5. Returned (週 instead of 周) and resubmitted corrected.
    let pick = |n: usize| roster.iter().filter(|r| r.class_id == CLASSES[1].id).nth(n).cloned();
    if let Some(s) = pick(2) {
        let zhou = Parent {
            name: "週美玲".into(),
            id_number: make_id('F', '2', 5_550_123),
            email: "meiling.zhou@example.com.tw".into(),
            phone: "0966555123".into(),
        };
        let apps = store.submit(
            &plan(
                "meiling.zhou@example.com.tw",
                zhou.clone(),
                vec![(s.clone(), mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                false,
            ),
            now - Duration::days(6),
        )?;
        if let Some(a) = apps.first() {
            let item = BatchDecisionItem {
                application_id: a.id.clone(),
                action: DecisionAction::Return,
                reason: Some("家長姓名與校務系統不符（週／周），請確認後重新送出".into()),
                expected_version: a.version,
                decision_id: uuid::Uuid::new_v4().to_string(),
            };
            store.decide(&info2, &scope, &[item], now - Duration::days(5))?;
            let fixed = Parent { name: "周美玲".into(), ..zhou };
            let p = plan(
                "meiling.zhou@example.com.tw",
                fixed,
                vec![(s, mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                false,
            );
            store.resubmit(&a.id, &p, now - Duration::days(1))?;
        }
    }
    // 6. A blank signature.
    if let Some(s) = pick(3) {
        let p = Parent {
            name: "蔡國華".into(),
            id_number: make_id('A', '1', 8_080_808),
            email: "cai.gh@example.com.tw".into(),
            phone: "0977080808".into(),
        };
        store.submit(
            &plan(
                "cai.gh@example.com.tw",
                p,
                vec![(s, father)],
                blob(signature_png(rng, 3, 1.0, true))?,
                failed.clone(),
                false,
            ),
            now - Duration::hours(10),
        )?;
    }
    // 7. Carried over from the previous system: an ID with a wrong check digit, and two
    //    parents who typed the same e-mail.
    if let (Some(s1), Some(s2)) = (pick(4), pick(5)) {
        let bad = Parent {
            name: "鄭明輝".into(),
            id_number: "A123456788".into(),
            email: "zheng.mh@example.com.tw".into(),
            phone: "0988123123".into(),
        };
        store.submit(
            &plan(
                "zheng.mh@example.com.tw",
                bad,
                vec![(s1, father)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                true,
            ),
            now - Duration::hours(8),
        )?;
        let a = Parent {
            name: "謝嘉銘".into(),
            id_number: make_id('A', '1', 3_030_303),
            email: "family.xie@example.com.tw".into(),
            phone: "0922303030".into(),
        };
        let b = Parent {
            name: "許惠如".into(),
            id_number: make_id('A', '2', 3_030_304),
            email: "family.xie@example.com.tw".into(),
            phone: "0922303031".into(),
        };
        store.submit(
            &plan(
                "family.xie@example.com.tw",
                a,
                vec![(s2.clone(), father)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed.clone(),
                true,
            ),
            now - Duration::hours(7),
        )?;
        store.submit(
            &plan(
                "family.xie@example.com.tw",
                b,
                vec![(s2, mother)],
                blob(signature_png(rng, 3, 1.0, false))?,
                failed,
                true,
            ),
            now - Duration::hours(6),
        )?;
    }
    Ok(())
}
