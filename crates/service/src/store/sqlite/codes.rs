//! Verification codes (the counting lives in `guard`).

use super::*;

impl CodeRepo for SqliteStore {
    fn put_code(
        &self,
        address: &str,
        channel: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<Result<(), CodeRefused>> {
        self.write(|tx| super::guard::put_code(tx, address, channel, code_hash, client, limits, now))
    }

    fn take_code(
        &self,
        address: &str,
        code_hash: &str,
        client: &str,
        limits: &CodeLimits,
        now: i64,
    ) -> StoreResult<CodeCheck> {
        self.write(|tx| super::guard::take_code(tx, address, code_hash, client, limits, now))
    }
}
