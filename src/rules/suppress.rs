//! Inline suppressions of built-in rules, each with the reason it is fine:
//!
//! ```text
//! password = load()  # opsgate: ignore[OG302] read from the vault at run time
//! <!-- opsgate: ignore[OG103] the wrapper script takes --dry-run -->
//! ```
//!
//! A suppression covers its own line and the line below. Without a reason it
//! suppresses nothing and is itself a finding (OG002), as is an unknown id.

use std::collections::HashMap;

use super::text::numbered_lines;
use super::{Violation, Workspace, find};
use crate::finding::Finding;
use crate::repo::FileKind;

const MARKER: &str = "opsgate: ignore[";

/// One `opsgate: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) rules: Vec<String>,
    pub(crate) reason: String,
}

impl Suppression {
    fn problem(&self) -> Option<String> {
        if self.rules.is_empty() {
            return Some("suppression names no rule: write `opsgate: ignore[OG301] reason`".into());
        }
        if let Some(unknown) = self.rules.iter().find(|id| find(id).is_none()) {
            return Some(format!(
                "suppression names `{unknown}`, which is not an opsgate rule (`opsgate rules` lists them)"
            ));
        }
        if !self.reason.chars().any(char::is_alphanumeric) {
            return Some(format!(
                "suppression of {} has no reason, so it does not suppress: add why after the `]`",
                self.rules.join(", ")
            ));
        }
        None
    }

    fn covers(&self, rule: &str, line: u32) -> bool {
        (self.line == line || self.line + 1 == line)
            && self.problem().is_none()
            && self.rules.iter().any(|id| id.eq_ignore_ascii_case(rule))
    }
}

/// The suppressions in one file: `<!-- … -->` comments in READMEs, `#`
/// comments everywhere else.
pub(crate) fn parse(text: &str, markdown: bool) -> Vec<Suppression> {
    numbered_lines(text)
        .filter_map(|(number, line)| parse_line(number, line, markdown))
        .collect()
}

fn parse_line(number: u32, line: &str, markdown: bool) -> Option<Suppression> {
    let at = line.find(MARKER)?;
    let opener = if markdown { "<!--" } else { "#" };
    if !line[..at].contains(opener) {
        return None;
    }
    let after = &line[at + MARKER.len()..];
    let close = after.find(']')?;
    let rules = after[..close]
        .split(',')
        .map(|id| id.trim().to_ascii_uppercase())
        .filter(|id| !id.is_empty())
        .collect();
    let mut reason = after[close + 1..].trim();
    if markdown {
        reason = reason.strip_suffix("-->").unwrap_or(reason).trim();
    }
    Some(Suppression {
        line: number,
        column: super::text::column(line, at),
        rules,
        reason: reason.to_owned(),
    })
}

fn suppressions_of(ws: &Workspace<'_>, path: &str) -> Vec<Suppression> {
    let Some(text) = ws.text(path) else {
        return Vec::new();
    };
    // READMEs take HTML comments; everything else `#` comments.
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let markdown = name == "readme" || name.starts_with("readme.");
    parse(text, markdown)
}

/// Removes the findings an inline suppression with a reason covers.
pub(crate) fn apply(ws: &Workspace<'_>, findings: &mut Vec<Finding>) {
    let mut cache: HashMap<String, Vec<Suppression>> = HashMap::new();
    findings.retain(|finding| {
        let Some(line) = finding.span.line else {
            return true;
        };
        let suppressions = cache
            .entry(finding.path.clone())
            .or_insert_with(|| suppressions_of(ws, &finding.path));
        !suppressions.iter().any(|s| s.covers(&finding.rule, line))
    });
}

/// Suppressions that do not work: no reason, no rule, an unknown rule.
pub(crate) fn problems(ws: &Workspace<'_>) -> Vec<Violation> {
    ws.files_of(|kind| kind != FileKind::Other)
        .flat_map(|file| {
            suppressions_of(ws, &file.path).into_iter().filter_map(|s| {
                let message = s.problem()?;
                Some(Violation::at(
                    file.path.clone(),
                    s.line,
                    Some(s.column),
                    message,
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ids_and_reason() {
        let found = parse(
            "x = 1  # opsgate: ignore[OG301, og302] fixture path\n# opsgate: ignore[OG301]\n",
            false,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].rules, ["OG301", "OG302"]);
        assert_eq!(found[0].reason, "fixture path");
        assert_eq!(found[0].column, 10);
        assert!(found[0].problem().is_none());
        assert!(found[1].problem().unwrap().contains("has no reason"));
    }

    #[test]
    fn markdown_needs_an_html_comment() {
        let found = parse(
            "<!-- opsgate: ignore[OG103] wrapper flag -->\nopsgate: ignore[OG103] not a comment\n",
            true,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].reason, "wrapper flag");
        let empty = parse("<!-- opsgate: ignore[OG103] -->\n", true);
        assert!(empty[0].problem().is_some());
    }

    #[test]
    fn unknown_ids_are_problems_and_cover_nothing() {
        let found = parse("# opsgate: ignore[OG999] because\n", false);
        assert!(found[0].problem().unwrap().contains("`OG999`"));
        assert!(!found[0].covers("OG999", 1));
    }

    #[test]
    fn covers_its_line_and_the_next() {
        let s = &parse("# opsgate: ignore[OG301] ok\n", false)[0];
        assert!(s.covers("OG301", 1));
        assert!(s.covers("OG301", 2));
        assert!(!s.covers("OG301", 3));
        assert!(!s.covers("OG302", 2));
    }
}
