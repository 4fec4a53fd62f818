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
pub mod fonts;
pub mod layout;
mod signature;

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

struct Doc<'r> {
    doc: PdfDocument,
    fonts: &'r FontSet,
    /// Each character's font, glyph and advance, looked up once per document: a cmap
    /// lookup in a CJK font is slow enough to dominate a page otherwise.
    glyphs: HashMap<char, Option<(usize, u16, f32)>>,
    font_ids: Vec<Option<FontId>>,
    images: HashMap<signature::Key, (XObjectId, u32, u32)>,
    /// Signatures prepared ahead, in parallel, by content key.
    prepared: HashMap<signature::Key, Result<signature::Prepared, String>>,
    missing: Vec<MissingGlyph>,
    /// Blocks drawn the same on every page, each drawn once as a form XObject.
    stamps: Vec<Stamp>,
}

/// A block that is the same on every page (the title, the personal-data statement):
/// most of a page's glyphs. It is drawn once per document as a form XObject and placed
/// on each page, so a batch translates, compresses and writes those glyphs once.
struct Stamp {
    name: &'static str,
    id: XObjectId,
    /// Its drawing, with the block's top at y = 0. printpdf serialises it as one more
    /// page at the end, which `assemble::install_stamps` turns into the XObject's content.
    ops: Vec<Op>,
    height: f32,
}

/// One run of text in one font (`None`: a character no font has, written out as its
/// code point in the primary font).
struct Run {
    font: Option<usize>,
    glyphs: Vec<Codepoint>,
    width_em: f32,
}

impl<'r> Doc<'r> {
    fn font_id(&mut self, index: usize) -> Option<FontId> {
        if self.font_ids.len() <= index {
            self.font_ids.resize(index + 1, None);
        }
        if self.font_ids[index].is_none() {
            let f = self.fonts.font(index)?;
            self.font_ids[index] = Some(self.doc.add_font(f));
        }
        self.font_ids[index].clone()
    }

    fn glyph(&mut self, c: char) -> Option<(usize, u16, f32)> {
        let fonts = self.fonts;
        *self.glyphs.entry(c).or_insert_with(|| fonts.resolve(c))
    }

    fn runs(&mut self, s: &str) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for c in s.chars() {
            // The common case, a glyph of the same font as the run before: no allocation
            // beyond the glyph itself.
            if let Some((i, gid, w)) = self.glyph(c)
                && let Some(r) = runs.last_mut()
                && r.font == Some(i)
            {
                r.glyphs.push(codepoint(gid, c.to_string()));
                r.width_em += w;
                continue;
            }
            let (font, glyphs, w) = match self.glyph(c) {
                Some((i, gid, w)) => (Some(i), vec![codepoint(gid, c.to_string())], w),
                None => {
                    let code = format!("〔U+{:04X}〕", u32::from(c));
                    let mut glyphs = Vec::new();
                    let mut w = 0.0;
                    for k in code.chars() {
                        // Only glyphs of the primary font can go into its run.
                        if let Some((0, gid, kw)) = self.glyph(k) {
                            glyphs.push(codepoint(gid, k.to_string()));
                            w += kw;
                        }
                    }
                    (None, glyphs, w)
                }
            };
            match runs.last_mut() {
                Some(r) if r.font == font && font.is_some() => {
                    r.glyphs.extend(glyphs);
                    r.width_em += w;
                }
                _ => runs.push(Run { font, glyphs, width_em: w }),
            }
        }
        runs
    }

    fn width(&mut self, s: &str, size: f32) -> f32 {
        self.runs(s).iter().map(|r| r.width_em).sum::<f32>() * size
    }

    /// Places the block `name` with its top at `y`, drawing it with `draw` (top at 0,
    /// returning its height) the first time in this document. Returns the height.
    fn stamp(
        &mut self,
        ops: &mut Vec<Op>,
        name: &'static str,
        y: f32,
        draw: impl FnOnce(&mut Doc<'r>, &mut Vec<Op>) -> f32,
    ) -> f32 {
        let k = match self.stamps.iter().position(|s| s.name == name) {
            Some(k) => k,
            None => {
                let mut body = Vec::new();
                let height = draw(self, &mut body);
                let id = XObjectId(format!("Stamp{}", self.stamps.len()));
                let mut dict = std::collections::BTreeMap::new();
                dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
                dict.insert("Subtype".to_string(), DictItem::Name(b"Form".to_vec()));
                // Content and resources are filled in after serialisation.
                let placeholder = ExternalXObject {
                    stream: ExternalStream { dict, content: Vec::new(), compress: false },
                    width: None,
                    height: None,
                    dpi: None,
                };
                self.doc.resources.xobjects.map.insert(id.clone(), XObject::External(placeholder));
                self.stamps.push(Stamp { name, id, ops: body, height });
                self.stamps.len() - 1
            }
        };
        ops.push(Op::UseXobject {
            id: self.stamps[k].id.clone(),
            transform: XObjectTransform {
                translate_y: Some(Pt(y)),
                no_auto_scale: true,
                ..Default::default()
            },
        });
        self.stamps[k].height
    }

    /// Draws one line of text at (x, y) (baseline), recording characters no font has.
    // Position, size and colour are the drawing's own coordinates; a struct would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        ops: &mut Vec<Op>,
        app_id: &str,
        field: &str,
        x: f32,
        y: f32,
        size: f32,
        color: (f32, f32, f32),
        s: &str,
    ) {
        if s.is_empty() {
            return;
        }
        for c in s.chars() {
            if self.glyph(c).is_none() {
                self.missing.push(MissingGlyph {
                    application_id: app_id.to_string(),
                    field: field.to_string(),
                    character: c,
                });
            }
        }
        ops.push(Op::SetFillColor { col: rgb(color) });
        ops.push(Op::StartTextSection);
        ops.push(Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } });
        for run in self.runs(s) {
            // A character no font has is written out as its code point in the primary font.
            let Some(id) = self.font_id(run.font.unwrap_or(0)) else { continue };
            ops.push(Op::SetFont { font: PdfFontHandle::External(id), size: Pt(size) });
            ops.push(Op::ShowText { items: vec![TextItem::GlyphIds(run.glyphs)] });
        }
        ops.push(Op::EndTextSection);
    }

    /// Draws a value in a box `width` wide: shrinks it down to 8 pt, then wraps. Returns
    /// the height used.
    #[allow(clippy::too_many_arguments)]
    fn fitted(
        &mut self,
        ops: &mut Vec<Op>,
        app_id: &str,
        field: &str,
        x: f32,
        top: f32,
        width: f32,
        size: f32,
        s: &str,
    ) -> f32 {
        let mut size = size;
        while size > 8.0 && self.width(s, size) > width {
            size -= 0.5;
        }
        let lines = if self.width(s, size) > width {
            // Measure from the glyph cache (filled by the width call above).
            let cache = &self.glyphs;
            let measure = |t: &str| {
                t.chars().map(|c| cache.get(&c).copied().flatten().map_or(0.6 * 9.0, |g| g.2)).sum::<f32>()
                    * size
            };
            layout::wrap(s, width, &measure)
        } else {
            vec![s.to_string()]
        };
        let lh = size * 1.3;
        for (i, line) in lines.iter().enumerate() {
            self.text(ops, app_id, field, x, top - size - lh * i as f32, size, INK, line);
        }
        lh * lines.len() as f32
    }

    /// A signature as an image XObject, stored once per document by content.
    fn signature(
        &mut self,
        app_id: &str,
        key: signature::Key,
        png: &[u8],
    ) -> Result<(XObjectId, u32, u32), FormError> {
        if let Some(found) = self.images.get(&key) {
            return Ok(found.clone());
        }
        let prepared = match self.prepared.remove(&key) {
            Some(p) => p,
            None => signature::prepare_signature(png, &mut signature::Scratch::default(), false),
        };
        let signature::Prepared { width: w, height: h, deflated, up_filtered } =
            prepared.map_err(|reason| FormError::Signature { application_id: app_id.to_string(), reason })?;
        let mut dict = std::collections::BTreeMap::new();
        dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
        dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
        dict.insert("Width".to_string(), DictItem::Int(i64::from(w)));
        dict.insert("Height".to_string(), DictItem::Int(i64::from(h)));
        dict.insert("ColorSpace".to_string(), DictItem::Name(b"DeviceGray".to_vec()));
        dict.insert("BitsPerComponent".to_string(), DictItem::Int(8));
        dict.insert("Filter".to_string(), DictItem::Name(b"FlateDecode".to_vec()));
        if up_filtered {
            let mut parms = std::collections::BTreeMap::new();
            parms.insert("Predictor".to_string(), DictItem::Int(12));
            parms.insert("Colors".to_string(), DictItem::Int(1));
            parms.insert("BitsPerComponent".to_string(), DictItem::Int(8));
            parms.insert("Columns".to_string(), DictItem::Int(i64::from(w)));
            dict.insert("DecodeParms".to_string(), DictItem::Dict { map: parms });
        }
        let xobject = ExternalXObject {
            stream: ExternalStream { dict, content: deflated, compress: false },
            width: Some(Px(w as usize)),
            height: Some(Px(h as usize)),
            dpi: None,
        };
        let id = self.doc.add_xobject(&xobject);
        self.images.insert(key, (id.clone(), w, h));
        Ok((id, w, h))
    }
}

/// A glyph with the text it stands for (kept for the PDF's ToUnicode map, so copying
/// and pdftotext give the characters back).
fn codepoint(gid: u16, text: String) -> Codepoint {
    Codepoint { gid, offset: 0.0, cid: Some(text) }
}

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

fn hline(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, width: f32, color: (f32, f32, f32)) {
    ops.push(Op::SetOutlineColor { col: rgb(color) });
    ops.push(Op::SetOutlineThickness { pt: Pt(width) });
    ops.push(Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint { p: Point { x: Pt(x1), y: Pt(y) }, bezier: false },
                LinePoint { p: Point { x: Pt(x2), y: Pt(y) }, bezier: false },
            ],
            is_closed: false,
        },
    });
}

fn frame(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32) {
    ops.push(Op::SetOutlineColor { col: rgb(GREY) });
    ops.push(Op::SetOutlineThickness { pt: Pt(0.6) });
    ops.push(Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(printpdf::PaintMode::Stroke),
            winding_order: None,
        },
    });
}

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

/// Where a part sits in its batch, and what it may use.
#[derive(Clone, Copy)]
struct Span {
    /// Forms before this part.
    first: usize,
    /// Forms in the batch.
    total: usize,
    /// Threads for preparing this part's signatures.
    threads: usize,
    /// Distinct signatures in the whole batch (it picks their compression).
    distinct: usize,
}

/// One part of a batch, laid out, its streams not compressed yet.
struct Part {
    lo: lopdf::Document,
    missing: Vec<MissingGlyph>,
}

fn page_ops(
    doc: &mut Doc<'_>,
    input: &FormInput<'_>,
    signature_key: Option<signature::Key>,
    opts: &RenderOptions,
    page: usize,
    pages: usize,
) -> Result<Vec<Op>, FormError> {
    let app = input.application;
    let id = app.id.as_str();
    let mut ops = Vec::new();
    let left = MARGIN;
    let right = PAGE_W - MARGIN;
    let width = right - left;
    let mut y = PAGE_H - MARGIN;

    // Title.
    y -= doc.stamp(&mut ops, "title", y, |doc, ops| {
        let title = "臺北市校園單一身分驗證親子帳號申請書";
        let tw = doc.width(title, 19.0);
        doc.text(ops, id, "title", (PAGE_W - tw) / 2.0, -19.0, 19.0, INK, title);
        let sub = "Application for a Taipei Parent–Child Single Sign-On Account";
        let sw = doc.width(sub, 10.0);
        doc.text(ops, id, "title", (PAGE_W - sw) / 2.0, -35.0, 10.0, GREY, sub);
        hline(ops, left, right, -50.0, 1.2, ACCENT);
        50.0
    });
    y -= 16.0;
    let meta = format!("申請編號 No.：{}", app.id);
    doc.fitted(&mut ops, id, "id", left, y + 10.0, width * 0.62, 9.0, &meta);
    let sent = format!("送出日期 Submitted：{}", tw_datetime(app.submitted_at));
    let w = doc.width(&sent, 9.0);
    doc.text(&mut ops, id, "submitted_at", right - w, y, 9.0, GREY, &sent);
    y -= 18.0;

    // A two-column block of label/value pairs.
    let section =
        |doc: &mut Doc<'_>, ops: &mut Vec<Op>, y: &mut f32, heading: &str, rows: &[(&str, String, &str)]| {
            doc.text(ops, id, "heading", left, *y - 12.0, 12.0, ACCENT, heading);
            *y -= 18.0;
            hline(ops, left, right, *y, 0.5, GREY);
            *y -= 4.0;
            let col = width / 2.0;
            for pair in rows.chunks(2) {
                let mut used: f32 = 0.0;
                for (k, (label, value, field)) in pair.iter().enumerate() {
                    let x = left + col * k as f32;
                    doc.text(ops, id, "label", x, *y - 9.0, 8.0, GREY, label);
                    let h = doc.fitted(ops, id, field, x, *y - 11.0, col - 12.0, 12.0, value);
                    used = used.max(h + 13.0);
                }
                *y -= used + 6.0;
            }
        };

    let student = &app.student;
    let school = input.school_name.map(str::to_string).unwrap_or_else(|| student.school_code.clone());
    section(
        doc,
        &mut ops,
        &mut y,
        "學生資料　Student",
        &[
            ("姓名 Name", student.name.clone(), "student.name"),
            ("身分證字號 ID number", shown_id(&student.id_number, opts.reveal), "student.id_number"),
            ("學校 School", school, "school"),
            (
                "學層 Level",
                format!("{}　{}", student.school_level.zh_tw(), student.school_level.en()),
                "student.school_level",
            ),
            ("班級 Class", student.class_name.clone(), "student.class_name"),
        ],
    );
    let parent = &app.parent;
    let rel = format!(
        "{}／{}　{}, {}",
        app.relationship.kind.zh_tw(),
        app.relationship.title.zh_tw(),
        app.relationship.kind.en(),
        app.relationship.title.en()
    );
    section(
        doc,
        &mut ops,
        &mut y,
        "家長資料　Parent or guardian",
        &[
            ("姓名 Name", parent.name.clone(), "parent.name"),
            ("與學生關係 Relationship", rel, "relationship"),
            ("身分證／居留證號碼 ID number", shown_id(&parent.id_number, opts.reveal), "parent.id_number"),
            (
                "行動電話 Phone",
                if opts.reveal { parent.phone.clone() } else { mask_phone(&parent.phone) },
                "parent.phone",
            ),
            ("電子郵件（帳號）E-mail (the login)", parent.email.clone(), "parent.email"),
        ],
    );

    // The statement.
    y -= doc.stamp(&mut ops, "consent", y, |doc, ops| {
        let heading = "個人資料使用聲明　Personal data statement";
        doc.text(ops, id, "heading", left, -12.0, 12.0, ACCENT, heading);
        let mut y = -18.0;
        hline(ops, left, right, y, 0.5, GREY);
        y -= 4.0;
        y -= doc.fitted(ops, id, "consent", left, y, width, 10.0, CONSENT_ZH);
        y -= 4.0;
        y -= doc.fitted(ops, id, "consent", left, y, width, 8.0, CONSENT_EN);
        -y
    });
    y -= 12.0;

    // The signature, on white, with the signer and the date.
    doc.text(&mut ops, id, "heading", left, y - 12.0, 12.0, ACCENT, "家長簽名　Signature");
    y -= 18.0;
    let (box_w, box_h) = (240.0, 80.0);
    frame(&mut ops, left, y - box_h, box_w, box_h);
    match input.signature_png.zip(signature_key) {
        Some((png, key)) => {
            let (img, w, h) = doc.signature(id, key, png)?;
            let scale = ((box_w - 8.0) / w as f32).min((box_h - 8.0) / h as f32);
            let (dw, dh) = (w as f32 * scale, h as f32 * scale);
            ops.push(Op::UseXobject {
                id: img,
                transform: XObjectTransform {
                    translate_x: Some(Pt(left + (box_w - dw) / 2.0)),
                    translate_y: Some(Pt(y - box_h + (box_h - dh) / 2.0)),
                    scale_x: Some(scale),
                    scale_y: Some(scale),
                    dpi: Some(72.0),
                    ..Default::default()
                },
            });
        }
        None => doc.text(
            &mut ops,
            id,
            "signature",
            left + 10.0,
            y - 45.0,
            10.0,
            GREY,
            "（簽名影像未附 Signature image not available）",
        ),
    }
    let sx = left + box_w + 16.0;
    doc.text(&mut ops, id, "label", sx, y - 14.0, 8.0, GREY, "簽署人 Signed by");
    doc.fitted(&mut ops, id, "parent.name", sx, y - 16.0, right - sx, 12.0, &parent.name);
    doc.text(&mut ops, id, "label", sx, y - 46.0, 8.0, GREY, "簽署日期 Date signed");
    doc.text(&mut ops, id, "submitted_at", sx, y - 60.0, 11.0, INK, &tw_datetime(app.submitted_at));
    y -= box_h + 18.0;

    // Status.
    doc.text(&mut ops, id, "heading", left, y - 12.0, 12.0, ACCENT, "審核狀態　Review status");
    y -= 18.0;
    hline(&mut ops, left, right, y, 0.5, GREY);
    y -= 4.0;
    for (i, line) in status_lines(app).iter().enumerate() {
        let size = if i == 0 { 13.0 } else { 10.0 };
        y -= doc.fitted(&mut ops, id, "status", left, y, width, size, line) + 2.0;
    }

    // Footer.
    hline(&mut ops, left, right, MARGIN - 6.0, 0.5, GREY);
    let footer = format!("第 {page} 頁，共 {pages} 頁　Page {page} of {pages}");
    doc.text(&mut ops, id, "footer", left, MARGIN - 20.0, 8.0, GREY, &footer);
    let printed = format!("列印時間 Printed：{}", tw_datetime(opts.printed_at));
    let pw = doc.width(&printed, 8.0);
    doc.text(&mut ops, id, "footer", right - pw, MARGIN - 20.0, 8.0, GREY, &printed);
    Ok(ops)
}

fn shown_id(id: &str, reveal: bool) -> String {
    if reveal { id.to_string() } else { mask_id_str(id) }
}
