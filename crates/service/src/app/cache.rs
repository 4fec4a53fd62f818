//! What an instance keeps for a moment so that the request a desktop app sends most, "any
//! changes since N?" when there are none, costs no database round trip: the staff member
//! behind a session token, and each school's newest change number. Both are kept for
//! [`TTL`], then read again; a write through this instance forgets the heads at once.
//!
//! Why this is safe:
//! - A write through this instance (any request but a read, a registry retry) forgets
//!   the heads, so its own changes are seen at once.
//! - A stale school head can only say "nothing new" for a change that committed within
//!   the last [`TTL`] on another instance; the client's cursor does not move on an empty answer, so its next
//!   poll after the head is read again gets the change. A change is delayed, never skipped.
//! - A session ended on this instance (logout) leaves the cache at once. One ended
//!   elsewhere (logout on another instance, a staff re-import, expiry) still works here
//!   for at most [`TTL`]: the price of answering polls from memory, said in the README.

use crate::store::StaffRecord;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a kept answer is used.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept at most per map; past that the map starts again (a flood of distinct
/// tokens cannot grow memory).
const MAX_ENTRIES: usize = 100_000;

/// A map whose entries are used for [`TTL`] after they were stored.
#[derive(Debug)]
struct Timed<V> {
    map: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> Timed<V> {
    fn new() -> Self {
        Timed { map: Mutex::new(HashMap::new()) }
    }

    fn get(&self, key: &str) -> Option<V> {
        let map = self.map.lock().ok()?;
        map.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    fn put(&self, key: &str, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key.to_string(), (Instant::now(), value));
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }

    fn remove(&self, key: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }
}

/// The instance's short-lived answers.
#[derive(Debug)]
pub struct Cache {
    staff: Timed<StaffRecord>,
    heads: Timed<i64>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache { staff: Timed::new(), heads: Timed::new() }
    }
}

impl Cache {
    /// The staff member of a session token (by its hash), if kept.
    pub fn staff(&self, token_hash: &str) -> Option<StaffRecord> {
        self.staff.get(token_hash)
    }

    /// Keeps the staff member of a session token.
    pub fn keep_staff(&self, token_hash: &str, record: &StaffRecord) {
        self.staff.put(token_hash, record.clone());
    }

    /// Forgets a session (it ended here).
    pub fn forget_session(&self, token_hash: &str) {
        self.staff.remove(token_hash);
    }

    /// A school's newest change number, if kept.
    pub fn head(&self, school_code: &str) -> Option<i64> {
        self.heads.get(school_code)
    }

    /// Forgets every school's head: this instance just wrote.
    pub fn forget_heads(&self) {
        self.heads.clear();
    }

    /// Keeps a school's newest change number.
    pub fn keep_head(&self, school_code: &str, head: i64) {
        self.heads.put(school_code, head);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_for_the_ttl_and_forgotten_on_logout() {
        let c = Cache::default();
        c.keep_head("383401", 42);
        assert_eq!(c.head("383401"), Some(42));
        assert_eq!(c.head("313302"), None);
        // An entry older than the TTL is not used.
        if let Ok(mut m) = c.heads.map.lock()
            && let Some(e) = m.get_mut("383401")
        {
            e.0 = Instant::now().checked_sub(TTL + Duration::from_millis(1)).unwrap_or(e.0);
        }
        assert_eq!(c.head("383401"), None);
        c.heads.put("x", 1);
        c.heads.remove("x");
        assert_eq!(c.heads.get("x"), None);
    }
}
