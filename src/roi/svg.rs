//! Charts as inline SVG, drawn here rather than by a script library: the ROI
//! page must open from a file:// URL with no network, and SVG needs none.
//! Every label is escaped; numbers are printed as the reader should see them.

use std::fmt::Write;

use quick_xml::escape::escape;

/// One coloured series of values, one per label.
pub(crate) struct Series<'a> {
    pub(crate) name: &'a str,
    pub(crate) color: &'a str,
    pub(crate) values: Vec<f64>,
}

// About the width a chart gets on the page, so that text keeps its size.
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// The smallest 1, 2 or 5 × 10ⁿ at or above `value` (1 for 0).
fn nice_max(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10.0 * magnitude)
}

/// The top of a count axis with four equal, whole, round steps.
fn count_top(max: f64) -> f64 {
    nice_max(max / 4.0).max(1.0) * 4.0
}

/// A number as a label: no decimals when whole, else one.
pub(crate) fn number(value: f64) -> String {
    // An empty sum is -0.0, and -0.04 rounds to "-0.0": never print a signed zero.
    let value = if value.abs() < 0.05 { 0.0 } else { value };
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn open(out: &mut String, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
}

/// Horizontal grid lines and the value axis, from 0 to `max`.
fn grid(out: &mut String, max: f64, unit: &str) {
    for step in 0..=4 {
        let value = max * f64::from(step) / 4.0;
        let y = TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - f64::from(step) / 4.0);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{}" y="{:.1}" text-anchor="end" class="axis">{}{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            number(value),
            escape(unit)
        );
    }
}

fn x_labels(out: &mut String, labels: &[String], x_of: impl Fn(usize) -> f64) {
    // Thin out labels so they never overlap.
    let every = labels.len().div_ceil(10).max(1);
    for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text>"#,
            x_of(i),
            HEIGHT - BOTTOM + 16.0,
            escape(label)
        );
    }
}

fn legend(out: &mut String, series: &[Series<'_>]) {
    let mut x = LEFT;
    for s in series {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}" class="legend">{}</text>"#,
            HEIGHT - 18.0,
            s.color,
            x + 14.0,
            HEIGHT - 9.0,
            escape(s.name)
        );
        #[allow(clippy::cast_precision_loss)] // a legend name is short
        let width = s.name.chars().count() as f64 * 7.0 + 34.0;
        x += width;
    }
}

/// Columns per label; stacked, or side by side.
pub(crate) fn columns(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    stacked: bool,
) -> String {
    let totals = (0..labels.len()).map(|i| {
        let values = series
            .iter()
            .map(|s| s.values.get(i).copied().unwrap_or(0.0));
        if stacked {
            values.sum()
        } else {
            values.fold(0.0, f64::max)
        }
    });
    let max = count_top(totals.fold(0.0, f64::max));
    let mut out = String::new();
    open(&mut out, title);
    grid(&mut out, max, "");
    #[allow(clippy::cast_precision_loss)] // a handful of weeks
    let slot = (WIDTH - LEFT - RIGHT) / labels.len().max(1) as f64;
    let plot = HEIGHT - TOP - BOTTOM;
    #[allow(clippy::cast_precision_loss)]
    let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
    for (i, label) in labels.iter().enumerate() {
        let mut base = 0.0;
        #[allow(clippy::cast_precision_loss)]
        let width = if stacked {
            (slot * 0.6).min(48.0)
        } else {
            slot * 0.7 / series.len().max(1) as f64
        };
        for (k, s) in series.iter().enumerate() {
            let value = s.values.get(i).copied().unwrap_or(0.0);
            if value <= 0.0 {
                continue;
            }
            let height = plot * value / max;
            #[allow(clippy::cast_precision_loss)]
            let x = if stacked {
                x_of(i) - width / 2.0
            } else {
                x_of(i) - slot * 0.35 + width * k as f64
            };
            let y = TOP + plot - height - if stacked { plot * base / max } else { 0.0 };
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                s.color,
                escape(label),
                escape(s.name),
                number(value)
            );
            if stacked {
                base += value;
            }
        }
    }
    x_labels(&mut out, labels, x_of);
    legend(&mut out, series);
    out.push_str("</svg>");
    out
}

/// Lines with a dot and its value at each label; `max` fixes the scale
/// (100 for shares). A NaN value is a week without one: no dot, and the
/// line breaks there.
pub(crate) fn lines(
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    max: Option<f64>,
    unit: &str,
) -> String {
    let top = max.unwrap_or_else(|| {
        count_top(
            series
                .iter()
                .flat_map(|s| s.values.iter().copied())
                .fold(0.0, f64::max),
        )
    });
    let mut out = String::new();
    open(&mut out, title);
    grid(&mut out, top, unit);
    let plot = HEIGHT - TOP - BOTTOM;
    #[allow(clippy::cast_precision_loss)] // a handful of weeks
    let slot = (WIDTH - LEFT - RIGHT) / labels.len().max(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let y_of = |v: f64| TOP + plot * (1.0 - v / top);
    for s in series {
        // A gap (NaN: nothing measured that week) breaks the line.
        let mut segments: Vec<Vec<String>> = vec![Vec::new()];
        for (i, v) in s.values.iter().enumerate() {
            if v.is_nan() {
                segments.push(Vec::new());
            } else if let Some(segment) = segments.last_mut() {
                segment.push(format!("{:.1},{:.1}", x_of(i), y_of(*v)));
            }
        }
        for points in segments.iter().filter(|points| points.len() > 1) {
            let _ = write!(
                out,
                r#"<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>"#,
                s.color,
                points.join(" ")
            );
        }
        for (i, v) in s.values.iter().enumerate().filter(|(_, v)| !v.is_nan()) {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{} {}: {}{}</title></circle>"#,
                x_of(i),
                y_of(*v),
                s.color,
                escape(&labels[i]),
                escape(s.name),
                number(*v),
                escape(unit)
            );
        }
    }
    // The value of a single series at each point, where it is readable.
    if let [only] = series {
        for (i, v) in only.values.iter().enumerate().filter(|(_, v)| !v.is_nan()) {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="value">{}{}</text>"#,
                x_of(i),
                y_of(*v) - 8.0,
                number(*v),
                escape(unit)
            );
        }
    }
    x_labels(&mut out, labels, x_of);
    legend(&mut out, series);
    out.push_str("</svg>");
    out
}

/// One horizontal bar per item, its value printed at its end.
pub(crate) fn bars(title: &str, items: &[(String, f64)], color: &str, unit: &str) -> String {
    let row = 28.0;
    let label_width = 225.0;
    #[allow(clippy::cast_precision_loss)] // a repository's tools
    let height = TOP + row * items.len() as f64 + 8.0;
    let max = nice_max(items.iter().map(|(_, v)| *v).fold(0.0, f64::max));
    let span = WIDTH - label_width - 48.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let y = TOP + row * i as f64;
        let width = (span * value.max(0.0) / max).max(1.0);
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="label">{}</text><rect x="{label_width}" y="{y:.1}" width="{width:.1}" height="18" rx="2" fill="{color}"><title>{}: {}{}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}{}</text>"#,
            label_width - 8.0,
            y + 13.0,
            escape(label),
            escape(label),
            number(*value),
            escape(unit),
            label_width + width + 6.0,
            y + 13.0,
            number(*value),
            escape(unit)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert!((nice_max(0.0) - 1.0).abs() < f64::EPSILON);
        assert!((nice_max(7.0) - 10.0).abs() < f64::EPSILON);
        assert!((nice_max(11.6) - 20.0).abs() < f64::EPSILON);
        assert!((nice_max(40.0) - 50.0).abs() < f64::EPSILON);
        assert!((count_top(5.0) - 8.0).abs() < f64::EPSILON);
        assert!((count_top(1.0) - 4.0).abs() < f64::EPSILON);
        assert!((count_top(17.0) - 20.0).abs() < f64::EPSILON);
        assert_eq!(number(9.67), "9.7");
        assert_eq!(number(12.0), "12");
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bars("t", &[("<script>&".into(), 2.0)], "#123", " h");
        assert!(svg.contains("&lt;script&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<script>"));
        let series = [Series {
            name: "a<b",
            color: "#000",
            values: vec![1.0, 2.0],
        }];
        let chart = lines("t", &["w1".into(), "w2".into()], &series, None, "");
        assert!(chart.contains("a&lt;b") && !chart.contains("a<b"));
        let stacked = columns("t", &["w1".into()], &series, true);
        assert!(stacked.contains("<rect") && stacked.ends_with("</svg>"));
    }

    #[test]
    fn a_week_without_a_value_is_a_gap_in_the_line() {
        let labels: Vec<String> = (1..=5).map(|w| format!("w{w}")).collect();
        let series = [Series {
            name: "coverage",
            color: "#000",
            values: vec![f64::NAN, 70.0, 80.0, f64::NAN, 90.0],
        }];
        let chart = lines("t", &labels, &series, Some(100.0), "%");
        // One line, w2 to w3 (a lone point is its dot); three dots, no 0 %.
        assert_eq!(chart.matches("<polyline").count(), 1, "{chart}");
        assert_eq!(chart.matches("<circle").count(), 3, "{chart}");
        assert!(!chart.contains("NaN"), "{chart}");
        assert!(!chart.contains("coverage: 0%") && !chart.contains(r#"class="value">0%"#));
    }
}
