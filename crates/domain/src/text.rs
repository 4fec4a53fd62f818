//! Text a person typed: one function decides what counts as text, for every name and
//! reason that reaches a reviewer, a parent or a printed form.
//!
//! [`clean_text`] composes the text (Unicode NFC, so `e` + combining acute and `é` are the
//! same name), trims it, and refuses control characters (a NUL, a bell), the bidirectional
//! overrides and isolates that make text display in another order than it is stored
//! (`U+202E` turns `王明` into something else on screen), and text with nothing visible in
//! it (zero-width spaces, word joiners, byte-order marks).

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// Why a text was refused; the message is written for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    /// Nothing visible: empty, spaces, or only invisible characters.
    #[error("the text is empty or holds nothing visible")]
    Empty,
    /// Longer than allowed.
    #[error("the text is longer than {0} characters")]
    TooLong(usize),
    /// A control character (U+0000–U+001F, U+007F–U+009F).
    #[error("the text holds a control character")]
    Control,
    /// A character that reorders the display (U+202A–U+202E, U+2066–U+2069, U+200E/F,
    /// U+061C).
    #[error("the text holds a character that changes the display order")]
    Bidi,
}

impl TextError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "text_empty",
            TextError::TooLong(_) => "text_too_long",
            TextError::Control => "text_control",
            TextError::Bidi => "text_bidi",
        }
    }
}

/// Whether a character changes the display order of the text around it.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Whether a character draws nothing: white space and the invisible format characters.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' // zero-width space, non-joiner, joiner
                | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
                | '\u{FEFF}' // byte-order mark
                | '\u{180E}' // Mongolian vowel separator
                | '\u{00AD}' // soft hyphen
                | '\u{034F}' // combining grapheme joiner
                | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
                | '\u{FE00}'..='\u{FE0F}' // variation selectors
        )
}

/// Composes (NFC), trims and checks a text of at most `max_chars` characters.
pub fn clean_text(s: &str, max_chars: usize) -> Result<String, TextError> {
    let composed: String = s.nfc().collect();
    let t = composed.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if t.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    if t.chars().any(is_bidi_control) {
        return Err(TextError::Bidi);
    }
    if t.chars().all(is_invisible) {
        return Err(TextError::Empty);
    }
    if t.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_composed_and_trimmed() {
        assert_eq!(clean_text("  Rene\u{301} 王 ", 50).unwrap(), "René 王");
        assert_eq!(clean_text("\u{feff}陳曉明", 50).unwrap(), "陳曉明");
        assert_eq!(clean_text("林𠀋妤", 50).unwrap(), "林𠀋妤");
    }

    #[test]
    fn not_text_is_refused() {
        assert_eq!(clean_text("", 50), Err(TextError::Empty));
        assert_eq!(clean_text("\u{200b}", 50), Err(TextError::Empty));
        assert_eq!(clean_text(" \u{200b}\u{2060}\u{feff} ", 50), Err(TextError::Empty));
        assert_eq!(clean_text("資料\u{0}不符", 50), Err(TextError::Control));
        assert_eq!(clean_text("王\u{7}明", 50), Err(TextError::Control));
        assert_eq!(clean_text("王\u{202e}明", 50), Err(TextError::Bidi));
        assert_eq!(clean_text("王\u{2067}明", 50), Err(TextError::Bidi));
        assert_eq!(clean_text("一二三", 2), Err(TextError::TooLong(2)));
    }

    #[test]
    fn joiners_inside_visible_text_stay() {
        // A zero-width joiner is part of some emoji and scripts; only text made of
        // nothing else is refused.
        assert_eq!(clean_text("a\u{200d}b", 50).unwrap(), "a\u{200d}b");
    }
}
