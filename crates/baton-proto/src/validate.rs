//! Input rules for free text and ids, shared by the server (which enforces them)
//! and the console (which checks before queueing an edit).

use crate::contact::ContactError;
use crate::ErrorCode;

/// Longest note, request or reason, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest subject, label or name, in characters.
pub const MAX_SHORT: usize = 200;
/// Longest id a client may choose.
pub const MAX_ID: usize = 100;

/// Trimmed, non-empty text of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, ContactError> {
    let t = value.trim();
    if !t.chars().any(visible) {
        return Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("{field} must not be empty"),
        ));
    }
    if t.chars().count() > max {
        return Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(t.to_string())
}

/// Whether a character shows: not white space, a control, or an invisible
/// format character (zero-width space and joiners, direction marks, soft hyphen,
/// word joiner, byte-order mark), so a name of only those reads as empty.
fn visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}'))
}

/// An id: 1 to 100 letters, digits, `-`, `_`, `:` or `.`.
/// Whether `s` holds nothing but spaces and control characters (ASCII), the
/// rule the OpenAPI document states as a pattern for required words.
pub fn blank(s: &str) -> bool {
    s.chars().all(|c| c <= ' ')
}

pub fn id(field: &str, value: &str) -> Result<(), ContactError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_ID
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("{field} must be 1 to {MAX_ID} letters, digits, '-', '_', ':' or '.'"),
        ))
    }
}

/// Longest appointment, in days.
pub const MAX_APPOINTMENT_DAYS: i64 = 14;
/// Most products on one order.
pub const MAX_ORDER_LINES: usize = 100;

/// An appointment window: it ends after it starts and lasts at most two weeks.
pub fn appointment(
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Result<(), ContactError> {
    if end <= start {
        return Err(ContactError::new(
            ErrorCode::BadRequest,
            "the appointment must end after it starts",
        ));
    }
    if end - start > chrono::Duration::days(MAX_APPOINTMENT_DAYS) {
        return Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("an appointment lasts at most {MAX_APPOINTMENT_DAYS} days"),
        ));
    }
    Ok(())
}

/// An order's products: 1 to 100 lines, each with a SKU (an id), a name and a
/// quantity of 1 to 9,999.
pub fn order_lines(lines: &[crate::OrderLine]) -> Result<(), ContactError> {
    if lines.is_empty() || lines.len() > MAX_ORDER_LINES {
        return Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("an order has 1 to {MAX_ORDER_LINES} products"),
        ));
    }
    for line in lines {
        id("a product's SKU", &line.sku)?;
        text("a product's name", &line.name, MAX_SHORT)?;
        if !(1..=9999).contains(&line.quantity) {
            return Err(ContactError::new(
                ErrorCode::BadRequest,
                "a product's quantity must be 1 to 9,999",
            ));
        }
    }
    Ok(())
}

/// A number from the retailer's own systems (an order number): 1 to 40
/// letters, digits, `-`, `_`, `/` or `.`.
pub fn reference(field: &str, value: &str) -> Result<(), ContactError> {
    let ok = (1..=40).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("{field} must be 1 to 40 letters, digits, '-', '_', '/' or '.'"),
        ))
    }
}

/// An IANA time zone name (`Europe/London`), as written: a name it does not
/// know is an error, not a guess.
pub fn time_zone(field: &str, value: &str) -> Result<String, ContactError> {
    match value.parse::<chrono_tz::Tz>() {
        Ok(tz) => Ok(tz.name().to_string()),
        Err(_) => Err(ContactError::new(
            ErrorCode::BadRequest,
            format!("{field} '{value}' is not a time zone name such as Europe/London or America/New_York"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(super::text("note", "  hi ", 10).as_deref(), Ok("hi"));
        assert!(super::text("note", "   ", 10).is_err());
        assert!(super::text("name", "\u{200b}\u{200d}\u{feff}", 10).is_err());
        assert_eq!(super::text("name", "a\u{200d}b", 10).as_deref(), Ok("a\u{200d}b"));
        assert!(super::text("note", &"x".repeat(11), 10).is_err());
        assert!(super::text("note", &"é".repeat(10), 10).is_ok());
    }

    #[test]
    fn ids_are_plain() {
        assert!(super::id("id", "cb_3f2a-11").is_ok());
        assert!(super::id("id", "").is_err());
        assert!(super::id("id", "a b").is_err());
        assert!(super::id("id", "../x").is_err());
        assert!(super::id("id", &"a".repeat(101)).is_err());
    }
}
