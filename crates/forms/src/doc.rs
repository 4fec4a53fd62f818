//! One PDF document being laid out: fonts and glyphs, text runs, stamps drawn once per
//! file, fitted text, the signature, and the drawing helpers.

use super::*;

pub(crate) struct Doc<'r> {
    pub(crate) doc: PdfDocument,
    pub(crate) fonts: &'r FontSet,
    /// Each character's font, glyph and advance, looked up once per document: a cmap
    /// lookup in a CJK font is slow enough to dominate a page otherwise.
    pub(crate) glyphs: HashMap<char, Option<(usize, u16, f32)>>,
    pub(crate) font_ids: Vec<Option<FontId>>,
    pub(crate) images: HashMap<signature::Key, (XObjectId, u32, u32)>,
    /// Signatures prepared ahead, in parallel, by content key.
    pub(crate) prepared: HashMap<signature::Key, Result<signature::Prepared, String>>,
    pub(crate) missing: Vec<MissingGlyph>,
    /// Blocks drawn the same on every page, each drawn once as a form XObject.
    pub(crate) stamps: Vec<Stamp>,
}

/// A block that is the same on every page (the title, the personal-data statement):
/// most of a page's glyphs. It is drawn once per document as a form XObject and placed
/// on each page, so a batch translates, compresses and writes those glyphs once.
pub(crate) struct Stamp {
    pub(crate) name: &'static str,
    pub(crate) id: XObjectId,
    /// Its drawing, with the block's top at y = 0. printpdf serialises it as one more
    /// page at the end, which `assemble::install_stamps` turns into the XObject's content.
    pub(crate) ops: Vec<Op>,
    pub(crate) height: f32,
}

/// One run of text in one font (`None`: a character no font has, written out as its
/// code point in the primary font).
pub(crate) struct Run {
    pub(crate) font: Option<usize>,
    pub(crate) glyphs: Vec<Codepoint>,
    pub(crate) width_em: f32,
}

impl<'r> Doc<'r> {
    pub(crate) fn font_id(&mut self, index: usize) -> Option<FontId> {
        if self.font_ids.len() <= index {
            self.font_ids.resize(index + 1, None);
        }
        if self.font_ids[index].is_none() {
            let f = self.fonts.font(index)?;
            self.font_ids[index] = Some(self.doc.add_font(f));
        }
        self.font_ids[index].clone()
    }

    pub(crate) fn glyph(&mut self, c: char) -> Option<(usize, u16, f32)> {
        let fonts = self.fonts;
        *self.glyphs.entry(c).or_insert_with(|| fonts.resolve(c))
    }

    pub(crate) fn runs(&mut self, s: &str) -> Vec<Run> {
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

    pub(crate) fn width(&mut self, s: &str, size: f32) -> f32 {
        self.runs(s).iter().map(|r| r.width_em).sum::<f32>() * size
    }

    /// Places the block `name` with its top at `y`, drawing it with `draw` (top at 0,
    /// returning its height) the first time in this document. Returns the height.
    pub(crate) fn stamp(
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
    pub(crate) fn text(
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
    pub(crate) fn fitted(
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
    pub(crate) fn signature(
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
pub(crate) fn codepoint(gid: u16, text: String) -> Codepoint {
    Codepoint { gid, offset: 0.0, cid: Some(text) }
}

pub(crate) fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

pub(crate) fn hline(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, width: f32, color: (f32, f32, f32)) {
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

pub(crate) fn frame(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32) {
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
