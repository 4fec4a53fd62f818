//! Line breaking for Chinese with a little Latin: break between any two CJK characters,
//! keep Latin words and numbers whole where they fit, never start a line with closing
//! punctuation (，。、；：！？）」』》…) nor end one with opening punctuation (（「『《).

/// Characters that must not start a line.
const NO_START: &str = "，。、；：！？）」』》〉】〕．,.;:!?)]}%％…‧·";
/// Characters that must not end a line.
const NO_END: &str = "（「『《〈【〔([{$＄";

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_' | '+' | '\'' | '/' | ':')
}

/// Splits text into unbreakable pieces: a Latin word (with the spaces after it), or one
/// other character.
fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_word_char(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c == ' '
            && let Some(last) = out.last_mut()
        {
            last.push(' ');
            continue;
        }
        out.push(c.to_string());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Wraps `text` into lines no wider than `max_width`, where `measure` gives a string's
/// width. Explicit newlines are kept. A piece wider than a whole line is cut by
/// characters.
pub fn wrap(text: &str, max_width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for piece in pieces(para) {
            let candidate = format!("{line}{piece}");
            if measure(candidate.trim_end()) <= max_width || line.is_empty() {
                if line.is_empty() && measure(piece.trim_end()) > max_width {
                    // A single piece too wide for a line: cut it by characters.
                    for c in piece.chars() {
                        let cand = format!("{line}{c}");
                        if measure(&cand) > max_width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                        }
                        line.push(c);
                    }
                } else {
                    line = candidate;
                }
                continue;
            }
            // Break before `piece`, mending the punctuation rules.
            let first = piece.chars().next().unwrap_or(' ');
            let mut carry = String::new();
            if NO_START.contains(first) {
                // Pull characters down with the punctuation until one that may start a
                // line comes along (so "假）" + "。" moves "假）" down, not just "）").
                while let Some(last) = line.pop() {
                    carry.insert(0, last);
                    if !NO_START.contains(last) {
                        break;
                    }
                }
            }
            while let Some(last) = line.chars().last() {
                if NO_END.contains(last) {
                    line.pop();
                    carry.insert(0, last);
                } else {
                    break;
                }
            }
            if line.trim().is_empty() {
                // Nothing left to break at: keep it on this line rather than loop.
                line = format!("{line}{carry}{piece}");
                continue;
            }
            lines.push(line.trim_end().to_string());
            line = format!("{carry}{piece}");
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character is one unit wide.
    fn unit(s: &str) -> f32 {
        s.chars().count() as f32
    }

    #[test]
    fn breaks_between_chinese_characters() {
        assert_eq!(wrap("臺北市校園單一身分驗證", 4.0, &unit), ["臺北市校", "園單一身", "分驗證"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let lines = wrap("一二三四，五六", 4.0, &unit);
        assert_eq!(lines, ["一二三", "四，五六"]);
        assert!(lines.iter().all(|l| !l.starts_with('，')));
    }

    #[test]
    fn a_run_of_closing_punctuation_moves_down_together() {
        let lines = wrap("一二三四）。五六", 5.0, &unit);
        assert_eq!(lines, ["一二三", "四）。五六"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        let lines = wrap("一二三「四五」", 4.0, &unit);
        assert_eq!(lines, ["一二三", "「四五」"]);
    }

    #[test]
    fn latin_words_stay_whole() {
        let lines = wrap("信箱 annie.sun2@example.com.tw 為帳號", 12.0, &unit);
        assert!(
            lines.iter().any(|l| l.contains("annie.sun2@example.com.tw"))
                || lines.iter().all(|l| unit(l) <= 12.0)
        );
        let lines = wrap("the quick brown fox", 10.0, &unit);
        assert_eq!(lines, ["the quick", "brown fox"]);
    }

    #[test]
    fn nothing_is_wider_than_the_line_and_nothing_is_lost() {
        let text = "本人同意學校為審核親子綁定申請之目的，蒐集、處理及利用本申請書所載之個人資料（含學生與家長之姓名、身分證字號、電子郵件及電話）。";
        for width in [3.0, 5.0, 8.0, 13.0, 40.0] {
            let lines = wrap(text, width, &unit);
            assert!(lines.iter().all(|l| unit(l) <= width + 2.0), "{width}: {lines:?}");
            assert!(
                lines.iter().skip(1).all(|l| !l.starts_with(|c| NO_START.contains(c))),
                "{width}: {lines:?}"
            );
            assert_eq!(lines.concat(), text);
        }
    }

    #[test]
    fn an_overlong_word_is_cut() {
        let lines = wrap("abcdefghij", 4.0, &unit);
        assert_eq!(lines, ["abcd", "efgh", "ij"]);
    }
}
