import { describe, expect, it } from "vitest";
import { bilingual, messages, resultCount, sep, t } from "./i18n";
import { LABELS } from "../generated/api";

describe("i18n", () => {
  it("has both languages for every message", () => {
    for (const [key, m] of Object.entries(messages)) {
      expect(m["zh-TW"], key).toMatch(/\S/);
      expect(m.en, key).toMatch(/\S/);
      expect(m["zh-TW"], key).not.toEqual(m.en);
    }
  });

  it("writes label separators and counts the way each language does", () => {
    expect(`${t("zh-TW", "queued")}${sep("zh-TW")}2`).toBe("待送出決定：2");
    expect(`${t("en", "queued")}${sep("en")}2`).toMatch(/^[A-Za-z ]+: 2$/);
    expect(resultCount("en", 1)).toBe("1 application");
    expect(resultCount("en", 30)).toBe("30 applications");
    expect(resultCount("zh-TW", 1)).toBe("1 筆");
  });

  it("defaults to the names users know", () => {
    expect(t("zh-TW", "appTitle")).toBe("綁定審核台");
    expect(bilingual("appTitle")).toBe("綁定審核台 BindDesk");
  });

  it("uses the generated enum labels from the domain crate", () => {
    expect(LABELS.Status.pending["zh-TW"]).toBe("申請中");
    expect(LABELS.Status.auto_approved["zh-TW"]).toBe("自動審核通過");
    expect(LABELS.RelationshipTitle.maternal_grandmother.en).toBe("Maternal grandmother");
  });
});
