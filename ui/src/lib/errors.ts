// What a reviewer reads when something fails: plain words, in their language.
import type { CommandError } from "./api";
import { t, type Lang, type MessageKey } from "./i18n";

const BY_CODE: Record<string, MessageKey> = {
  wrong_password: "errWrongPassword",
  locked: "errLocked",
  unreachable: "errUnreachable",
  session_expired: "errSessionExpired",
  not_our_api: "errNotOurApi",
  bad_address: "errBadAddress",
  no_offline_cache: "errNoOffline",
  unsent_decisions: "errUnsent",
  cache_key: "errCacheKey",
  no_credential_store: "errNoCredentialStore",
  cleartext: "errCleartext",
  reason_not_text: "errReasonNotText",
  reason_required: "errReasonRequired",
  path_not_chosen: "errPathNotChosen",
  bad_path: "errBadPath",
  offline_wrong_password: "errOfflineWrongPassword",
  offline_locked: "errOfflineLocked",
  account_limit: "accountLimitReached",
  not_pending: "onlyPending",
};

/** The sentence for an error; unknown codes keep the engine's own sentence. */
export function errorText(lang: Lang, e: CommandError): string {
  const key = BY_CODE[e.code];
  if (!key) return `${t(lang, "errGeneric")}: ${e.message}`;
  return t(lang, key).replace("{n}", String(e.minutes ?? "?"));
}
