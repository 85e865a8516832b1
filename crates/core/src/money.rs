//! Money is integer cents. This is the one place cents become dollar text.

/// `$0.07`, `$12.30`, `-$1.05`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn cents_render_as_dollars() {
        assert_eq!(dollars(7), "$0.07");
        assert_eq!(dollars(99), "$0.99");
        assert_eq!(dollars(1230), "$12.30");
        assert_eq!(dollars(-105), "-$1.05");
        assert_eq!(dollars(i64::MIN), "-$92233720368547758.08");
    }
}
