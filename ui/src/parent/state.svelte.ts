// The page's state: one object, its steps, and what each step collected. Nothing is
// kept after the tab closes (no storage): the session lives in the HttpOnly cookie.
import type { Application, CodeChannel, Parent, Relationship, SchoolLevel } from "../generated/api";
import { api, asPageError, PageError } from "./api";
import { tr, type Lang, type Word } from "./i18n";

export type Step = "contact" | "students" | "consent" | "parent" | "check" | "status" | "resubmit" | "left";

/** A student chosen in step 2. */
export type Chosen = {
  id_number: string;
  school_level: SchoolLevel;
  school_code: string;
  school_name: string;
  name_masked: string;
  class_name: string;
  relationship: Relationship;
};

class Page {
  lang = $state<Lang>("zh-TW");
  step = $state<Step>("contact");
  /** The address the session was opened with, and how. */
  login = $state<{ address: string; channel: CodeChannel } | null>(null);
  /** The e-mail this session proved (login by e-mail, or proved in step 4). */
  provedEmail = $state<string | null>(null);
  students = $state<Chosen[]>([]);
  consent = $state(false);
  parent = $state<Parent>({ name: "", id_number: "", email: "", phone: "" });
  applications = $state<Application[]>([]);
  /** The returned application being corrected. */
  correcting = $state<Application | null>(null);
  /** A short message for the live region (sent, cancelled, …). */
  notice = $state("");

  t = (key: Word, vars: Record<string, string | number> = {}) => tr(this.lang, key, vars);

  go(step: Step) {
    this.step = step;
    this.notice = "";
    // The new step's heading takes focus, so a screen reader starts there.
    queueMicrotask(() => requestAnimationFrame(() => document.getElementById("step-heading")?.focus()));
  }

  /**
   * Sends what the parent signed (a submission or a correction): a blank pad is refused
   * before anything is sent; on success the status list is reloaded and shown; a session
   * that ended starts over. The error to show, or null.
   */
  async sendSigned(pad: { isEmpty(): boolean; toPng(): string } | undefined, send: (png: string) => Promise<unknown>): Promise<PageError | null> {
    if (!pad || pad.isEmpty()) return new PageError("signature_blank", {}, null, "");
    try {
      await send(pad.toPng());
      this.applications = (await api.list()).applications;
      this.go("status");
      this.notice = this.t("sent");
      return null;
    } catch (err) {
      if (err instanceof PageError && err.code === "session_ended") this.reset();
      return asPageError(err);
    }
  }

  /** Everything forgotten: after logout, leaving, or a session that ended. */
  reset(step: Step = "contact") {
    this.login = null;
    this.provedEmail = null;
    this.students = [];
    this.consent = false;
    this.parent = { name: "", id_number: "", email: "", phone: "" };
    this.applications = [];
    this.correcting = null;
    this.go(step);
  }
}

export const page = new Page();
