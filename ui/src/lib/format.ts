// Dates as Taipei staff read them: Taipei time, and the 民國 year in Chinese.
import type { Lang } from "./i18n";

const TAIPEI_OFFSET_MS = 8 * 3600 * 1000;

function parts(iso: string): { y: number; m: number; d: number; hh: string; mm: string } | null {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const t = new Date(ms + TAIPEI_OFFSET_MS);
  return {
    y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate(),
    hh: String(t.getUTCHours()).padStart(2, "0"), mm: String(t.getUTCMinutes()).padStart(2, "0"),
  };
}

/** e.g. 民國115年11月23日 13:05 or 2026-11-23 13:05 (Taipei time). */
export function dateTime(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return "";
  const p = parts(iso);
  if (!p) return iso;
  if (lang === "zh-TW") return `民國${p.y - 1911}年${p.m}月${p.d}日 ${p.hh}:${p.mm}`;
  return `${p.y}-${String(p.m).padStart(2, "0")}-${String(p.d).padStart(2, "0")} ${p.hh}:${p.mm}`;
}

/** Short form for list rows: 11/23 13:05. */
export function shortDate(iso: string): string {
  const p = parts(iso);
  return p ? `${p.m}/${p.d} ${p.hh}:${p.mm}` : iso;
}

/** "3 分鐘前" / "3 min ago". */
export function ago(lang: Lang, iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return lang === "zh-TW" ? "剛剛" : "just now";
  const m = Math.round(s / 60);
  if (m < 60) return lang === "zh-TW" ? `${m} 分鐘前` : `${m} min ago`;
  const h = Math.round(m / 60);
  return lang === "zh-TW" ? `${h} 小時前` : `${h} h ago`;
}
