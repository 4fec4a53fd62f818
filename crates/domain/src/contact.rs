//! Contact addresses: e-mail, Taiwanese mobile numbers (the only phones a code is sent
//! to) and contact phones (mobile or landline, 行動電話/市話), each in one canonical form,
//! so that a limit, an owner and a mask count one person once however it was spelled.
//!
//! Phones are written the national way: `09xxxxxxxx` for a mobile, `0` + area code +
//! number for a landline (`0223456789`). `+886`, `886` and `00886` prefixes (with or
//! without the trunk `0` after them), spaces, hyphens, dots and brackets are accepted;
//! anything else, a foreign number included, is refused.

use thiserror::Error;

/// Why an address was refused; the messages tell a parent what to type.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactError {
    /// Not an e-mail address.
    #[error("not an e-mail address, e.g. name@example.com")]
    Email,
    /// Not a Taiwanese mobile number.
    #[error("not a Taiwanese mobile number: 10 digits starting with 09, e.g. 0912345678")]
    Mobile,
    /// Neither a Taiwanese mobile nor a landline number.
    #[error("not a Taiwanese phone number: a mobile (09…) or a landline with its area code (02…)")]
    Phone,
}

/// A lower-case e-mail address, if it looks like one.
pub fn canonical_email(s: &str) -> Result<String, ContactError> {
    let s = s.trim().to_lowercase();
    let (local, domain) = s.split_once('@').ok_or(ContactError::Email)?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.len() <= 254
        && s.is_ascii()
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';' | '\\'));
    if ok { Ok(s) } else { Err(ContactError::Email) }
}

/// The national digits of a Taiwanese number (`0` + the rest), from any accepted spelling.
fn national_digits(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty()
        || !s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.' | '+'))
        || s.chars().skip(1).any(|c| c == '+')
    {
        return None;
    }
    let plus = s.starts_with('+');
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let rest = if plus {
        // Only the country code may follow a plus.
        digits.strip_prefix("886")?
    } else if let Some(r) = digits.strip_prefix("00886") {
        r
    } else if let Some(r) = digits.strip_prefix("886").filter(|_| !digits.starts_with('0')) {
        r
    } else {
        return digits.starts_with('0').then_some(digits);
    };
    // After the country code the trunk 0 is usually left out, sometimes not.
    let rest = rest.strip_prefix('0').unwrap_or(rest);
    (!rest.is_empty() && !rest.starts_with('0')).then(|| format!("0{rest}"))
}

/// A Taiwanese mobile number as `09xxxxxxxx`.
pub fn canonical_mobile(s: &str) -> Result<String, ContactError> {
    national_digits(s).filter(|d| d.len() == 10 && d.starts_with("09")).ok_or(ContactError::Mobile)
}

/// A contact phone: a mobile as `09xxxxxxxx`, or a landline as `0` + area code + number
/// (9 or 10 digits in all).
pub fn canonical_phone(s: &str) -> Result<String, ContactError> {
    if let Ok(m) = canonical_mobile(s) {
        return Ok(m);
    }
    national_digits(s)
        .filter(|d| !d.starts_with("09") && (9..=10).contains(&d.len()))
        .ok_or(ContactError::Phone)
}

/// A parent's login address: an e-mail or a mobile number, canonical.
pub fn canonical_login(s: &str) -> Option<String> {
    canonical_email(s).or_else(|_| canonical_mobile(s)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mobile_however_spelled() {
        for s in [
            "0928000111",
            "0928-000-111",
            "+886928000111",
            "+886 928 000 111",
            "886928000111",
            "00886928000111",
            "(09)2800-0111",
            "+886 0928000111",
            "0928.000.111",
        ] {
            assert_eq!(canonical_mobile(s).as_deref(), Ok("0928000111"), "{s}");
        }
    }

    #[test]
    fn not_a_taiwanese_mobile() {
        for s in [
            "+0928000111",
            "0228000111",
            "+1 415 555 0100",
            "09280001112",
            "092800011",
            "",
            "+",
            "09x8000111",
            "0928+000111",
        ] {
            assert_eq!(canonical_mobile(s), Err(ContactError::Mobile), "{s}");
        }
    }

    #[test]
    fn contact_phones_are_mobiles_or_landlines() {
        assert_eq!(canonical_phone("+886 2 2345-6789").as_deref(), Ok("0223456789"));
        assert_eq!(canonical_phone("(02)2345-6789").as_deref(), Ok("0223456789"));
        assert_eq!(canonical_phone("07-123-4567").as_deref(), Ok("071234567"));
        assert_eq!(canonical_phone("0912 345 678").as_deref(), Ok("0912345678"));
        assert_eq!(canonical_phone("12"), Err(ContactError::Phone));
        assert_eq!(canonical_phone("+44 20 7946 0958"), Err(ContactError::Phone));
    }

    #[test]
    fn emails_are_lower_case() {
        assert_eq!(
            canonical_email(" Annie.Sun2@Example.com.tw ").as_deref(),
            Ok("annie.sun2@example.com.tw")
        );
        for bad in ["no-at-sign", "a@b", "a b@c.tw", "a@b..tw", "\"x\"@y.tw", "王@例子.tw"] {
            assert_eq!(canonical_email(bad), Err(ContactError::Email), "{bad}");
        }
        assert_eq!(canonical_login("+886928000111").as_deref(), Some("0928000111"));
    }
}
