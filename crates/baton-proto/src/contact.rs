//! What a valid phone number or email address is, for the server (validation) and
//! the client (normalising what an agent types into a search box).

use phonenumber::{country, Mode};

use crate::ErrorCode;

/// The region assumed for numbers typed without a country code.
pub const DEFAULT_REGION: country::Id = country::Id::GB;
/// Its calling code, for matching numbers typed so far against stored E.164.
pub const DEFAULT_CALLING_CODE: &str = "44";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ContactError {
    pub code: ErrorCode,
    pub message: String,
}

/// Parses a phone number in any common format (`07700 900123`, `+44 7700 900123`,
/// `(0)7700-900-123`) and returns it in E.164 (`+447700900123`).
pub fn normalize_phone(input: &str) -> Result<String, ContactError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ContactError::new(ErrorCode::InvalidPhone, "phone number is empty"));
    }
    if trimmed.len() > 40 {
        return Err(ContactError::new(ErrorCode::InvalidPhone, "phone number is too long"));
    }
    check_phone_characters(trimmed)?;
    let parsed = phonenumber::parse(Some(DEFAULT_REGION), trimmed).map_err(|e| {
        ContactError::new(
            ErrorCode::InvalidPhone,
            format!("'{trimmed}' is not a phone number: {e}"),
        )
    })?;
    if !phonenumber::is_valid(&parsed) {
        return Err(ContactError::new(
            ErrorCode::InvalidPhone,
            format!("'{trimmed}' is not a valid phone number"),
        ));
    }
    Ok(parsed.format().mode(Mode::E164).to_string())
}

/// A number is digits with the usual separators; a leading `+` only. Letters are
/// refused rather than read as a keypad's digits (`0800 FLOWERS`), and an
/// extension is refused rather than dropped: Baton keeps numbers a console can
/// dial as they are, so an extension belongs in the contact's label.
fn check_phone_characters(text: &str) -> Result<(), ContactError> {
    let separator = |c: char| matches!(c, ' ' | '-' | '.' | '(' | ')' | '/');
    let plain = text
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || separator(c) || (c == '+' && i == 0));
    if plain {
        return Ok(());
    }
    let lower = text.to_lowercase();
    let digits_after = |marker: &str| {
        lower.match_indices(marker).any(|(i, m)| {
            lower[i + m.len()..]
                .trim_start_matches([' ', '.', '=', ':'])
                .starts_with(|c: char| c.is_ascii_digit())
        })
    };
    if ["ext", "x", "#", ";"].iter().any(|m| digits_after(m)) {
        return Err(ContactError::new(
            ErrorCode::InvalidPhone,
            format!("'{text}' has an extension: store the number that rings directly, and the extension in the contact's label"),
        ));
    }
    Err(ContactError::new(
        ErrorCode::InvalidPhone,
        format!("'{text}' is not a phone number: use digits, spaces, '-', '.', '(', ')' and '/', with '+' only at the start"),
    ))
}

/// Formats an E.164 number the way people read it (`+44 7700 900123`).
pub fn display_phone(e164: &str) -> String {
    match phonenumber::parse(None, e164) {
        Ok(n) => n.format().mode(Mode::International).to_string(),
        Err(_) => e164.to_string(),
    }
}

/// Validates an email address and returns it trimmed and lower-cased.
pub fn normalize_email(input: &str) -> Result<String, ContactError> {
    let trimmed = input.trim();
    if trimmed.len() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
        return Err(ContactError::new(
            ErrorCode::InvalidEmail,
            format!("'{trimmed}' is not a valid email address"),
        ));
    }
    Ok(trimmed.to_lowercase())
}

impl ContactError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ContactError {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_calling_code_is_the_default_regions() {
        let e164 = super::normalize_phone("020 7946 0000").expect("a London number");
        assert!(e164.starts_with(&format!("+{}", super::DEFAULT_CALLING_CODE)), "{e164}");
    }

    use super::*;

    #[test]
    fn phones_in_common_formats_normalise_to_one_e164() {
        for input in ["07911 123456", "+44 7911 123456", "0044 7911 123456", "(07911) 123-456"] {
            assert_eq!(normalize_phone(input).as_deref(), Ok("+447911123456"), "{input}");
        }
    }

    #[test]
    fn malformed_phones_are_rejected_with_a_typed_error() {
        for input in ["", "hello", "123", "+44 12", &"9".repeat(60)] {
            let err = normalize_phone(input).expect_err(input);
            assert_eq!(err.code, ErrorCode::InvalidPhone);
        }
    }

    #[test]
    fn letters_are_an_error_not_keypad_digits() {
        for input in ["0800 FLOWERS", "07911 l23456", "O7911 123456", "07911 123456 mobile"] {
            let err = normalize_phone(input).expect_err(input);
            assert_eq!(err.code, ErrorCode::InvalidPhone);
            assert!(!err.message.contains("extension"), "{input}: {}", err.message);
        }
    }

    #[test]
    fn extensions_are_refused_not_dropped() {
        for input in [
            "07911 123456 ext. 12",
            "07911 123456 x12",
            "+44 7911 123456;ext=5",
            "020 7946 0000 #204",
        ] {
            let err = normalize_phone(input).expect_err(input);
            assert_eq!(err.code, ErrorCode::InvalidPhone);
            assert!(err.message.contains("extension"), "{input}: {}", err.message);
        }
    }

    #[test]
    fn a_plus_belongs_at_the_start_only() {
        assert!(normalize_phone("07911 +123456").is_err());
        assert_eq!(normalize_phone("+44 (0)7911 123456").as_deref(), Ok("+447911123456"));
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(normalize_email(" Ann@Example.COM ").as_deref(), Ok("ann@example.com"));
        assert_eq!(
            normalize_email("not-an-email").map_err(|e| e.code),
            Err(ErrorCode::InvalidEmail)
        );
    }

    #[test]
    fn display_format_is_international() {
        assert_eq!(display_phone("+447911123456"), "+44 7911 123456");
    }
}
