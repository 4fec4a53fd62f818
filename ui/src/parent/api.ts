// The parents' pages talk to the service that serves them: same origin, the session in
// an HttpOnly cookie the script never sees, and `X-BindDesk-Page: 1` on every request
// (the service refuses a cookie-authenticated request without it: CSRF).
import type {
  ApplicationList,
  Application,
  CodeChannel,
  CodeSent,
  ProfileResponse,
  ResubmitRequest,
  SchoolLevel,
  StudentVerifyResponse,
  SubmitRequest,
} from "../generated/api";
import { PARENT_ERRORS } from "../generated/api";
import type { Lang } from "./i18n";

/** An error the page shows: a sentence for the whole step and one per field. */
export class PageError extends Error {
  constructor(
    readonly code: keyof typeof PARENT_ERRORS,
    readonly fields: Record<string, string>,
    readonly retryAfterSecs: number | null,
    readonly serviceMessage: string,
  ) {
    super(code);
  }

  /** What the parent reads, in their language. */
  text(lang: Lang): string {
    const minutes = Math.max(1, Math.ceil((this.retryAfterSecs ?? 60) / 60));
    const base = PARENT_ERRORS[this.code][lang].replace("{n}", String(minutes));
    // The service's own sentence names the exact wait for a resend.
    if (this.code === "code_cooldown" && this.retryAfterSecs !== null) {
      return lang === "zh-TW"
        ? `驗證碼已寄出，寄送可能需要幾分鐘；請先查看信箱或簡訊，${this.retryAfterSecs} 秒後才能重新取得。`
        : `A code is on its way and can take minutes to arrive: check your mail or messages; you can ask again in ${this.retryAfterSecs} seconds.`;
    }
    return base;
  }
}

/** Any failure as a page error: a bug or an unexpected answer reads as a service error. */
export function asPageError(e: unknown): PageError {
  if (e instanceof PageError) return e;
  console.error(e);
  return new PageError("service_error", {}, null, e instanceof Error ? e.message : String(e));
}

/** The service's field messages are "中文 (English)": the part in the page's language. */
export function fieldText(message: string, lang: Lang): string {
  const open = message.indexOf(" (");
  if (open < 0 || !message.endsWith(")")) return message;
  return lang === "zh-TW" ? message.slice(0, open) : message.slice(open + 2, -1);
}

const SESSION_CODES = new Set(["no_token", "invalid_token", "wrong_token", "cross_site"]);

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        "X-BindDesk-Page": "1",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PageError("unreachable", {}, null, "");
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const type = res.headers.get("content-type") ?? "";
    return (type.includes("json") ? await res.json() : await res.blob()) as T;
  }
  let detail: { code?: string; message?: string; fields?: Record<string, string>; retry_after_secs?: number } = {};
  try {
    detail = ((await res.json()) as { error?: typeof detail }).error ?? {};
  } catch {
    // not JSON: a proxy's page; the status decides below
  }
  const raw = detail.code ?? "";
  let code: keyof typeof PARENT_ERRORS;
  if (SESSION_CODES.has(raw)) code = "session_ended";
  else if (raw in PARENT_ERRORS) code = raw as keyof typeof PARENT_ERRORS;
  else if (res.status === 413) code = "payload_too_large";
  else if (res.status === 404) code = "not_found";
  else if (res.status === 422) code = "invalid_fields";
  else code = "service_error";
  throw new PageError(code, detail.fields ?? {}, detail.retry_after_secs ?? null, detail.message ?? "");
}

export const api = {
  requestCode: (channel: CodeChannel, address: string) =>
    call<CodeSent>("POST", "/api/v1/parent/codes", { channel, address }),
  login: (address: string, code: string) => call<unknown>("POST", "/api/v1/parent/session", { address, code }),
  proveEmail: (address: string, code: string) =>
    call<void>("POST", "/api/v1/parent/session/email", { address, code }),
  verifyStudent: (school_level: SchoolLevel, id_number: string) =>
    call<StudentVerifyResponse>("POST", "/api/v1/parent/students/verify", { school_level, id_number }),
  profile: (id_number: string) => call<ProfileResponse>("POST", "/api/v1/parent/profile", { id_number }),
  submit: (req: SubmitRequest) => call<ApplicationList>("POST", "/api/v1/parent/applications", req),
  list: () => call<ApplicationList>("GET", "/api/v1/parent/applications"),
  resubmit: (id: string, req: ResubmitRequest) =>
    call<Application>("PUT", `/api/v1/parent/applications/${encodeURIComponent(id)}`, req),
  cancel: (id: string) => call<void>("DELETE", `/api/v1/parent/applications/${encodeURIComponent(id)}`),
  cancelAll: () => call<void>("DELETE", "/api/v1/parent/applications"),
  formPdf: (id: string) => call<Blob>("GET", `/api/v1/parent/applications/${encodeURIComponent(id)}/form.pdf`),
  logout: () => call<void>("DELETE", "/api/v1/session"),
};
