// The UI's own strings, in Traditional Chinese (the default) and English.
// Enum labels (statuses, flags, relationships…) are not here: they are generated from
// the Rust domain crate into ../generated/api.ts (LABELS, FLAG_EXPLANATIONS), so they
// exist once.

export type Lang = "zh-TW" | "en";

export const messages = {
  appTitle: { "zh-TW": "綁定審核台", en: "BindDesk" },
  appSubtitle: { "zh-TW": "親子綁定申請審核", en: "Parent–child binding review" },
  notConnected: { "zh-TW": "尚未連線到綁定服務", en: "Not connected to the binding service" },
  language: { "zh-TW": "語言", en: "Language" },
  service: { "zh-TW": "綁定服務", en: "Binding service" },
  // login
  loginTitle: { "zh-TW": "登入", en: "Log in" },
  serviceUrl: { "zh-TW": "服務網址", en: "Service address" },
  username: { "zh-TW": "帳號", en: "Username" },
  password: { "zh-TW": "密碼", en: "Password" },
  logIn: { "zh-TW": "登入", en: "Log in" },
  loggingIn: { "zh-TW": "登入中…", en: "Logging in…" },
  openOffline: { "zh-TW": "離線開啟上次的資料", en: "Open the offline copy" },
  offlineHint: {
    "zh-TW": "無法連線，但這台電腦有此帳號的離線資料：輸入密碼即可開啟並先審核，恢復連線後自動送出。",
    en: "The service cannot be reached, but this computer has an offline copy for this account: enter your password to open it and review now; decisions are sent when the connection returns.",
  },
  logout: { "zh-TW": "登出", en: "Log out" },
  logoutWipe: { "zh-TW": "登出並清除本機資料", en: "Log out and wipe local data" },
  // review screen
  allClasses: { "zh-TW": "全部班級", en: "All classes" },
  allStatuses: { "zh-TW": "全部狀態", en: "All statuses" },
  search: { "zh-TW": "搜尋姓名或遮罩身分證號（/）", en: "Search name or masked ID (/)" },
  anyFlag: { "zh-TW": "全部提醒", en: "Any flag" },
  flagFilter: { "zh-TW": "依提醒篩選", en: "Filter by flag" },
  onlyQueued: { "zh-TW": "只看待送出", en: "Waiting to send only" },
  noResults: { "zh-TW": "沒有符合條件的申請", en: "No applications match" },
  results: { "zh-TW": "筆", en: "applications" },
  selectHint: { "zh-TW": "選取一筆申請以檢視", en: "Select an application to review" },
  waitingToSend: { "zh-TW": "待送出", en: "Waiting to send" },
  conflict: { "zh-TW": "衝突", en: "Conflict" },
  online: { "zh-TW": "連線中", en: "Online" },
  offline: { "zh-TW": "離線", en: "Offline" },
  lastSync: { "zh-TW": "上次同步", en: "Last sync" },
  never: { "zh-TW": "尚未同步", en: "never" },
  queued: { "zh-TW": "待送出決定", en: "Decisions waiting" },
  conflicts: { "zh-TW": "衝突", en: "Conflicts" },
  syncNow: { "zh-TW": "立即同步", en: "Sync now" },
  syncing: { "zh-TW": "同步中…", en: "Syncing…" },
  syncFailed: { "zh-TW": "同步失敗", en: "Sync failed" },
  cancel: { "zh-TW": "取消", en: "Cancel" },
  close: { "zh-TW": "關閉", en: "Close" },
  // detail
  student: { "zh-TW": "學生", en: "Student" },
  parent: { "zh-TW": "家長", en: "Parent" },
  name: { "zh-TW": "姓名", en: "Name" },
  idNumber: { "zh-TW": "身分證號／居留證號", en: "ID number" },
  phone: { "zh-TW": "手機", en: "Phone" },
  email: { "zh-TW": "電子郵件", en: "E-mail" },
  school: { "zh-TW": "學校", en: "School" },
  level: { "zh-TW": "學層", en: "Level" },
  class: { "zh-TW": "班級", en: "Class" },
  relationship: { "zh-TW": "關係", en: "Relationship" },
  submittedAt: { "zh-TW": "申請時間", en: "Submitted" },
  applicationNo: { "zh-TW": "申請編號", en: "Application no." },
  reveal: { "zh-TW": "顯示完整號碼", en: "Show full numbers" },
  revealed: { "zh-TW": "已顯示完整號碼（已記錄）", en: "Full numbers shown (recorded)" },
  hide: { "zh-TW": "隱藏", en: "Hide" },
  registry: { "zh-TW": "戶政查驗", en: "Civil-registry check" },
  registryPassed: {
    "zh-TW": "戶政資料比對相符：家長與學生皆設籍臺北市且親屬關係相符，已自動審核通過，無須人工審核。",
    en: "The civil registry confirms it: parent and student are registered in Taipei and related as stated, so it was approved automatically; no review needed.",
  },
  registryFailed: { "zh-TW": "戶政比對未通過，需人工審核", en: "The civil-registry check did not pass: needs a reviewer" },
  registryUnavailable: {
    "zh-TW": "戶政系統暫時無法查驗，服務會自動重試",
    en: "The civil registry could not be reached; the service retries",
  },
  registryNotChecked: { "zh-TW": "尚未查驗", en: "Not checked yet" },
  flags: { "zh-TW": "提醒", en: "Flags" },
  history: { "zh-TW": "歷程", en: "History" },
  changedSince: { "zh-TW": "退回後修改的欄位", en: "Changed since it was returned" },
  before: { "zh-TW": "修改前", en: "Before" },
  after: { "zh-TW": "修改後", en: "After" },
  signature: { "zh-TW": "家長簽名", en: "Parent's signature" },
  signer: { "zh-TW": "簽名人", en: "Signed by" },
  zoom: { "zh-TW": "縮放", en: "Zoom" },
  signatureBlank: {
    "zh-TW": "簽名幾乎空白或筆跡過淡，請確認是否需要退回重簽。",
    en: "The signature is blank or very faint: consider returning it for a new one.",
  },
  signatureMissing: { "zh-TW": "簽名尚未下載，請同步", en: "Signature not downloaded yet: sync" },
  approve: { "zh-TW": "審核通過 (A)", en: "Approve (A)" },
  return: { "zh-TW": "退回 (R)", en: "Return (R)" },
  returnReason: { "zh-TW": "退回原因", en: "Reason for returning" },
  pickReason: { "zh-TW": "選擇常用原因…", en: "Pick a common reason…" },
  confirmReturn: { "zh-TW": "確認退回", en: "Return it" },
  undo: { "zh-TW": "復原", en: "Undo" },
  decidedWaiting: { "zh-TW": "已決定，等待送出", en: "Decided, waiting to send" },
  cannotDecide: { "zh-TW": "無法審核", en: "Cannot be decided" },
  accountLimitReached: {
    "zh-TW": "此學生已綁定兩個家長帳號，不能再核准。",
    en: "This student already has two bound parent accounts; no more can be approved.",
  },
  onlyPending: { "zh-TW": "只有「申請中」的申請可以審核。", en: "Only pending applications can be decided." },
  // bulk
  selected: { "zh-TW": "已選取", en: "Selected" },
  selectAllMatching: { "zh-TW": "選取全部符合條件", en: "Select all that match" },
  clearSelection: { "zh-TW": "清除選取", en: "Clear selection" },
  bulkApprove: { "zh-TW": "批次審核通過", en: "Approve selected" },
  bulkConfirm: { "zh-TW": "確認批次審核通過", en: "Confirm bulk approval" },
  willApprove: { "zh-TW": "將審核通過", en: "Will approve" },
  willSkip: { "zh-TW": "將略過", en: "Will skip" },
  sending: { "zh-TW": "送出中…", en: "Sending…" },
  bulkDone: { "zh-TW": "批次審核結果", en: "Bulk approval result" },
  applied: { "zh-TW": "已完成", en: "Applied" },
  stillWaiting: { "zh-TW": "仍待送出（離線）", en: "Still waiting (offline)" },
  // conflicts
  conflictsTitle: { "zh-TW": "衝突：服務端已有變動", en: "Conflicts: the service moved on" },
  yourDecision: { "zh-TW": "您的決定", en: "Your decision" },
  serviceNow: { "zh-TW": "服務端目前", en: "The service now" },
  dropMine: { "zh-TW": "放棄我的決定", en: "Drop mine" },
  decideAgain: { "zh-TW": "重新決定", en: "Decide again" },
  noConflicts: { "zh-TW": "沒有衝突", en: "No conflicts" },
  // print
  print: { "zh-TW": "列印 (P)", en: "Print (P)" },
  printTitle: { "zh-TW": "列印申請書", en: "Print application forms" },
  printThis: { "zh-TW": "這一份", en: "This one" },
  printSelected: { "zh-TW": "選取的申請", en: "The selected ones" },
  printMatching: { "zh-TW": "符合目前篩選的全部（含已封存）", en: "Everything matching the filter (archived included)" },
  choosePath: { "zh-TW": "選擇儲存位置…", en: "Choose where…" },
  saveAs: { "zh-TW": "儲存為", en: "Save as" },
  printFull: { "zh-TW": "印出完整身分證號與手機（會記錄）", en: "Print full ID numbers and phones (recorded)" },
  makePdf: { "zh-TW": "產生 PDF", en: "Make the PDF" },
  printing: { "zh-TW": "產生中…", en: "Rendering…" },
  saved: { "zh-TW": "已儲存", en: "Saved" },
  pages: { "zh-TW": "頁", en: "pages" },
  openPdf: { "zh-TW": "開啟", en: "Open" },
  sendToPrinter: { "zh-TW": "送至印表機", en: "Send to the printer" },
  sentToPrinter: { "zh-TW": "已送至印表機", en: "Sent to the printer" },
  printFromViewer: {
    "zh-TW": "這台電腦無法直接送印：請按「開啟」，在 PDF 檢視器中按「列印」選擇學校的印表機。",
    en: "This computer cannot send to a printer directly: press “Open” and print from the PDF viewer, choosing the school's printer.",
  },
  missingGlyphs: { "zh-TW": "下列字元在這台電腦的字型中找不到，以代碼印出：", en: "These characters are in no font on this computer and print as codes:" },
  // keyboard
  shortcuts: { "zh-TW": "快速鍵", en: "Keyboard shortcuts" },
  keyNext: { "zh-TW": "下一筆", en: "Next" },
  keyPrev: { "zh-TW": "上一筆", en: "Previous" },
  keyApprove: { "zh-TW": "審核通過", en: "Approve" },
  keyReturn: { "zh-TW": "退回", en: "Return" },
  keyPrint: { "zh-TW": "列印", en: "Print" },
  keySearch: { "zh-TW": "搜尋", en: "Search" },
  keySelect: { "zh-TW": "選取／取消選取", en: "Select / unselect" },
  keySync: { "zh-TW": "同步", en: "Sync" },
  keyHelp: { "zh-TW": "顯示快速鍵", en: "Show shortcuts" },
  keyUndo: { "zh-TW": "復原未送出的決定", en: "Undo an unsent decision" },
  // settings and accessibility
  settings: { "zh-TW": "設定", en: "Settings" },
  shortcutsOn: { "zh-TW": "啟用單鍵快速鍵（a、r、x、j、k…）", en: "Single-key shortcuts (a, r, x, j, k…)" },
  shortcutsHint: {
    "zh-TW": "快速鍵只在焦點位於列表或詳細資料時作用，輸入文字時不會觸發。使用語音輸入或螢幕報讀軟體時可關閉。",
    en: "Shortcuts act only with the focus on the list or the details, never while typing. Turn them off if you use speech input or a screen reader.",
  },
  shortcutsAreOff: { "zh-TW": "單鍵快速鍵已關閉，可在「設定」開啟。", en: "Single-key shortcuts are off; turn them on in Settings." },
  textSize: { "zh-TW": "文字大小", en: "Text size" },
  smaller: { "zh-TW": "縮小文字", en: "Smaller text" },
  larger: { "zh-TW": "放大文字", en: "Larger text" },
  zoomReset: { "zh-TW": "恢復 100%", en: "Back to 100%" },
  zoomHint: { "zh-TW": "也可按 Ctrl + 加號／減號／0，下次開啟時會記住。", en: "Ctrl + plus / minus / 0 work too; the size is kept for next time." },
  applications: { "zh-TW": "申請列表", en: "Applications" },
  selectRow: { "zh-TW": "選取", en: "Select" },
  classesNav: { "zh-TW": "班級", en: "Classes" },
  statusTabs: { "zh-TW": "申請狀態", en: "Statuses" },
  // errors: the words of each code are generated from Rust (ERROR_MESSAGES)
  errGeneric: { "zh-TW": "發生錯誤", en: "Something went wrong" },
} as const satisfies Record<string, Record<Lang, string>>;

export type MessageKey = keyof typeof messages;

export function t(lang: Lang, key: MessageKey): string {
  return messages[key][lang];
}

/** The colon between a label and its value: full-width in Chinese, ": " in English. */
export function sep(lang: Lang): string {
  return lang === "en" ? ": " : "：";
}

/** "12 筆" / "12 applications" / "1 application". */
export function resultCount(lang: Lang, n: number): string {
  if (lang === "en") return `${n} ${n === 1 ? "application" : "applications"}`;
  return `${n} ${messages.results[lang]}`;
}

/** Both names, the way the window title and headings show them: "綁定審核台 BindDesk". */
export function bilingual(key: MessageKey): string {
  return `${messages[key]["zh-TW"]} ${messages[key].en}`;
}

/** Common reasons for returning an application, in the words schools use. */
export const RETURN_REASONS: Record<Lang, string>[] = [
  { "zh-TW": "簽名不清楚或空白，請重新簽名", en: "The signature is unclear or blank; please sign again" },
  { "zh-TW": "家長姓名與戶籍資料不符，請確認後重新送出", en: "The parent's name does not match the household register" },
  { "zh-TW": "與學生關係選擇錯誤（法定代理人／監護人），請更正", en: "Wrong relationship (legal representative / guardian)" },
  { "zh-TW": "學生資料與校務系統不符，請確認後重新送出", en: "The student's data does not match the school's records" },
  { "zh-TW": "請檢附監護權證明文件後重新申請", en: "Please attach proof of guardianship and apply again" },
];
