// What a reviewer reads when something fails: plain words, in their language. The words
// of every code come from the Rust table (crates/review/src/error_code.rs), generated.
import type { CommandError } from "./api";
import { ERROR_MESSAGES } from "../generated/review";
import { t, type Lang } from "./i18n";

/** The sentence for an error; a code the table lacks keeps the engine's own sentence. */
export function errorText(lang: Lang, e: CommandError): string {
  const words = (ERROR_MESSAGES as Record<string, Record<Lang, string>>)[e.code];
  if (!words) return `${t(lang, "errGeneric")}: ${e.message}`;
  return words[lang].replace("{n}", String(e.minutes ?? "?"));
}
