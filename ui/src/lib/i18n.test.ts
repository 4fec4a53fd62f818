import { describe, expect, it } from "vitest";
import { bilingual, messages, t } from "./i18n";
import { LABELS } from "../generated/api";

describe("i18n", () => {
  it("has both languages for every message", () => {
    for (const [key, m] of Object.entries(messages)) {
      expect(m["zh-TW"], key).toMatch(/\S/);
      expect(m.en, key).toMatch(/\S/);
      expect(m["zh-TW"], key).not.toEqual(m.en);
    }
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
