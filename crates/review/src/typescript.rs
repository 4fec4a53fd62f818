//! The UI's TypeScript types for the engine's views, generated from [`crate::views`].
//!
//! `ui/src/generated/review.ts` is written by `cargo run -p binddesk-review --example
//! gen-ts` (or the test below with `BINDDESK_UPDATE_TS=1`); the test fails when the
//! checked-in file is stale. Types of the API come from `./api` (the domain crate's file).

use crate::views::*;
use binddesk_domain::Labelled;
use ts_rs::{Config, TS};

/// Where the generated module lives, relative to the workspace root.
pub const GENERATED_PATH: &str = "ui/src/generated/review.ts";

/// Renders every view type into one TypeScript module.
pub fn render() -> String {
    let cfg = Config::default();
    let decls = [
        QueuedDecision::decl(&cfg),
        ListItem::decl(&cfg),
        SortKey::decl(&cfg),
        ListQuery::decl(&cfg),
        ListPage::decl(&cfg),
        StatusCount::decl(&cfg),
        ApplicationView::decl(&cfg),
        ConflictKind::decl(&cfg),
        Conflict::decl(&cfg),
        Skipped::decl(&cfg),
        BulkQueued::decl(&cfg),
        SyncPhase::decl(&cfg),
        SyncProgress::decl(&cfg),
        SyncReport::decl(&cfg),
        SendReport::decl(&cfg),
        EngineStatus::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/review by `cargo run -p binddesk-review --example gen-ts-review`.\n\
         // Do not edit: change the Rust types and regenerate; CI fails when this is stale.\n\n\
         import type { Application, DecisionAction, Flag, RegistryResult, RelationshipTitle, SchoolLevel, Staff, Status } from \"./api\";\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str("/** Every error the app can show, in both languages (`{n}`: minutes). */\nexport const ERROR_MESSAGES = {\n");
    for c in crate::error_code::ErrorCode::ALL {
        let zh = serde_json::to_string(c.zh_tw()).unwrap_or_default();
        let en = serde_json::to_string(c.en()).unwrap_or_default();
        out.push_str(&format!("  {}: {{ \"zh-TW\": {zh}, en: {en} }},\n", c.as_str()));
    }
    out.push_str("} as const;\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn checked_in_typescript_is_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(GENERATED_PATH);
        let fresh = render();
        if std::env::var_os("BINDDESK_UPDATE_TS").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == fresh,
            "{GENERATED_PATH} is stale: run `cargo run -p binddesk-review --example gen-ts-review`"
        );
    }
}
