//! The checks every dialect applies to free text, in one place: lengths, characters that must
//! never be stored (controls, and the bidirectional overrides that make a name display as
//! something else), and email addresses. Dialects render a [`TextProblem`] in their own shape.

/// What is wrong with a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control or bidirectional-override characters")]
    Unsafe,
    #[error("is not an email address")]
    NotEmail,
}

/// Control characters, and the Unicode bidirectional controls (U+200E/F, U+202A–U+202E,
/// U+2066–U+2069) that can disguise what a text says.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A text of at most `max` characters with nothing unsafe in it.
pub fn check_text(s: &str, max: usize) -> Result<(), TextProblem> {
    if s.chars().count() > max {
        return Err(TextProblem::TooLong { max });
    }
    if s.chars().any(is_unsafe) {
        return Err(TextProblem::Unsafe);
    }
    Ok(())
}

/// Longest email address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// A plausible email address: `local@domain.tld`, no spaces, nothing unsafe.
pub fn check_email(s: &str) -> Result<(), TextProblem> {
    check_text(s, MAX_EMAIL)?;
    let plausible = s.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !s.chars().any(char::is_whitespace);
    if plausible {
        Ok(())
    } else {
        Err(TextProblem::NotEmail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_refused() {
        for s in [
            "a\u{0}b",
            "bell\u{7}",
            "evil\u{202E}txt.exe",
            "tab\there",
            "\u{2066}x",
        ] {
            assert_eq!(check_text(s, 64), Err(TextProblem::Unsafe), "{s:?}");
        }
        assert_eq!(check_text("Zoë Ñandú 李小龙", 64), Ok(()));
        assert_eq!(
            check_text(&"x".repeat(65), 64),
            Err(TextProblem::TooLong { max: 64 })
        );
    }

    #[test]
    fn emails_are_plausible_and_safe() {
        assert_eq!(check_email("jane@example.com"), Ok(()));
        for bad in [
            "jane",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "a@b@c.com",
        ] {
            assert_eq!(check_email(bad), Err(TextProblem::NotEmail), "{bad}");
        }
        assert_eq!(
            check_email("jane\u{0}@example.com"),
            Err(TextProblem::Unsafe)
        );
        assert_eq!(
            check_email("jane@exa\u{202E}mple.com"),
            Err(TextProblem::Unsafe)
        );
    }
}
