//! The UI's TypeScript types, generated from the Rust definitions.
//!
//! `ui/src/generated/api.ts` is written by `cargo run -p binddesk-domain --example gen-ts`
//! (or the test below with `BINDDESK_UPDATE_TS=1`), and the test fails when the checked-in
//! file differs from what the Rust types produce, so the two can never drift apart.

use crate::api::*;
use crate::enums::*;
use crate::id_number::IdKind;
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
    out.truncate(out.trim_end().len());
    out.push('\n');
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
