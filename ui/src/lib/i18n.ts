// The UI's own strings, in Traditional Chinese (the default) and English.
// Enum labels (statuses, flags, relationships…) are not here: they are generated from
// the Rust domain crate into ../generated/labels.ts, so they exist once.

export type Lang = "zh-TW" | "en";

export const messages = {
  appTitle: { "zh-TW": "綁定審核台", en: "BindDesk" },
  appSubtitle: { "zh-TW": "親子綁定申請審核", en: "Parent–child binding review" },
  notConnected: { "zh-TW": "尚未連線到綁定服務", en: "Not connected to the binding service" },
  language: { "zh-TW": "語言", en: "Language" },
  service: { "zh-TW": "綁定服務", en: "Binding service" },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof messages;

export function t(lang: Lang, key: MessageKey): string {
  return messages[key][lang];
}

/** Both names, the way the window title and headings show them: "綁定審核台 BindDesk". */
export function bilingual(key: MessageKey): string {
  return `${messages[key]["zh-TW"]} ${messages[key].en}`;
}
