// Typed calls of the desktop shell's Tauri commands. The types come from the Rust crates
// (../generated), so a change there shows up here as a type error.
import { invoke } from "@tauri-apps/api/core";
import type { DecisionAction } from "../generated/api";
import type {
  ApplicationView, BulkQueued, Conflict, EngineStatus, ListPage, ListQuery, QueuedDecision,
  SendReport, Skipped, StatusCount, SyncReport,
} from "../generated/review";

export type AppInfo = {
  name_zh_tw: string; name_en: string; version: string;
  service_url: string | null; username: string | null; lang: string;
  credential_store: string; bench: boolean; empty: boolean;
  /** A PDF can go straight to a printer on this computer (CUPS `lp`); not on Windows. */
  direct_print: boolean;
};

/** An error from a command: a stable code the UI translates. */
export type CommandError = { code: string; message: string; minutes: number | null };

export type PrintResult = { path: string; pages: number; bytes: number; missing: string[] };

export function asCommandError(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && typeof (e as CommandError).code === "string") {
    return e as CommandError;
  }
  return { code: "internal", message: String(e), minutes: null };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asCommandError(e);
  }
}

export const api = {
  appInfo: () => call<AppInfo>("app_info"),
  setLanguage: (lang: string) => call<void>("set_language", { lang }),
  preferences: () => call<{ shortcuts: boolean; text_zoom: number }>("preferences"),
  setShortcuts: (on: boolean) => call<void>("set_shortcuts", { on }),
  setTextZoom: (zoom: number) => call<number>("set_text_zoom", { zoom }),
  hasOfflineCache: (serviceUrl: string, username: string) => call<boolean>("has_offline_cache", { serviceUrl, username }),
  login: (serviceUrl: string, username: string, password: string) => call<EngineStatus>("login", { serviceUrl, username, password }),
  openOffline: (serviceUrl: string, username: string, password: string) =>
    call<EngineStatus>("open_offline", { serviceUrl, username, password }),
  relogin: (password: string) => call<EngineStatus>("relogin", { password }),
  logout: (wipe: boolean, force: boolean) => call<void>("logout", { wipe, force }),
  status: () => call<EngineStatus>("status"),
  counts: () => call<StatusCount[]>("counts"),
  list: (query: ListQuery) => call<ListPage>("list", { query }),
  idsMatching: (query: ListQuery) => call<string[]>("ids_matching", { query }),
  view: (id: string) => call<ApplicationView>("view", { id }),
  reveal: (id: string) => call<ApplicationView>("reveal", { id }),
  signature: (sha256: string) => call<string | null>("signature", { sha256 }),
  decide: (id: string, action: DecisionAction, reason: string | null) => call<QueuedDecision>("decide", { id, action, reason }),
  previewMany: (ids: string[], action: DecisionAction, reason: string | null) => call<Skipped[]>("preview_many", { ids, action, reason }),
  decideMany: (ids: string[], action: DecisionAction, reason: string | null) => call<BulkQueued>("decide_many", { ids, action, reason }),
  undo: (id: string) => call<void>("undo", { id }),
  conflicts: () => call<Conflict[]>("conflicts"),
  dropConflict: (decisionId: string) => call<boolean>("drop_conflict", { decisionId }),
  sendOutbox: () => call<SendReport>("send_outbox"),
  syncNow: (manual: boolean) => call<SyncReport>("sync_now", { manual }),
  cancelSync: () => call<void>("cancel_sync"),
  defaultPrintPath: (name: string) => call<string>("default_print_path", { name }),
  chooseSavePath: (suggested: string) => call<string | null>("choose_save_path", { suggested }),
  printForms: (ids: string[], reveal: boolean, path: string) => call<PrintResult>("print_forms", { ids, reveal, path }),
  cancelPrint: () => call<void>("cancel_print"),
  openPath: (path: string) => call<void>("open_path", { path }),
  sendToPrinter: (path: string) => call<string>("send_to_printer", { path }),
  benchMark: (label: string, ms: number) => call<void>("bench_mark", { label, ms }),
};
