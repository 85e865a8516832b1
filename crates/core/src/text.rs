//! Text for the ACH network. NACHA's alphanumeric fields carry printable ASCII only, so names
//! and descriptions are transliterated (`Zoë Ñandú` → `ZOE NANDU`, `李小龙` → `LI XIAO LONG`,
//! full-width `ＪＡＮＥ` → `JANE`) and upper-cased. A name with nothing left to carry is refused
//! when it is linked, long before a file could be spoiled by it.

/// `s` as a NACHA alphanumeric field of at most `max` characters: transliterated to ASCII,
/// anything not printable becomes a space, upper case, trimmed.
pub fn nacha_text(s: &str, max: usize) -> String {
    let ascii = deunicode::deunicode_with_tofu(s.trim(), " ");
    let printable: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() {
                c.to_ascii_uppercase()
            } else {
                ' '
            }
        })
        .collect();
    let collapsed = printable.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Whether `s` keeps at least one letter or digit on the ACH network.
pub fn nacha_representable(s: &str) -> bool {
    nacha_text(s, usize::MAX)
        .chars()
        .any(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_other_scripts_survive_transliteration() {
        assert_eq!(nacha_text("Zoë Ñandú 李小龙", 22), "ZOE NANDU LI XIAO LONG");
        assert_eq!(nacha_text("ＪＡＮＥ　ＤＯＥ", 22), "JANE DOE");
        assert!(nacha_representable("محمد علي"));
        assert!(!nacha_text("محمد علي", 22).trim().is_empty());
        assert_eq!(nacha_text("  Jane   Doe  ", 22), "JANE DOE");
        assert_eq!(nacha_text("Jane Doe", 4), "JANE");
        assert_eq!(nacha_text("abcd efgh", 5), "ABCD");
    }

    #[test]
    fn punctuation_alone_is_not_a_name() {
        for s in ["", "   ", "---", "!!!", "\u{0007}", "…"] {
            assert!(!nacha_representable(s), "{s:?}");
        }
    }
}
