// Every word of the parents' pages, in Traditional Chinese and English. Enum labels and
// error sentences come from the domain crate (../generated/api.ts), not from here.
import { LABELS } from "../generated/api";

export type Lang = "zh-TW" | "en";

const W = {
  title: ["親子綁定", "Parent–child binding"],
  switchLang: ["English", "中文"],
  switchLangLabel: ["Switch to English", "切換為中文"],
  logout: ["登出", "Log out"],
  stepsLabel: ["申請步驟", "Application steps"],
  step1: ["取得驗證碼", "Get a code"],
  step2: ["學生資訊", "Students"],
  step3: ["個資聲明", "Personal data"],
  step4: ["家長資料與簽名", "Your data and signature"],
  stepOf: ["第 {i} 步，共 4 步", "Step {i} of 4"],
  // step 1
  contactHeading: ["請輸入您個人的聯繫資訊以取得驗證碼", "Enter your own contact details to get a code"],
  contactChannel: ["取得驗證碼的方式", "Where to send the code"],
  email: ["電子郵件信箱", "E-mail address"],
  phone: ["行動電話", "Mobile phone"],
  emailHint: ["信箱取得驗證碼沒有次數限制，建議使用。", "E-mail codes have no hourly limit: e-mail is recommended."],
  phoneHint: ["同一支手機 1 小時內只能取得驗證碼 2 次。", "A phone gets at most two codes an hour."],
  getCode: ["取得驗證碼", "Get a code"],
  resendIn: ["{s} 秒後可重新取得", "New code in {s} s"],
  resend: ["重新取得驗證碼", "Get a new code"],
  codeHeading: ["請輸入驗證碼", "Enter the code"],
  codeSentTo: ["驗證碼已寄至 {a}。寄送可能需要幾分鐘。", "The code was sent to {a}. It can take a few minutes to arrive."],
  codeRules: ["驗證碼時效為 1 小時，使用進入後，此驗證碼失效。", "A code lasts one hour and works once."],
  codeDigit: ["驗證碼第 {i} 碼", "Code digit {i}"],
  codeIncomplete: ["請輸入 6 位數字的驗證碼。", "Enter all six digits of the code."],
  confirm: ["確認", "Confirm"],
  changeAddress: ["更改信箱或電話", "Use another address"],
  // step 2
  studentsHeading: ["確認學生資訊", "The students"],
  studentsIntro: ["綁定多位學生，請先擇一位填寫。", "Binding several students? Fill in one at a time."],
  relationship: ["選擇與綁定學生的關係", "Your relationship to the student"],
  titleFor: ["稱謂", "Title"],
  level: ["請選擇綁定學生之學層", "The student's school level"],
  studentId: ["請輸入綁定學生身分證字號", "The student's ID number"],
  idHint: ["例：A123456789（英文字母與 9 位數字）", "e.g. A123456789 (a letter and nine digits)"],
  verify: ["驗證", "Check"],
  chooseSchool: ["請選擇綁定學生所在學校", "Choose the student's school"],
  confirmStudent: ["請確認綁定學生資訊", "Check that this is your child"],
  name: ["姓名", "Name"],
  className: ["班級", "Class"],
  addThisStudent: ["加入此學生", "Add this student"],
  addStudent: ["新增綁定學生", "Add another student"],
  removeStudent: ["移除 {n}", "Remove {n}"],
  studentsChosen: ["已加入的學生", "Students added"],
  noStudentYet: ["請至少加入一位學生。", "Add at least one student."],
  pickTitle: ["請選擇稱謂。", "Choose a title."],
  pickSchool: ["請選擇學校。", "Choose the school."],
  noSchool: ["查無此學層的學生，請確認學層與身分證字號；若無誤請洽學校確認學籍資料。", "No student with that number at that level: check both, and if they are right ask the school to check its records."],
  sameStudent: ["這位學生已加入。", "This student is already added."],
  next: ["下一步", "Next"],
  back: ["上一步", "Back"],
  // step 3
  consentHeading: ["請詳閱以下個資使用聲明", "Please read the personal-data statement"],
  consentText: [
    "臺北市政府教育局為辦理親子帳號綁定及審核，蒐集您與學生的姓名、身分證或居留證號碼、稱謂、電子郵件信箱、電話號碼及電子簽名，僅用於確認親子關係、建立家長帳號及通知審核結果，並提供學校審核人員查看；資料依相關法令保存，不作其他用途。您可依個人資料保護法向本局查詢、閱覽或請求更正您的資料。",
    "To bind a parent account to a child and review the application, Taipei's Department of Education collects your and the student's names, ID or residence-permit numbers, relationship, e-mail address, telephone number and signature. They are used only to confirm the relationship, create your parent account and tell you the result, and are shown to the school's reviewers; they are kept as the law requires and used for nothing else. Under the Personal Data Protection Act you may ask to see or correct them.",
  ],
  consentBox: ["本人已詳閱並同意以上條款聲明", "I have read and agree to the statement above"],
  consentNeeded: ["請勾選同意後再按下一步，或按「不同意並退出」。", "Tick the box to go on, or press “Disagree and leave”."],
  disagree: ["不同意並退出", "Disagree and leave"],
  // step 4
  parentHeading: ["請填寫家長資料", "Your details"],
  parentId: ["家長身分證字號", "Your ID number"],
  parentIdHint: ["身分證或居留證號碼", "National ID or residence-permit number"],
  existing: ["您已有申請資料，已帶出上次填寫的資料，可以修改。", "We found your earlier application and filled in its details; you may change them."],
  parentName: ["家長姓名", "Your name"],
  parentEmail: ["電子郵件信箱", "E-mail address"],
  emailIsLogin: ["此信箱將作為登入帳號及審核通知位址，請務必填寫正確。", "This e-mail becomes your login and receives the result: make sure it is right."],
  emailProved: ["已驗證", "Verified"],
  proveEmail: ["寄驗證碼到此信箱", "Send a code to this e-mail"],
  proveEmailHint: ["您以手機登入，請先驗證此信箱。", "You logged in by phone: verify this e-mail first."],
  emailCode: ["信箱驗證碼", "Code sent to the e-mail"],
  parentPhone: ["行動電話/市話號碼", "Mobile or landline number"],
  phoneFormHint: ["手機 09 開頭 10 碼，市話請加區碼，例 0227208889", "Mobile: 10 digits starting 09; landline with its area code, e.g. 0227208889"],
  fillAll: ["請填完所有欄位並驗證電子郵件信箱。", "Fill in every field and verify the e-mail address."],
  notDone: ["提醒您，送出資料不等於完成綁定流程，請於下頁查看目前申請進度。", "Sending is not the end: the next page shows how your application is going."],
  checkHeading: ["請再次確認填寫資料是否正確", "Check your application"],
  studentInfo: ["學生資訊", "Students"],
  personalInfo: ["個人資訊", "You"],
  idNumber: ["身分證字號", "ID number"],
  phoneShort: ["電話", "Phone"],
  emailShort: ["電子信箱", "E-mail"],
  signature: ["電子簽名", "Signature"],
  signHint: ["請務必簽署全名（手指、觸控筆或滑鼠皆可）。", "Sign your full name (finger, pen or mouse)."],
  signatureBox: ["簽名框：請在此簽名", "Signature box: sign here"],
  clear: ["清除", "Clear"],
  edit: ["返回修改", "Go back and change"],
  send: ["送出資料", "Send"],
  sending: ["送出中…", "Sending…"],
  // status
  statusHeading: ["目前申請進度", "Your applications"],
  thanks: ["感謝您申請臺北市單一身分驗證親子帳號", "Thank you for applying for a Taipei parent account"],
  reload: ["重新載入", "Reload"],
  student: ["學生", "Student"],
  status: ["狀態", "Status"],
  actions: ["操作", "Actions"],
  returnReason: ["退回原因：{r}", "Why it was returned: {r}"],
  resubmit: ["修正後重新送出", "Correct and send again"],
  cancelOne: ["取消 {n} 的申請", "Cancel the application for {n}"],
  cancelConfirm: ["確定要取消 {n} 的綁定申請嗎？", "Cancel the application for {n}?"],
  cancelAll: ["註銷全部紀錄", "Cancel all"],
  cancelAllHint: ["移除所有申請中以及退回的紀錄", "Removes every pending and returned application"],
  cancelAllConfirm: ["確定要註銷所有申請中及退回的紀錄嗎？", "Cancel every pending and returned application?"],
  download: ["下載留存", "Download"],
  downloadLabel: ["下載留存：{n} 的申請書 (PDF)", "Download the form for {n} (PDF)"],
  noApplications: ["目前沒有申請。", "No applications yet."],
  yes: ["確定", "Yes"],
  no: ["取消", "No"],
  done: ["已更新。", "Updated."],
  cancelled: ["已取消。", "Cancelled."],
  sent: ["已送出，請等候學校審核。", "Sent: the school will review it."],
  aboutHeading: ["申請流程說明", "What happens next"],
  about1: ["送出線上申請資料後，可下載申請書留存。", "After sending, you can download the application form to keep."],
  about2: ["導師審核確認後綁定成功，帳號建立將以電子郵件通知；收到請立即登入系統，查看親子綁定狀態或新增綁定。", "Once the homeroom teacher approves, the binding is made and an e-mail tells you the account exists; then log in to see your children or add one."],
  about3: ["登入系統：帳號為申請時的電子郵件信箱，密碼預設為身分證字號後六碼，第一次登入時系統會要求您更改密碼。", "Logging in: your login is the e-mail address you applied with, and the first password is the last six characters of your ID number; you must change it the first time you log in."],
  about4: ["之後可使用填寫的手機或信箱再次取得驗證碼，進入本服務查詢進度。", "To check progress later, get a new code with the same phone or e-mail."],
  help: ["客服專線：(02)8798-6336", "Help desk: (02) 8798-6336"],
  resubmitHeading: ["修正退回的申請", "Correct a returned application"],
  leftHeading: ["您已退出申請", "You have left the application"],
  leftText: ["沒有任何資料被送出。如要申請，請重新開始。", "Nothing was sent. To apply, start again."],
  startAgain: ["重新開始", "Start again"],
  loggedOut: ["您已登出。", "You have logged out."],
} as const satisfies Record<string, readonly [string, string]>;

export type Word = keyof typeof W;

/** The word in the language, with `{x}` replaced. */
export function tr(lang: Lang, key: Word, vars: Record<string, string | number> = {}): string {
  let s: string = W[key][lang === "zh-TW" ? 0 : 1];
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** An enum's label from the domain crate. */
export function label<K extends keyof typeof LABELS>(lang: Lang, kind: K, value: keyof (typeof LABELS)[K]): string {
  const entry = LABELS[kind][value] as { "zh-TW": string; en: string };
  return entry[lang];
}
