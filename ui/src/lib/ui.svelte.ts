// App-wide UI state shared by the components (Svelte 5 runes).
import type { Lang } from "./i18n";

export const ui = $state({ lang: "zh-TW" as Lang });
