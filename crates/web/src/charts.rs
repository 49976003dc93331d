//! Charts drawn on the server as SVG that assistive technology can read:
//! each is an image with a title and a description saying what it shows,
//! and each page puts the same figures in a table beside it. No script, no
//! colour carrying meaning on its own, text in the page's own colours.

use std::fmt::Write;

/// Text made safe to put inside HTML or SVG markup.
pub(crate) fn esc(s: &str) -> String {
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

const WIDTH: u32 = 560;
const INK: &str = "#0b0c0c";
const BAR: &str = "#1d70b8";
const RULE: &str = "#b1b4b6";

fn open(id: &str, title: &str, desc: &str, height: u32) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" focusable=\"false\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// Horizontal bars, one a row, the label above each bar and the figure
/// after it; `value` says each bar's figure in words (a count, or a count
/// and a share).
pub(crate) fn bars(id: &str, title: &str, desc: &str, rows: &[(String, u64, String)]) -> String {
    let row = 44;
    let height = (rows.len() as u32 * row).max(row) + 8;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let span = f64::from(WIDTH - 170);
    let mut svg = open(id, title, desc, height);
    for (i, (label, value, words)) in rows.iter().enumerate() {
        let y = i as u32 * row;
        let w = (span * (*value as f64) / (max as f64)).round();
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"15\" fill=\"{INK}\">{}</text>\
             <rect x=\"0\" y=\"{}\" width=\"{w}\" height=\"16\" fill=\"{BAR}\"></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"15\" fill=\"{INK}\">{}</text>",
            y + 15,
            esc(label),
            y + 21,
            w + 6.0,
            y + 34,
            esc(words),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical columns over time, one a month; a figure above each column
/// when there is room, and month labels spaced so they never overlap.
pub(crate) fn columns(id: &str, title: &str, desc: &str, cols: &[(String, u64)]) -> String {
    let height = 220u32;
    let base = 180.0;
    let top = 24.0;
    let n = cols.len().max(1);
    let step = f64::from(WIDTH) / n as f64;
    let width = (step * 0.7).max(1.0);
    let max = cols.iter().map(|c| c.1).max().unwrap_or(0).max(1) as f64;
    let every = n.div_ceil(12);
    let mut svg = open(id, title, desc, height);
    let _ = write!(
        svg,
        "<line x1=\"0\" y1=\"{base}\" x2=\"{WIDTH}\" y2=\"{base}\" stroke=\"{RULE}\"></line>"
    );
    for (i, (label, value)) in cols.iter().enumerate() {
        let x = step * i as f64 + (step - width) / 2.0;
        let h = ((base - top) * (*value as f64) / max).round();
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{h:.1}\" fill=\"{BAR}\"></rect>",
            base - h
        );
        let mid = x + width / 2.0;
        if n <= 24 {
            let _ = write!(
                svg,
                "<text x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" fill=\"{INK}\">{value}</text>",
                base - h - 5.0
            );
        }
        if i % every == 0 {
            let _ = write!(
                svg,
                "<text x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                base + 18.0,
                esc(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_the_chart_is_named_for_assistive_technology() {
        let svg = bars(
            "c",
            "Concerns <by> provider",
            "Two providers",
            &[
                ("Ash & Oak".into(), 3, "3".into()),
                ("Birch".into(), 0, "0".into()),
            ],
        );
        assert!(svg.contains("aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("<title id=\"c-title\">Concerns &lt;by&gt; provider</title>"));
        assert!(svg.contains("Ash &amp; Oak"));
        assert!(!svg.contains("Ash & Oak"));
        // The longest bar fills the span; a zero bar has no width.
        assert!(svg.contains("width=\"390\""));
        assert!(svg.contains("width=\"0\""));
    }

    #[test]
    fn month_labels_thin_out_on_long_periods() {
        let cols: Vec<(String, u64)> = (0..36).map(|i| (format!("m{i}"), i)).collect();
        let svg = columns("m", "t", "d", &cols);
        assert!(svg.contains(">m0<") && svg.contains(">m3<") && !svg.contains(">m1<"));
        let short: Vec<(String, u64)> = (0..6).map(|i| (format!("m{i}"), 5)).collect();
        let svg = columns("m", "t", "d", &short);
        assert!((0..6).all(|i| svg.contains(&format!(">m{i}<"))));
    }
}
