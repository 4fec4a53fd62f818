import { describe, expect, it } from "vitest";
import { shortcutAllowed, zoomKey } from "./prefs.svelte";

/** A stand-in for an element: `closest` answers for the selectors it matches. */
function el(matches: string[], editable = false): HTMLElement {
  return {
    isContentEditable: editable,
    closest: (sel: string) => (sel.split(",").some((s) => matches.includes(s.trim())) ? {} : null),
  } as unknown as HTMLElement;
}

function key(k: string, target: HTMLElement, mods: Partial<KeyboardEvent> = {}): KeyboardEvent {
  return { key: k, target, ctrlKey: false, metaKey: false, altKey: false, ...mods } as unknown as KeyboardEvent;
}

describe("single-key shortcuts", () => {
  it("act on the page and on the list's rows", () => {
    expect(shortcutAllowed(key("a", el([])), true)).toBe(true);
    expect(shortcutAllowed(key("a", el(["button", "[data-shortcut-zone]"])), true)).toBe(true);
  });
  it("never act while typing or on another control", () => {
    for (const control of ["input", "textarea", "select"]) {
      expect(shortcutAllowed(key("a", el([control])), true)).toBe(false);
    }
    expect(shortcutAllowed(key("a", el([], true)), true)).toBe(false);
    expect(shortcutAllowed(key("a", el(["button"])), true)).toBe(false);
    expect(shortcutAllowed(key("a", el(["[role='dialog']"])), true)).toBe(false);
  });
  it("never act with a modifier, nor when turned off", () => {
    expect(shortcutAllowed(key("a", el([]), { ctrlKey: true }), true)).toBe(false);
    expect(shortcutAllowed(key("a", el([])), false)).toBe(false);
  });
});

describe("text size keys", () => {
  it("are Ctrl with + = − _ 0", () => {
    expect(zoomKey(key("=", el([]), { ctrlKey: true }))).toBe(1);
    expect(zoomKey(key("+", el([]), { ctrlKey: true }))).toBe(1);
    expect(zoomKey(key("-", el([]), { ctrlKey: true }))).toBe(-1);
    expect(zoomKey(key("0", el([]), { metaKey: true }))).toBe(0);
    expect(zoomKey(key("=", el([])))).toBe(null);
    expect(zoomKey(key("=", el([]), { ctrlKey: true, altKey: true }))).toBe(null);
  });
});
