//! Limits on guessing: the staff login lockout and the verification-code limits. The
//! numbers and the arithmetic live here; the stores keep the counters, and count an
//! attempt in the same transaction that decides whether it may go ahead, so concurrent
//! attempts are each counted (see [`LockoutPolicy::begin`]).

/// A login lockout: after `lock_after` failures in a row the account is locked for
/// `lock_secs`; from `slow_after` failures on each answer is delayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures after which each further wrong answer is delayed.
    pub slow_after: u32,
    /// Failures after which the account is locked.
    pub lock_after: u32,
    /// How long a lock lasts, in seconds.
    pub lock_secs: i64,
}

/// The staff login policy. It applies to every username asked about, known or not, so
/// the answers tell nobody which usernames exist.
pub const STAFF_LOGIN: LockoutPolicy = LockoutPolicy { slow_after: 3, lock_after: 5, lock_secs: 15 * 60 };

/// Failed attempts and lock of one login name, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    /// Attempts counted since the last success (each counted before it was checked).
    pub failures: u32,
    /// Locked until this Unix time.
    pub locked_until: Option<i64>,
}

/// What to do with a login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Check the password; this is attempt `number` in a row.
    Check {
        /// 1 for the first attempt after a success or an expired lock.
        number: u32,
    },
    /// Refuse without checking, whatever the password.
    Locked {
        /// Seconds until the lock ends.
        retry_after_secs: u64,
    },
}

impl LockoutPolicy {
    /// Counts an attempt before its password is checked: returns what to do and the
    /// state to store, in the same transaction that read `state`.
    pub fn begin(&self, state: LoginState, now: i64) -> (Attempt, LoginState) {
        if let Some(until) = state.locked_until.filter(|u| *u > now) {
            return (Attempt::Locked { retry_after_secs: (until - now) as u64 }, state);
        }
        // An expired lock starts the count again: one slip after the wait is a plain no.
        let failures = if state.locked_until.is_some() { 0 } else { state.failures };
        let number = failures + 1;
        if number > self.lock_after {
            let until = now + self.lock_secs;
            let locked = LoginState { failures: number, locked_until: Some(until) };
            return (Attempt::Locked { retry_after_secs: self.lock_secs as u64 }, locked);
        }
        (Attempt::Check { number }, LoginState { failures: number, locked_until: None })
    }

    /// Whether a failed attempt `number` locks the account.
    pub fn locks(&self, number: u32) -> bool {
        number >= self.lock_after
    }

    /// The lock that a failed attempt `number` sets, if any.
    pub fn lock_after_failure(&self, number: u32, now: i64) -> Option<i64> {
        self.locks(number).then_some(now + self.lock_secs)
    }

    /// How long to hold a wrong answer back, in milliseconds.
    pub fn delay_ms(&self, number: u32) -> u64 {
        500 * u64::from(number.saturating_sub(self.slow_after))
    }
}

/// Codes: how long one lives, how often one may be asked for, how many wrong tries it
/// and its address survive.
pub mod codes {
    /// A code lives an hour.
    pub const LIFETIME_SECS: i64 = 3600;
    /// Wrong tries after which a code is dead.
    pub const TRIES_PER_CODE: u32 = 5;
    /// Wrong tries an address may have in [`WINDOW_SECS`], across its codes; then even
    /// the right code is refused until the window ends.
    pub const TRIES_PER_ADDRESS: u32 = 10;
    /// The window of the per-address and per-client counts.
    pub const WINDOW_SECS: i64 = 3600;
    /// Codes a mobile number may receive in [`WINDOW_SECS`] (the walkthrough's limit).
    pub const PHONE_CODES_PER_WINDOW: u32 = 2;
    /// The default wait before a new code for the same address (FAQ 4: codes can take
    /// minutes to arrive; asking again at once only replaces the one on its way).
    pub const RESEND_SECS: i64 = 60;
    /// Default codes one client address may ask for in a window (a school's shared
    /// network can hold many parents).
    pub const CLIENT_CODES_PER_WINDOW: u32 = 100;
    /// Default wrong tries one client address may make in a window.
    pub const CLIENT_TRIES_PER_WINDOW: u32 = 200;
}

/// A fixed-window counter: `count` events since `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// When the window began (Unix time).
    pub start: i64,
    /// Events in it.
    pub count: u32,
}

impl Window {
    /// The window after one more event at `now`, with windows `secs` long.
    pub fn hit(self, now: i64, secs: i64) -> Window {
        if now >= self.start + secs {
            Window { start: now, count: 1 }
        } else {
            Window { count: self.count + 1, ..self }
        }
    }

    /// Events counted at `now` (0 once the window has ended).
    pub fn current(self, now: i64, secs: i64) -> u32 {
        if now >= self.start + secs { 0 } else { self.count }
    }

    /// Seconds until the window ends.
    pub fn retry_after(self, now: i64, secs: i64) -> u64 {
        (self.start + secs - now).max(1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_attempts_are_each_counted() {
        // Twenty attempts that all begin before any is checked: five are checked.
        let mut state = LoginState::default();
        let mut checked = 0;
        for _ in 0..20 {
            let (a, s) = STAFF_LOGIN.begin(state, 1000);
            state = s;
            checked += u32::from(matches!(a, Attempt::Check { .. }));
        }
        assert_eq!(checked, 5);
        assert!(matches!(STAFF_LOGIN.begin(state, 1001).0, Attempt::Locked { .. }));
    }

    #[test]
    fn a_lock_ends_and_counting_starts_again() {
        let locked = LoginState { failures: 5, locked_until: Some(2000) };
        assert_eq!(STAFF_LOGIN.begin(locked, 1999).0, Attempt::Locked { retry_after_secs: 1 });
        assert_eq!(STAFF_LOGIN.begin(locked, 2000).0, Attempt::Check { number: 1 });
        assert_eq!(STAFF_LOGIN.lock_after_failure(5, 10), Some(10 + 900));
        assert_eq!(STAFF_LOGIN.lock_after_failure(4, 10), None);
        assert_eq!(STAFF_LOGIN.delay_ms(3), 0);
        assert_eq!(STAFF_LOGIN.delay_ms(5), 1000);
    }

    #[test]
    fn windows_count_and_reset() {
        let w = Window::default().hit(100, 60);
        assert_eq!(w, Window { start: 100, count: 1 });
        let w = w.hit(130, 60);
        assert_eq!((w.count, w.current(159, 60), w.current(160, 60)), (2, 2, 0));
        assert_eq!(w.retry_after(130, 60), 30);
        assert_eq!(w.hit(160, 60), Window { start: 160, count: 1 });
    }
}
