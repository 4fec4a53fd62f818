//! Fonts: find a CJK TrueType font on the machine (kai style first, as Taiwanese
//! official forms use 標楷體), and fall back glyph by glyph to further fonts so that rare
//! name characters (CJK Extension B and beyond) still print. Fonts are read and parsed
//! once per [`FontSet`]; fallbacks are parsed only when a character needs them.

use crate::FormError;
use printpdf::ParsedFont;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable naming a font file to try first.
pub const FONT_ENV: &str = "BINDDESK_FORM_FONT";

/// A font file and the face to use inside it (collections hold several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontSource {
    /// The file.
    pub path: PathBuf,
    /// The face index inside a .ttc collection; 0 for a plain .ttf.
    pub face: usize,
}

impl FontSource {
    fn at(path: &str, face: usize) -> FontSource {
        FontSource { path: PathBuf::from(path), face }
    }
}

/// Where fonts are looked for, in order. The first one found that parses is the
/// primary font; every later one found is a fallback for the characters it lacks.
///
/// On Linux AR PL UKai's Taiwan face comes first: a kai face like 標楷體 whose subset
/// costs about half as much per glyph as TW-Kai's (a one-page form stays small); TW-Kai
/// and its Extension B and Plus files follow, for the rare characters of names.
pub fn default_candidates() -> Vec<FontSource> {
    let mut v: Vec<FontSource> = Vec::new();
    if let Some(p) = std::env::var_os(FONT_ENV) {
        v.push(FontSource { path: PathBuf::from(p), face: 0 });
    }
    for (p, face) in [
        // Windows: 標楷體 (DFKai-SB) and its Extension B companion.
        ("C:\\Windows\\Fonts\\kaiu.ttf", 0),
        ("C:\\Windows\\Fonts\\kaiu_0.ttf", 0),
        // macOS: BiauKai.
        ("/Library/Fonts/BiauKai.ttf", 0),
        // Debian/Ubuntu: AR PL UKai TW (fonts-arphic-ukai), face 2 of the collection.
        ("/usr/share/fonts/truetype/arphic/ukai.ttc", 2),
        // TW-Kai, the CNS 11643 full character set (fonts-cns11643-kai).
        ("/usr/share/fonts/truetype/cns11643/TW-Kai-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/cns11643/TW-Kai-Ext-B-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/cns11643/TW-Kai-Plus-98_1.ttf", 0),
        // Sung/Ming faces for anything still missing.
        ("/usr/share/fonts/truetype/cns11643/TW-Sung-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/cns11643/TW-Sung-Ext-B-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/cns11643/TW-Sung-Plus-98_1.ttf", 0),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 2),
        ("C:\\Windows\\Fonts\\mingliub.ttc", 0),
        ("C:\\Windows\\Fonts\\mingliu.ttc", 0),
    ] {
        v.push(FontSource::at(p, face));
    }
    v
}

/// One font file, parsed on first use.
pub struct FontSlot {
    /// Where it is.
    pub source: FontSource,
    parsed: OnceLock<Option<ParsedFont>>,
}

impl FontSlot {
    fn new(source: FontSource) -> FontSlot {
        FontSlot { source, parsed: OnceLock::new() }
    }

    /// The parsed font, or `None` if the file does not parse.
    pub fn font(&self) -> Option<&ParsedFont> {
        self.parsed
            .get_or_init(|| {
                let bytes = std::fs::read(&self.source.path).ok()?;
                ParsedFont::from_bytes(&bytes, self.source.face, &mut Vec::new())
            })
            .as_ref()
    }
}

/// The primary font and its fallbacks.
pub struct FontSet {
    slots: Vec<FontSlot>,
}

impl FontSet {
    /// Finds the fonts among [`default_candidates`] that exist on this machine; the
    /// first of them must parse.
    pub fn discover() -> Result<FontSet, FormError> {
        FontSet::from_sources(default_candidates())
    }

    /// A font set from these files (the ones that exist); the first must parse.
    pub fn from_sources(sources: impl IntoIterator<Item = FontSource>) -> Result<FontSet, FormError> {
        let slots: Vec<FontSlot> =
            sources.into_iter().filter(|s| s.path.is_file()).map(FontSlot::new).collect();
        let Some(first) = slots.first() else {
            return Err(FormError::NoFont);
        };
        if first.font().is_none() {
            return Err(FormError::FontUnreadable(first.source.path.display().to_string()));
        }
        Ok(FontSet { slots })
    }

    /// How many font files are known.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no fonts are known (never true for a constructed set).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The font at `index`, parsed.
    pub fn font(&self, index: usize) -> Option<&ParsedFont> {
        self.slots.get(index).and_then(FontSlot::font)
    }

    /// The file of the font at `index`.
    pub fn path(&self, index: usize) -> Option<&Path> {
        self.slots.get(index).map(|s| s.source.path.as_path())
    }

    /// The first font that has a glyph for `c`: the font's index, the glyph id, and the
    /// glyph's advance in em.
    pub fn resolve(&self, c: char) -> Option<(usize, u16, f32)> {
        for (i, _) in self.slots.iter().enumerate() {
            let Some(f) = self.font(i) else { continue };
            if let Some(gid) = f.lookup_glyph_index(u32::from(c)).filter(|g| *g != 0) {
                let upem = f32::from(f.font_metrics.units_per_em.max(1));
                return Some((i, gid, f32::from(f.get_horizontal_advance(gid)) / upem));
            }
        }
        None
    }
}
