//! Bar charts as SVG, drawn on the server (no script, no external asset). The chart carries
//! its own text alternative; the numbers are also in a table beside it.

use std::fmt::Write;

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal bars, one per (label, percent), scaled to the largest value (at least 1 %).
pub fn percent_bars(title: &str, rows: &[(String, f64)]) -> String {
    const ROW: usize = 28;
    const LABEL: usize = 220;
    const BAR: f64 = 420.0;
    let height = ROW * rows.len().max(1) + 10;
    let top = rows.iter().map(|r| r.1).fold(1.0_f64, f64::max);
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {height}\" \
         width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{t}</title>",
        t = escape(title),
        w = LABEL + BAR as usize + 80,
    );
    if rows.is_empty() {
        svg.push_str("<text x=\"0\" y=\"20\" style=\"fill:#444\">No micro-entries yet</text>");
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i * ROW + 5;
        let width = (value / top * BAR).max(1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ty}\" style=\"fill:#1b1f24;font-size:14px\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{width:.1}\" height=\"18\" style=\"fill:#1f4e8c\"></rect>\
             <text x=\"{vx:.1}\" y=\"{ty}\" style=\"fill:#1b1f24;font-size:14px\">{value:.1} %</text>",
            ty = y + 14,
            label = escape(&truncate(label, 28)),
            vx = LABEL as f64 + width + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scaled() {
        let svg = percent_bars("Return rate", &[("<b>".into(), 50.0), ("b".into(), 25.0)]);
        assert!(svg.contains("&lt;b&gt;"));
        assert!(svg.contains("width=\"420.0\""));
        assert!(svg.contains("width=\"210.0\""));
        assert!(!svg.contains("<b>"));
    }
}
