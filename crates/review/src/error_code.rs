//! Every error the desktop app can show: [`ErrorCode`], defined with its zh-TW and
//! English words in the domain crate and generated into the UI (`typescript`). The tests
//! here check that the engine's own codes are all in it.

pub use binddesk_domain::ErrorCode;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{CacheError, QueueError};
    use binddesk_domain::Labelled;
    use binddesk_domain::RuleError;

    #[test]
    fn every_code_has_both_languages_and_one_spelling() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(!c.zh_tw().is_empty() && !c.en().is_empty(), "{c:?}");
            assert!(c.zh_tw().chars().any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)), "{c:?} in Chinese");
            assert!(seen.insert(c.as_str()), "{} twice", c.as_str());
            assert_eq!(ErrorCode::from_wire(c.as_str()), Some(*c));
        }
    }

    /// The rules' and the queue's codes are all in the table.
    #[test]
    fn every_rule_and_queue_code_has_words() {
        use binddesk_domain::{RelationshipKind, RelationshipTitle, Status};
        let rules = [
            RuleError::TitleDoesNotFitKind {
                kind: RelationshipKind::Guardian,
                title: RelationshipTitle::Father,
            },
            RuleError::Transition { from: Status::Approved, to: Status::Pending },
            RuleError::NotPending(Status::Approved),
            RuleError::ReasonRequired,
            RuleError::ReasonTooLong,
            RuleError::ReasonNotText(binddesk_domain::TextError::Control),
            RuleError::AccountLimit,
        ];
        for r in rules {
            assert!(ErrorCode::from_wire(r.code()).is_some(), "{}", r.code());
        }
        let queue = [
            QueueError::AlreadyDecided,
            QueueError::NothingToUndo,
            QueueError::AlreadySent,
            QueueError::Cache(CacheError::NotCached("x".into())),
            QueueError::Cache(CacheError::WrongKey),
        ];
        for q in queue {
            assert!(ErrorCode::from_wire(q.code()).is_some(), "{}", q.code());
        }
    }
}
