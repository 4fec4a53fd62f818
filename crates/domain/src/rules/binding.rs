//! Which statuses bind a child, and the two-account count: one definition, used by the
//! service's store and the reviewer's offline cache alike (they used to count in SQL,
//! differently: distinct other parents in one, other applications in the other).

use crate::enums::Status;

/// Statuses in which an application binds the parent's account to the child.
pub const BINDING: [Status; 2] = [Status::Approved, Status::AutoApproved];

/// Statuses in which an application is still open: waiting for the school or the parent.
pub const OPEN: [Status; 2] = [Status::Pending, Status::Returned];

/// Statuses in which an application holds or claims a binding (one per parent and child;
/// its e-mail is in use).
pub const LIVE: [Status; 4] = [Status::Pending, Status::Returned, Status::Approved, Status::AutoApproved];

impl Status {
    /// Whether an application in this status binds the parent to the child.
    pub fn binds_child(self) -> bool {
        BINDING.contains(&self)
    }

    /// Whether an application in this status is still open.
    pub fn is_open(self) -> bool {
        OPEN.contains(&self)
    }

    /// Whether an application in this status holds or claims a binding.
    pub fn is_live(self) -> bool {
        LIVE.contains(&self)
    }
}

/// A set of statuses as an SQL list, `('approved','auto_approved')`, so that queries take
/// their sets from here rather than spelling them out.
pub fn sql_list(statuses: &[Status]) -> String {
    let inner: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.as_str())).collect();
    format!("({})", inner.join(","))
}

/// Another application of the same student, as the count sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudentApplication<'a> {
    /// The applying parent's ID number.
    pub parent_id: &'a str,
    /// Its status.
    pub status: Status,
}

/// The accounts already bound to a student, as far as an application by `parent_id` is
/// concerned: the distinct *other* parents with a binding application. A parent with two
/// binding applications (carried over from an older system) is one account; the
/// applicant's own applications never count against them.
pub fn bound_accounts<'a>(others: impl IntoIterator<Item = StudentApplication<'a>>, parent_id: &str) -> u32 {
    let mut parents: Vec<&str> = others
        .into_iter()
        .filter(|a| a.status.binds_child() && a.parent_id != parent_id)
        .map(|a| a.parent_id)
        .collect();
    parents.sort_unstable();
    parents.dedup();
    parents.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(parent_id: &str, status: Status) -> StudentApplication<'_> {
        StudentApplication { parent_id, status }
    }

    /// Where the two old definitions disagreed: the service counted distinct other
    /// parents, the cache counted other applications.
    #[test]
    fn one_parent_with_two_bindings_is_one_account() {
        let others = [app("A123456789", Status::Approved), app("A123456789", Status::AutoApproved)];
        assert_eq!(bound_accounts(others, "B234567890"), 1, "the service's answer, now both sides'");
        // The cache's old count: every other binding application.
        let old_cache_count = others.iter().filter(|a| a.status.binds_child()).count();
        assert_eq!(old_cache_count, 2);
    }

    #[test]
    fn only_other_parents_binding_applications_count() {
        let others = [
            app("A123456789", Status::Approved),
            app("B234567890", Status::Pending),
            app("C111111111", Status::Cancelled),
            app("D222222222", Status::Returned),
            app("E333333333", Status::AutoApproved),
            app("SELF000000", Status::Approved),
        ];
        assert_eq!(bound_accounts(others, "SELF000000"), 2);
    }

    #[test]
    fn status_sets() {
        assert!(Status::Approved.binds_child() && Status::AutoApproved.binds_child());
        assert!(!Status::Pending.binds_child() && !Status::Cancelled.binds_child());
        assert!(Status::Pending.is_open() && Status::Returned.is_open() && !Status::Approved.is_open());
        assert!(!Status::Cancelled.is_live());
        assert_eq!(sql_list(&BINDING), "('approved','auto_approved')");
    }
}
