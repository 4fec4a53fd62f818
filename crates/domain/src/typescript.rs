//! The UI's TypeScript types, generated from the Rust definitions.
//!
//! `ui/src/generated/api.ts` is written by `cargo run -p binddesk-domain --example gen-ts`
//! (or the test below with `BINDDESK_UPDATE_TS=1`), and the test fails when the checked-in
//! file differs from what the Rust types produce, so the two can never drift apart.

use crate::api::*;
use crate::enums::*;
use crate::id_number::IdKind;
use crate::labels::Labelled;
use ts_rs::{Config, TS};

/// Renders every exported type into one TypeScript module.
pub fn render() -> String {
    let cfg = Config::default();
    let decls = [
        IdKind::decl(&cfg),
        SchoolLevel::decl(&cfg),
        RelationshipKind::decl(&cfg),
        RelationshipTitle::decl(&cfg),
        Status::decl(&cfg),
        RegistryResult::decl(&cfg),
        RegistryReason::decl(&cfg),
        Flag::decl(&cfg),
        Role::decl(&cfg),
        DecisionAction::decl(&cfg),
        HistoryAction::decl(&cfg),
        CodeChannel::decl(&cfg),
        BatchOutcome::decl(&cfg),
        ErrorResponse::decl(&cfg),
        ErrorDetail::decl(&cfg),
        Relationship::decl(&cfg),
        Student::decl(&cfg),
        Parent::decl(&cfg),
        SignatureInfo::decl(&cfg),
        RegistryCheck::decl(&cfg),
        HistoryEntry::decl(&cfg),
        PreviousVersion::decl(&cfg),
        Application::decl(&cfg),
        SessionRequest::decl(&cfg),
        School::decl(&cfg),
        ClassRef::decl(&cfg),
        Staff::decl(&cfg),
        SessionResponse::decl(&cfg),
        ChangesPage::decl(&cfg),
        DecisionRequest::decl(&cfg),
        BatchDecisionItem::decl(&cfg),
        BatchDecisionRequest::decl(&cfg),
        BatchDecisionResult::decl(&cfg),
        BatchDecisionResponse::decl(&cfg),
        CodeRequest::decl(&cfg),
        CodeSent::decl(&cfg),
        ParentSessionRequest::decl(&cfg),
        StudentVerifyRequest::decl(&cfg),
        StudentMatch::decl(&cfg),
        StudentVerifyResponse::decl(&cfg),
        StudentChoice::decl(&cfg),
        SubmitRequest::decl(&cfg),
        ResubmitRequest::decl(&cfg),
        ApplicationList::decl(&cfg),
        ProfileRequest::decl(&cfg),
        ProfileResponse::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/domain by `cargo run -p binddesk-domain --example gen-ts`.\n\
         // Do not edit: change the Rust types and regenerate; CI fails when this is stale.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str(&render_labels());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The zh-TW and English labels of every enum, as one `LABELS` constant, so the UI shows
/// the same words as the service and the PDF forms without a second copy.
fn render_labels() -> String {
    fn block<T: Labelled + Copy>(name: &str, all: &[T], wire: fn(T) -> &'static str) -> String {
        let mut s = format!("  {name}: {{\n");
        for v in all {
            let zh = serde_json::to_string(v.zh_tw()).unwrap_or_default();
            let en = serde_json::to_string(v.en()).unwrap_or_default();
            s.push_str(&format!("    {}: {{ \"zh-TW\": {zh}, en: {en} }},\n", wire(*v)));
        }
        s.push_str("  },\n");
        s
    }
    let mut out = String::from(
        "/** zh-TW and English labels of every enum, from the domain crate. */\nexport const LABELS = {\n",
    );
    out.push_str(&block("IdKind", IdKind::ALL, IdKind::as_str));
    out.push_str(&block("SchoolLevel", SchoolLevel::ALL, SchoolLevel::as_str));
    out.push_str(&block("RelationshipKind", RelationshipKind::ALL, RelationshipKind::as_str));
    out.push_str(&block("RelationshipTitle", RelationshipTitle::ALL, RelationshipTitle::as_str));
    out.push_str(&block("Status", Status::ALL, Status::as_str));
    out.push_str(&block("RegistryResult", RegistryResult::ALL, RegistryResult::as_str));
    out.push_str(&block("RegistryReason", RegistryReason::ALL, RegistryReason::as_str));
    out.push_str(&block("Flag", Flag::ALL, Flag::as_str));
    out.push_str(&block("Role", Role::ALL, Role::as_str));
    out.push_str(&block("DecisionAction", DecisionAction::ALL, DecisionAction::as_str));
    out.push_str(&block("HistoryAction", HistoryAction::ALL, HistoryAction::as_str));
    out.push_str(&block("BatchOutcome", BatchOutcome::ALL, BatchOutcome::as_str));
    out.push_str("} as const;\n\n");
    out.push_str(
        "/** A sentence per flag that explains it to a reviewer. */\nexport const FLAG_EXPLANATIONS = {\n",
    );
    for f in Flag::ALL {
        let zh = serde_json::to_string(f.explain_zh_tw()).unwrap_or_default();
        let en = serde_json::to_string(f.explain_en()).unwrap_or_default();
        out.push_str(&format!("  {}: {{ \"zh-TW\": {zh}, en: {en} }},\n", f.as_str()));
    }
    out.push_str("} as const;\n\n");
    let open: Vec<String> =
        crate::rules::binding::OPEN.iter().map(|s| format!("\"{}\"", s.as_str())).collect();
    out.push_str(&format!(
        "/** Statuses a parent may still cancel (`rules::binding::OPEN`). */\nexport const OPEN_STATUSES: readonly Status[] = [{}];\n\n",
        open.join(", ")
    ));
    out.push_str("/** The one kind each title belongs to (`RelationshipTitle::kind`). */\nexport const TITLE_KIND = {\n");
    for t in RelationshipTitle::ALL {
        out.push_str(&format!("  {}: \"{}\",\n", t.as_str(), t.kind().as_str()));
    }
    out.push_str("} as const;\n\n");
    out.push_str(
        "/** What a parent reads for each error of the parents' pages (`{n}`: minutes). */\nexport const PARENT_ERRORS = {\n",
    );
    for c in crate::ParentErrorCode::ALL {
        let zh = serde_json::to_string(c.zh_tw()).unwrap_or_default();
        let en = serde_json::to_string(c.en()).unwrap_or_default();
        out.push_str(&format!("  {}: {{ \"zh-TW\": {zh}, en: {en} }},\n", c.as_str()));
    }
    out.push_str("} as const;\n");
    out
}

/// Where the generated module lives, relative to the workspace root.
pub const GENERATED_PATH: &str = "ui/src/generated/api.ts";

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn checked_in_typescript_is_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(GENERATED_PATH);
        let fresh = render();
        if std::env::var_os("BINDDESK_UPDATE_TS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "{GENERATED_PATH} is stale: run `cargo run -p binddesk-domain --example gen-ts`"
        );
    }

    #[test]
    fn generated_module_has_the_contract_spellings() {
        let ts = render();
        assert!(ts.contains("export type Status = \"pending\" | \"auto_approved\" | \"approved\" | \"returned\" | \"cancelled\";"), "{ts}");
        assert!(ts.contains("export type Application = {"));
    }
}
