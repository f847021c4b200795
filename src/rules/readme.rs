//! The outline of a README: its headings (Markdown ATX and setext, and
//! reStructuredText underlined titles), each section's line range, and where
//! a front-matter block ends. Enough to find sections by name; not a full
//! Markdown or RST parser.

/// One heading. `level` 1 is the title; for RST the level is the order in
/// which each underline style first appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    pub(crate) line: u32,
    pub(crate) level: u8,
    pub(crate) text: String,
    /// `text` as `normalize` makes it: what section names are matched against.
    pub(crate) normalized: String,
    /// The last line of the section's content (before the next heading of the
    /// same or a higher level, or the end of the file).
    pub(crate) end: u32,
    /// Whether the section holds any text besides blank lines and comments.
    pub(crate) has_content: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Markdown,
    Rst,
    /// A plain-text README: underlined titles and `#` headings both count.
    Text,
}

impl Flavor {
    pub(crate) fn of(path: &str) -> Flavor {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".rst") {
            Flavor::Rst
        } else if lower.ends_with(".md") || lower.ends_with(".markdown") {
            Flavor::Markdown
        } else {
            Flavor::Text
        }
    }
}

/// The headings of `text`, skipping the first `skip` lines (front matter).
pub(crate) fn outline(text: &str, flavor: Flavor, skip: usize) -> Vec<Heading> {
    let lines: Vec<&str> = text.lines().collect();
    let mut headings = Vec::new();
    let mut rst_styles: Vec<(char, bool)> = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    let mut index = skip;
    while index < lines.len() {
        let line = lines[index];
        if flavor != Flavor::Rst {
            if let Some(open) = fence {
                if closes_fence(line, open) {
                    fence = None;
                }
                index += 1;
                continue;
            }
            if let Some(open) = opens_fence(line) {
                fence = Some(open);
                index += 1;
                continue;
            }
            if let Some((level, title)) = atx(line) {
                headings.push(heading(index, level, title));
                index += 1;
                continue;
            }
        }
        let next = lines.get(index + 1).copied().unwrap_or("");
        let previous_blank = index == skip || lines[index - 1].trim().is_empty();
        if flavor == Flavor::Markdown {
            if let Some(level) = setext(next)
                && !line.trim().is_empty()
                && previous_blank
                && !line.starts_with("    ")
            {
                headings.push(heading(index, level, line.trim()));
                index += 2;
                continue;
            }
        } else if let Some(style) = rst_underline(line, next, lines.get(index + 2).copied()) {
            let (overline, offset) = style;
            let title_index = index + offset;
            let title = lines[title_index].trim();
            let ch = lines[title_index + 1].trim().chars().next().unwrap_or('=');
            let key = (ch, overline);
            let level = rst_styles
                .iter()
                .position(|s| *s == key)
                .unwrap_or_else(|| {
                    rst_styles.push(key);
                    rst_styles.len() - 1
                });
            headings.push(heading(
                title_index,
                u8::try_from(level + 1).unwrap_or(u8::MAX),
                title,
            ));
            index = title_index + 2;
            continue;
        }
        index += 1;
    }
    close_sections(&mut headings, &lines);
    headings
}

fn heading(index: usize, level: u8, text: &str) -> Heading {
    Heading {
        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        level,
        text: text.to_owned(),
        normalized: normalize(text),
        end: 0,
        has_content: false,
    }
}

/// Fills in each section's end line and whether it has content.
fn close_sections(headings: &mut [Heading], lines: &[&str]) {
    let total = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    let heading_lines: Vec<u32> = headings.iter().map(|h| h.line).collect();
    for i in 0..headings.len() {
        let level = headings[i].level;
        let end = headings[i + 1..]
            .iter()
            .find(|h| h.level <= level)
            .map_or(total, |h| h.line - 1);
        headings[i].end = end;
        // Content: any line of the range that is not blank, a comment, an
        // underline or another heading; a sub-heading with text counts.
        let start = headings[i].line as usize;
        headings[i].has_content = (start..end as usize).any(|j| {
            let line = lines[j].trim();
            let number = u32::try_from(j + 1).unwrap_or(u32::MAX);
            !(line.is_empty()
                || heading_lines.contains(&number)
                || is_underline(line)
                || (line.starts_with("<!--") && line.ends_with("-->"))
                || line.starts_with(".. "))
        });
    }
}

/// `## Title ##` -> (2, "Title").
fn atx(line: &str) -> Option<(u8, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = line.trim_start();
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let after = &rest[hashes..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let title = after.trim().trim_end_matches('#').trim();
    Some((u8::try_from(hashes).unwrap_or(6), title))
}

/// `===` -> 1, `---` -> 2 (under a paragraph line).
fn setext(line: &str) -> Option<u8> {
    let trimmed = line.trim();
    if trimmed.is_empty() || line.len() - line.trim_start().len() > 3 {
        return None;
    }
    if trimmed.chars().all(|c| c == '=') {
        Some(1)
    } else if trimmed.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

fn opens_fence(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start();
    let ch = trimmed.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let run = trimmed.len() - trimmed.trim_start_matches(ch).len();
    (run >= 3).then_some((ch, run))
}

fn closes_fence(line: &str, (ch, run): (char, usize)) -> bool {
    let trimmed = line.trim();
    trimmed.len() >= run && trimmed.chars().all(|c| c == ch)
}

/// A line of one repeated RST punctuation character, at least 3 long.
fn is_underline(line: &str) -> bool {
    let mut chars = line.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    line.len() >= 3 && "=-~^\"'`#*+_:.".contains(first) && chars.all(|c| c == first)
}

/// An RST title at `line` underlined by `next`, or overlined by `line` with
/// the title on `next`: (overlined, offset of the title line from `line`).
fn rst_underline(line: &str, next: &str, after: Option<&str>) -> Option<(bool, usize)> {
    let title = line.trim();
    let underline = next.trim();
    if is_underline(title) {
        let after = after?.trim();
        let ch = title.chars().next()?;
        let overlined = !underline.is_empty()
            && !is_underline(underline)
            && is_underline(after)
            && after.starts_with(ch);
        return overlined.then_some((true, 1));
    }
    let underlined = !title.is_empty()
        && !line.starts_with(' ')
        && is_underline(underline)
        && underline.len() + 2 >= title.chars().count();
    underlined.then_some((false, 0))
}

/// Normalises a heading for comparison: lower case, no emphasis, backticks,
/// trailing colon or numbering.
pub(crate) fn normalize(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '_'))
        .collect();
    let cleaned = cleaned
        .trim()
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
        .trim()
        .trim_end_matches(':')
        .trim();
    cleaned
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether a heading names `name`: equal, or `name` followed by more words
/// ("Usage (from cron)", "Output format").
#[cfg(test)]
pub(crate) fn heading_matches(heading: &str, name: &str) -> bool {
    normalized_matches(&normalize(heading), &normalize(name))
}

/// `heading_matches` for a heading and a name both already normalized:
/// the rules normalize each once, not once per comparison.
pub(crate) fn normalized_matches(heading: &str, name: &str) -> bool {
    heading == name
        || heading
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(|c: char| !c.is_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(text: &str, flavor: Flavor) -> Vec<(u32, u8, String, u32, bool)> {
        outline(text, flavor, 0)
            .into_iter()
            .map(|h| (h.line, h.level, h.text, h.end, h.has_content))
            .collect()
    }

    #[test]
    fn markdown_atx_and_setext_outside_fences() {
        let text = "Tool\n====\n\nIntro.\n\nUsage\n-----\n\n```\n# not a heading\n```\n\n## Output ##\n\n<!-- nothing -->\n";
        assert_eq!(
            titles(text, Flavor::Markdown),
            vec![
                (1, 1, "Tool".into(), 15, true),
                (6, 2, "Usage".into(), 12, true),
                (13, 2, "Output".into(), 15, false),
            ]
        );
    }

    #[test]
    fn rst_underlines_set_levels_in_order_of_appearance() {
        let text = "Tool\n====\n\nPurpose\n-------\nDoes things.\n\nOutput\n------\n";
        let got = titles(text, Flavor::Rst);
        assert_eq!(got[0], (1, 1, "Tool".into(), 9, true));
        assert_eq!(got[1], (4, 2, "Purpose".into(), 7, true));
        assert_eq!(got[2], (8, 2, "Output".into(), 9, false));
    }

    #[test]
    fn headings_match_names_and_longer_titles() {
        assert!(heading_matches("**Usage**:", "usage"));
        assert!(heading_matches("Example output", "example output"));
        assert!(heading_matches("Output format", "output"));
        assert!(!heading_matches("Outputs", "output"));
        assert!(heading_matches("2. Options", "options"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "#",
            "###### ",
            "=\n=",
            "---\n---\n---",
            "```",
            "\n\n-",
            "é\n===",
        ] {
            for flavor in [Flavor::Markdown, Flavor::Rst, Flavor::Text] {
                let _ = outline(text, flavor, 0);
            }
        }
    }
}
