// The reviewer's preferences (kept by the shell in settings.json): single-key shortcuts
// on or off, and the text size. Ctrl +/−/0 step the size from anywhere in the window.
import { api } from "./api";

export const ZOOM_STEPS = [0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0];

export const prefs = $state({ shortcuts: true, zoom: 1.0 });

export async function loadPrefs() {
  try {
    const p = await api.preferences();
    prefs.shortcuts = p.shortcuts;
    prefs.zoom = p.text_zoom;
  } catch {
    // outside the shell (unit tests): the defaults
  }
}

export async function setShortcuts(on: boolean) {
  prefs.shortcuts = on;
  await api.setShortcuts(on).catch(() => undefined);
}

/** One step up (+1), down (−1), or back to 100 % (0). */
export async function stepZoom(direction: -1 | 0 | 1) {
  const i = ZOOM_STEPS.findIndex((z) => z >= prefs.zoom - 0.001);
  const at = i < 0 ? ZOOM_STEPS.length - 1 : i;
  const next = direction === 0 ? 1.0 : ZOOM_STEPS[Math.max(0, Math.min(ZOOM_STEPS.length - 1, at + direction))] ?? 1.0;
  prefs.zoom = await api.setTextZoom(next).catch(() => prefs.zoom);
}

/** Ctrl (⌘ on macOS) with + = − _ 0: the text size keys, wherever the focus is. */
export function zoomKey(e: KeyboardEvent): -1 | 0 | 1 | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  if (e.key === "+" || e.key === "=") return 1;
  if (e.key === "-" || e.key === "_") return -1;
  if (e.key === "0") return 0;
  return null;
}

/**
 * Whether a single-key shortcut may act on this key press: never while typing, never
 * with the focus on a form control or a button outside the list (its own keys come
 * first), never with a modifier, and not at all when turned off (WCAG 2.1.4).
 */
export function shortcutAllowed(e: KeyboardEvent, enabled: boolean): boolean {
  if (!enabled || e.ctrlKey || e.metaKey || e.altKey) return false;
  const el = e.target as HTMLElement | null;
  if (!el || !el.closest) return true;
  if (el.isContentEditable || el.closest("input, textarea, select, [contenteditable='true']")) return false;
  if (el.closest("[role='dialog']")) return false;
  if (el.closest("button, a[href], [role='checkbox'], [role='radio'], [role='tab']") && !el.closest("[data-shortcut-zone]")) return false;
  return true;
}
