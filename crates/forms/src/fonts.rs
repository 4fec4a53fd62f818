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

/// The font families looked for, in order, by name (a font database such as the
/// system's, not fixed paths: a font a user installed for themselves is found too). The
/// first one found that parses is the primary font; every later one is a fallback for
/// the characters it lacks.
///
/// 標楷體 (DFKai-SB, Windows) and BiauKai (macOS) first, as Taiwanese official forms use
/// them; on Linux AR PL UKai's Taiwan face, a kai face whose subset costs about half as
/// much per glyph as TW-Kai's (a one-page form stays small); then TW-Kai with its
/// Extension B and Plus files and MingLiU-ExtB for the rare characters of names, then
/// Sung/Ming faces for anything still missing.
pub const PREFERRED_FAMILIES: &[&str] = &[
    "DFKai-SB",
    "標楷體",
    "BiauKai",
    "標楷體-繁",
    "AR PL UKai TW",
    "TW-Kai",
    "TW-Kai-Ext-B",
    "TW-Kai-Plus",
    "MingLiU-ExtB",
    "細明體-ExtB",
    "TW-Sung",
    "TW-Sung-Ext-B",
    "TW-Sung-Plus",
    "AR PL UMing TW",
    "MingLiU",
    "細明體",
];

/// The fonts of this machine, in [`PREFERRED_FAMILIES`] order, after the file named by
/// [`FONT_ENV`] if any: the system's font folders and the user's own (on Windows
/// `%WINDIR%\Fonts` and `%LOCALAPPDATA%\Microsoft\Windows\Fonts`; on macOS
/// `/Library/Fonts` and `~/Library/Fonts`; on Linux `/usr/share/fonts` and
/// `~/.local/share/fonts`).
pub fn default_candidates() -> Vec<FontSource> {
    let mut v: Vec<FontSource> = Vec::new();
    if let Some(p) = std::env::var_os(FONT_ENV) {
        v.push(FontSource { path: PathBuf::from(p), face: 0 });
    }
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let faces = db.faces().filter_map(|f| match &f.source {
        fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
            let names: Vec<String> = f.families.iter().map(|(name, _)| name.clone()).collect();
            Some((names, path.clone(), f.index as usize))
        }
        fontdb::Source::Binary(_) => None,
    });
    for source in in_preferred_order(faces, PREFERRED_FAMILIES) {
        if !v.contains(&source) {
            v.push(source);
        }
    }
    v
}

/// The faces whose family is one of `preferred`, in that order (each face once).
pub fn in_preferred_order(
    faces: impl IntoIterator<Item = (Vec<String>, PathBuf, usize)>,
    preferred: &[&str],
) -> Vec<FontSource> {
    let mut ranked: Vec<(usize, FontSource)> = faces
        .into_iter()
        .filter_map(|(names, path, face)| {
            let rank = preferred.iter().position(|want| names.iter().any(|n| n == want))?;
            Some((rank, FontSource { path, face }))
        })
        .collect();
    // Stable: faces of one family keep the order the database found them in.
    ranked.sort_by_key(|(rank, _)| *rank);
    let mut out: Vec<FontSource> = Vec::new();
    for (_, s) in ranked {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn face(names: &[&str], path: &str, index: usize) -> (Vec<String>, PathBuf, usize) {
        (names.iter().map(|n| n.to_string()).collect(), PathBuf::from(path), index)
    }

    #[test]
    fn families_come_in_the_preferred_order_each_once() {
        let found = vec![
            face(&["TW-Kai-Ext-B", "全字庫正楷體 Ext-B"], "/f/TW-Kai-Ext-B.ttf", 0),
            face(&["Noto Sans CJK TC"], "/f/noto.ttc", 3),
            face(&["AR PL UKai TW"], "/f/ukai.ttc", 2),
            face(
                &["MingLiU-ExtB", "細明體-ExtB"],
                "C:/Users/t/AppData/Local/Microsoft/Windows/Fonts/mingliub.ttc",
                0,
            ),
            face(&["DFKai-SB", "標楷體"], "C:/Windows/Fonts/kaiu.ttf", 0),
            face(&["DFKai-SB", "標楷體"], "C:/Windows/Fonts/kaiu.ttf", 0),
        ];
        let order: Vec<String> = in_preferred_order(found, PREFERRED_FAMILIES)
            .into_iter()
            .map(|s| format!("{}#{}", s.path.display(), s.face))
            .collect();
        assert_eq!(
            order,
            [
                "C:/Windows/Fonts/kaiu.ttf#0",
                "/f/ukai.ttc#2",
                "/f/TW-Kai-Ext-B.ttf#0",
                "C:/Users/t/AppData/Local/Microsoft/Windows/Fonts/mingliub.ttc#0",
            ],
            "標楷體 first, a user's own MingLiU-ExtB found, an unrelated family left out"
        );
    }

    #[test]
    fn this_machine_s_fonts_are_found_by_name() {
        // scripts/setup.sh installs fonts-arphic-ukai and fonts-cns11643-kai.
        let found = default_candidates();
        let first = found.first().expect("a CJK font on this machine");
        assert!(first.path.ends_with("ukai.ttc") && first.face == 2, "AR PL UKai TW first: {found:?}");
        assert!(found.iter().any(|s| s.path.ends_with("TW-Kai-Ext-B-98_1.ttf")), "{found:?}");
    }
}
