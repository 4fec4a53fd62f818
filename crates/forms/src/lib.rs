//! # binddesk-forms
//!
//! The application form (申請書) of a parent–child binding, as an A4 PDF: one form, or
//! a batch of many in one file. Parents download it from the service ("下載留存");
//! staff print it from the desktop app. Same input, same document.
//!
//! - [`fonts`]: finds a kai-style CJK TrueType font on the machine (標楷體, TW-Kai, AR PL
//!   UKai; a configured file first) and falls back glyph by glyph to further fonts, so rare
//!   name characters (CJK Extension B) still print. A character no font has is drawn as
//!   its code point (〔U+XXXXX〕) and reported in [`Rendered::missing`], never dropped.
//! - [`layout`]: Chinese line breaking with the punctuation rules.
//! - [`Renderer`]: parses the fonts once; [`Renderer::render`] draws forms with
//!   printpdf, embeds subset fonts, stores an identical signature once per file, reports
//!   progress and stops when the caller says so.
//! - `signature`: signature PNGs are untrusted bytes, size-checked and decoded by the
//!   `image` crate under limits, then turned into grey images ready to embed.
//! - `assemble`: compresses the streams and writes the file. A large batch is laid out
//!   in parts, one per core (printpdf's serialisation is single-threaded and was half
//!   of a batch's time), and the parts are merged into one document here.
//! - Blocks that are the same on every page (the title, the personal-data statement:
//!   most of a page's glyphs) are drawn once per document as form XObjects ("stamps")
//!   and placed on each page, so a batch serialises and compresses them once.

mod assemble;
mod doc;
pub mod fonts;
pub mod layout;
mod page;
mod signature;

use doc::*;
use page::*;

use binddesk_domain::api::Application;
use binddesk_domain::{HistoryAction, Labelled, Status, mask_id_str, mask_phone};
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use fonts::FontSet;
use printpdf::{
    Codepoint, Color, DictItem, ExternalStream, ExternalXObject, FontId, Line, LinePoint, Mm, Op,
    PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Px, Rect, Rgb, TextItem, XObject,
    XObjectId, XObjectTransform,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Why a form could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// No CJK font was found on the machine.
    #[error(
        "no CJK font found: install fonts-cns11643-kai (Debian/Ubuntu) or set {} to a TrueType font",
        fonts::FONT_ENV
    )]
    NoFont,
    /// The first font found does not parse.
    #[error("the font {0} could not be read")]
    FontUnreadable(String),
    /// The signature is not a usable PNG.
    #[error("the signature of application {application_id} is not usable: {reason}")]
    Signature {
        /// Which application.
        application_id: String,
        /// What is wrong.
        reason: String,
    },
    /// The caller asked to stop.
    #[error("printing was cancelled")]
    Cancelled,
    /// The parts of a large batch could not be put together (a bug, not bad input).
    #[error("the PDF could not be assembled: {0}")]
    Assembly(String),
}

/// The largest signature PNG accepted.
pub const MAX_SIGNATURE_BYTES: usize = 1024 * 1024;
/// The largest signature side accepted, in pixels.
pub const MAX_SIGNATURE_SIDE: u32 = 4000;

/// One form's input.
#[derive(Debug, Clone, Copy)]
pub struct FormInput<'a> {
    /// The application.
    pub application: &'a Application,
    /// The signature PNG, if it is at hand.
    pub signature_png: Option<&'a [u8]>,
    /// The school's name (the application carries only its code).
    pub school_name: Option<&'a str>,
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Show full ID numbers and phone numbers instead of the masked forms.
    pub reveal: bool,
    /// The time printed in the footer.
    pub printed_at: DateTime<Utc>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { reveal: false, printed_at: Utc::now() }
    }
}

/// A character that no font could draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// The application.
    pub application_id: String,
    /// The field, e.g. `student.name`.
    pub field: String,
    /// The character.
    pub character: char,
}

/// A finished PDF.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// Pages (one per form).
    pub pages: usize,
    /// Characters no font had, drawn as their code points.
    pub missing: Vec<MissingGlyph>,
}

/// Progress of a batch, reported after each form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Forms laid out so far.
    pub done: usize,
    /// Forms in the batch.
    pub total: usize,
}

/// Draws forms; holds the parsed fonts, so make one and keep it.
pub struct Renderer {
    fonts: FontSet,
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 48.0;
const INK: (f32, f32, f32) = (0.08, 0.08, 0.1);
const GREY: (f32, f32, f32) = (0.4, 0.42, 0.46);
const ACCENT: (f32, f32, f32) = (0.12, 0.31, 0.47);

/// Taipei time, the time on every form.
fn taipei(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    // UTC+8 is a valid fixed offset; the fallback is never taken.
    t.with_timezone(
        &FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset")),
    )
}

/// `民國115年9月1日 16:00`, as Taiwanese forms write dates.
pub fn tw_datetime(t: DateTime<Utc>) -> String {
    let l = taipei(t);
    format!("民國{}年{}月{}日 {}", l.year() - 1911, l.month(), l.day(), l.format("%H:%M"))
}

/// The personal-data statement, in the project's own words.
pub const CONSENT_ZH: &str = "本人為學生之法定代理人或監護人，申請臺北市校園單一身分驗證親子帳號，以使用教育局之親師生E化服務（如繳費、到離校通知及請假）。本人同意學校與教育局為審核申請、建立帳號及通知結果，蒐集、處理及利用本申請書所載之學生與家長個人資料（姓名、稱謂、身分證或居留證號碼、電子郵件及電話）。學校將核對校務系統資料，以電子郵件通知結果；通過後，所填電子郵件即為帳號。本人以電子簽名確認資料正確，並同意上述條款。";
/// Its English summary.
pub const CONSENT_EN: &str = "I am the student's legal representative or guardian and apply for a Taipei single sign-on parent account for the education e-services. I agree that the school and the Department of Education collect, process and use the personal data in this form to review the application, create and manage the account, and notify me of the result by e-mail; the e-mail given becomes the login. My electronic signature below confirms that the data are correct.";

/// What the status block says, from the application's state and history.
pub fn status_lines(app: &Application) -> Vec<String> {
    let last = |a: HistoryAction| app.history.iter().rev().find(|h| h.action == a);
    let mut out = vec![format!("{}　{}", app.status.zh_tw(), app.status.en())];
    match app.status {
        Status::Pending => out.push("等待學校審核 Waiting for the school's review".into()),
        Status::AutoApproved => {
            let at = last(HistoryAction::AutoApproved).map(|h| tw_datetime(h.at)).unwrap_or_default();
            out.push(format!(
                "民政資料自動查驗通過，無需學校審核 Approved by the civil-registry check　{at}"
            ));
        }
        Status::Approved => {
            if let Some(h) = last(HistoryAction::Approved) {
                out.push(format!("審核人 Approved by：{}　{}", h.actor, tw_datetime(h.at)));
            }
        }
        Status::Returned => {
            if let Some(h) = last(HistoryAction::Returned) {
                out.push(format!("退回人 Returned by：{}　{}", h.actor, tw_datetime(h.at)));
            }
            out.push(format!("退回原因 Reason：{}", app.return_reason.clone().unwrap_or_default()));
        }
        Status::Cancelled => {
            if let Some(h) = last(HistoryAction::Cancelled) {
                out.push(format!("家長已註銷 Cancelled by the parent　{}", tw_datetime(h.at)));
            }
        }
    }
    out
}

impl Renderer {
    /// A renderer with the fonts found on this machine.
    pub fn discover() -> Result<Renderer, FormError> {
        Ok(Renderer { fonts: FontSet::discover()? })
    }

    /// A renderer with these fonts.
    pub fn with_fonts(fonts: FontSet) -> Renderer {
        Renderer { fonts }
    }

    /// The fonts in use.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// One form.
    pub fn render_one(&self, input: FormInput<'_>, opts: &RenderOptions) -> Result<Rendered, FormError> {
        self.render(&[input], opts, &mut |_| true)
    }

    /// Many forms in one PDF, each on its own page. `progress` is called as forms are
    /// laid out (after each one in a small batch; a large batch, laid out in parts on
    /// all cores, reports every few milliseconds), and last with `done == total`;
    /// returning `false` stops with [`FormError::Cancelled`].
    pub fn render(
        &self,
        inputs: &[FormInput<'_>],
        opts: &RenderOptions,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<Rendered, FormError> {
        let total = inputs.len();
        // Each signature is hashed once: the key finds it in every later step.
        let keys: Vec<Option<signature::Key>> =
            inputs.iter().map(|i| i.signature_png.map(signature::key)).collect();
        let distinct = keys.iter().flatten().collect::<std::collections::HashSet<_>>().len();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let parts = if total >= SPLIT_MIN { cores.max(2).min(total / (SPLIT_MIN / 2)) } else { 1 };
        if parts <= 1 {
            let mut part = self.render_part(
                inputs,
                &keys,
                Span { first: 0, total, threads: cores, distinct },
                opts,
                &mut |done| progress(Progress { done, total }),
            )?;
            assemble::compress_streams(&mut part.lo, cores);
            return Ok(Rendered { pdf: assemble::save(&mut part.lo), pages: total, missing: part.missing });
        }
        let per = total.div_ceil(parts);
        let done = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let results: Vec<Result<Part, FormError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(per)
                .zip(keys.chunks(per))
                .enumerate()
                .map(|(k, (chunk, keys))| {
                    let (done, stop) = (&done, &stop);
                    scope.spawn(move || {
                        let mut part = self.render_part(
                            chunk,
                            keys,
                            Span { first: k * per, total, threads: 1, distinct },
                            opts,
                            &mut |_| {
                                done.fetch_add(1, Ordering::Relaxed);
                                !stop.load(Ordering::Relaxed)
                            },
                        )?;
                        assemble::compress_streams(&mut part.lo, 1);
                        Ok(part)
                    })
                })
                .collect();
            // Progress is reported from this thread: the caller's callback need not be Send.
            let mut reported = 0;
            loop {
                let finished = handles.iter().all(|h| h.is_finished());
                let now = done.load(Ordering::Relaxed);
                if now > reported && !stop.load(Ordering::Relaxed) {
                    reported = now;
                    if !progress(Progress { done: now, total }) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                if finished {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        if stop.load(Ordering::Relaxed) {
            return Err(FormError::Cancelled);
        }
        let mut documents = Vec::with_capacity(parts);
        let mut missing = Vec::new();
        for part in results {
            let part = part?;
            documents.push(part.lo);
            missing.extend(part.missing);
        }
        let mut lo = assemble::merge(documents).map_err(|e| FormError::Assembly(e.to_string()))?;
        Ok(Rendered { pdf: assemble::save(&mut lo), pages: total, missing })
    }

    /// Lays out `inputs` (with their signatures' `keys`) as one document, at the place
    /// in the batch `at` says. `on_page` is told each page number done.
    fn render_part(
        &self,
        inputs: &[FormInput<'_>],
        keys: &[Option<signature::Key>],
        at: Span,
        opts: &RenderOptions,
        on_page: &mut dyn FnMut(usize) -> bool,
    ) -> Result<Part, FormError> {
        let mut doc = Doc {
            doc: PdfDocument::new("臺北市校園單一身分驗證親子帳號申請書"),
            fonts: &self.fonts,
            glyphs: HashMap::new(),
            font_ids: Vec::new(),
            images: HashMap::new(),
            prepared: signature::prepare_all(inputs, keys, at.threads, at.distinct),
            missing: Vec::new(),
            stamps: Vec::new(),
        };
        let mut pages = Vec::with_capacity(inputs.len());
        for (i, (input, key)) in inputs.iter().zip(keys).enumerate() {
            let page = at.first + i + 1;
            let ops = page_ops(&mut doc, input, *key, opts, page, at.total)?;
            pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
            if !on_page(page) {
                return Err(FormError::Cancelled);
            }
        }
        let stamps: Vec<XObjectId> = doc.stamps.iter().map(|s| s.id.clone()).collect();
        for stamp in std::mem::take(&mut doc.stamps) {
            pages.push(PdfPage::new(Mm(210.0), Mm(297.0), stamp.ops));
        }
        let save = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
        let mut lo = printpdf::to_lopdf_doc(doc.doc.with_pages(pages), &save, &mut Vec::new());
        assemble::install_stamps(&mut lo, &stamps, [PAGE_W, PAGE_H])
            .map_err(|e| FormError::Assembly(e.to_string()))?;
        Ok(Part { lo, missing: doc.missing })
    }
}

/// Batches at least this large are laid out in parts on separate cores, then merged.
/// Each part embeds its own font subsets (tens of KB), so smaller batches stay whole.
const SPLIT_MIN: usize = 64;
