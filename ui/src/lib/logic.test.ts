import { describe, expect, it } from "vitest";
import { Selection } from "./selection";
import { scrollToRow, visibleWindow } from "./virtual";
import { ago, dateTime, shortDate } from "./format";
import { errorText } from "./errors";
import { ERROR_MESSAGES } from "../generated/review";
import { RETURN_REASONS, messages } from "./i18n";

describe("selection", () => {
  const ids = ["a", "b", "c", "d", "e", "f"];
  const at = (i: number) => ids[i];
  it("toggles on click and selects ranges with shift", () => {
    const s = new Selection();
    s.click(1, "b", false, at);
    expect([...s.ids]).toEqual(["b"]);
    s.click(4, "e", true, at);
    expect([...s.ids].sort()).toEqual(["b", "c", "d", "e"]);
    s.click(2, "c", false, at);
    expect(s.has("c")).toBe(false);
    // A shift range upwards from the new anchor.
    s.click(0, "a", true, at);
    expect([...s.ids].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(s.size).toBe(5);
  });
  it("a shift-click without an anchor is a plain click, and replace/clear reset it", () => {
    const s = new Selection();
    s.click(3, "d", true, at);
    expect([...s.ids]).toEqual(["d"]);
    s.replace(["x", "y"]);
    expect(s.size).toBe(2);
    expect(s.anchor).toBeNull();
    s.clear();
    expect(s.size).toBe(0);
  });
});

describe("virtual list", () => {
  it("draws only the visible rows of 20,000 and fetches only their pages", () => {
    const w = visibleWindow(64 * 10_000, 640, 64, 20_000, 100);
    expect(w.first).toBe(10_000 - 8);
    expect(w.last).toBe(10_000 + 10 + 8);
    expect(w.last - w.first).toBeLessThan(40);
    expect(w.pages).toEqual([99, 100]);
  });
  it("clamps at both ends and handles an empty list", () => {
    expect(visibleWindow(0, 640, 64, 5, 100)).toEqual({ first: 0, last: 5, pages: [0] });
    expect(visibleWindow(0, 640, 64, 0, 100)).toEqual({ first: 0, last: 0, pages: [] });
  });
  it("scrolls a row into view only when it is outside", () => {
    expect(scrollToRow(5, 0, 640, 64)).toBe(0);
    expect(scrollToRow(20, 0, 640, 64)).toBe(21 * 64 - 640);
    expect(scrollToRow(2, 640, 640, 64)).toBe(128);
  });
});

describe("formatting", () => {
  it("writes Taipei time, with the 民國 year in Chinese", () => {
    expect(dateTime("zh-TW", "2026-11-23T05:05:00Z")).toBe("民國115年11月23日 13:05");
    expect(dateTime("en", "2026-11-23T16:30:00Z")).toBe("2026-11-24 00:30");
    expect(shortDate("2026-01-02T00:00:00Z")).toBe("1/2 08:00");
    expect(dateTime("en", "garbage")).toBe("garbage");
  });
  it("says how long ago", () => {
    const now = Date.parse("2026-11-23T05:00:00Z");
    expect(ago("zh-TW", "2026-11-23T04:57:00Z", now)).toBe("3 分鐘前");
    expect(ago("en", "2026-11-23T04:59:50Z", now)).toBe("just now");
    expect(ago("en", "2026-11-23T02:00:00Z", now)).toBe("3 h ago");
  });
});

describe("errors in plain words", () => {
  it("translates the engine's codes, minutes included", () => {
    expect(errorText("zh-TW", { code: "locked", message: "x", minutes: 14 })).toContain("14 分鐘");
    expect(errorText("en", { code: "wrong_password", message: "x", minutes: null })).toBe("Wrong username or password.");
    expect(errorText("en", { code: "unreachable", message: "x", minutes: null })).toContain("cannot be reached");
    expect(errorText("en", { code: "weird", message: "the engine's words", minutes: null })).toContain("the engine's words");
  });
  it("words every code the app can show, never the generic fallback", () => {
    const codes = Object.keys(ERROR_MESSAGES);
    expect(codes.length).toBeGreaterThan(30);
    for (const code of codes) {
      const zh = errorText("zh-TW", { code, message: "ENGLISH FROM THE ENGINE", minutes: 3 });
      const en = errorText("en", { code, message: "ENGLISH FROM THE ENGINE", minutes: 3 });
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(zh).not.toContain("ENGLISH FROM THE ENGINE");
      expect(en).not.toContain("ENGLISH FROM THE ENGINE");
      expect(zh).not.toContain("{n}");
    }
  });
  it("has every return reason in both languages", () => {
    for (const r of RETURN_REASONS) {
      expect(r["zh-TW"]).toMatch(/[\u4e00-\u9fff]/);
      expect(r.en).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(Object.keys(messages).length).toBeGreaterThan(100);
  });
});
