//! Inline suppressions, each with the reason it is fine and optionally the
//! day it stops working:
//!
//! ```text
//! password = load()  # opsgate: ignore[OG302] read from the vault at run time
//! import os  # opsgate: ignore[F401] until=2027-03-31 re-exported for the old CLI
//! <!-- opsgate: ignore[OG103] the wrapper script takes --dry-run -->
//! ```
//!
//! A trailing suppression covers its own line; one on a line of its own
//! covers that line and the next. It applies to built-in rules
//! and for the tools' findings alike (by code, `F401`, or Pylint's name,
//! `unused-import`); the tools' own `# noqa` and `# pylint: disable` are the
//! tools' business. Without a reason, with an unknown `OG` id or a malformed
//! date it suppresses nothing and is itself a finding (OG002); past its date
//! it suppresses nothing and says so (OG003); one that suppressed nothing in
//! the run is a finding too (OG004).

use std::collections::BTreeMap;

use time::{Date, Month};

use super::RuleSettings;
use super::text::numbered_lines;
use super::{Violation, Workspace, find};
use crate::model::{Finding, Span, ToolId};

const MARKER: &str = "opsgate: ignore[";
const UNTIL: &str = "until=";
pub(crate) const EXPIRED: &str = "OG003";
pub(crate) const UNUSED: &str = "OG004";

/// One `opsgate: ignore[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub(crate) line: u32,
    pub(crate) column: u32,
    /// Opsgate ids upper-cased (a rule name becomes its id); tool codes as written.
    pub(crate) rules: Vec<String>,
    pub(crate) reason: String,
    pub(crate) until: Option<Until>,
    /// On a line of its own (it covers the next line too), not trailing code.
    pub(crate) standalone: bool,
}

/// The `until=` of a suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Until {
    Date(Date),
    /// Not a `YYYY-MM-DD` calendar date; kept to say what was written.
    Malformed(String),
}

impl Suppression {
    fn problem(&self) -> Option<String> {
        if self.rules.is_empty() {
            return Some("suppression names no rule: write `opsgate: ignore[OG301] reason`".into());
        }
        if let Some(unknown) = self.rules.iter().find(|id| !is_valid_id(id)) {
            return Some(format!(
                "suppression names `{unknown}`, which is neither an opsgate rule (`opsgate rules` \
                 lists them) nor a tool's code (F401, W0702, unused-import)"
            ));
        }
        if let Some(Until::Malformed(text)) = &self.until {
            return Some(format!(
                "suppression's `until={text}` is not a date, so it does not suppress: write \
                 `until=YYYY-MM-DD` (e.g. until=2027-03-31)"
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

    fn is_expired(&self, today: Date) -> bool {
        matches!(self.until, Some(Until::Date(until)) if today > until)
    }

    fn is_near(&self, line: u32) -> bool {
        self.line == line || (self.standalone && self.line + 1 == line)
    }

    /// The index of the id that names this finding's rule, by code or name.
    fn naming(&self, finding: &Finding) -> Option<usize> {
        self.rules.iter().position(|id| {
            id.eq_ignore_ascii_case(&finding.rule)
                || finding
                    .rule_name
                    .as_deref()
                    .is_some_and(|name| id.eq_ignore_ascii_case(name))
        })
    }

    #[cfg(test)]
    fn covers(&self, rule: &str, line: u32) -> bool {
        let finding = Finding::new(
            ToolId::Builtin,
            rule,
            crate::Severity::Note,
            "p",
            Span::at(line, None),
            "",
        );
        self.is_near(line) && self.problem().is_none() && self.naming(&finding).is_some()
    }
}

/// An opsgate id must be a rule; anything else is taken for a tool's code
/// (`E501`, `W0702`, `unused-import`, `would-reformat`).
fn is_valid_id(id: &str) -> bool {
    let opsgate_like = id.len() > 2
        && id[..2].eq_ignore_ascii_case("OG")
        && id[2..].bytes().all(|b| b.is_ascii_digit());
    if opsgate_like {
        return find(id).is_some();
    }
    id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The suppressions in one file: `<!-- … -->` comments in READMEs, `#`
/// comments everywhere else.
pub(crate) fn parse(text: &str, markdown: bool) -> Vec<Suppression> {
    // Most files hold none: one search instead of one per line.
    if !text.contains(MARKER) {
        return Vec::new();
    }
    numbered_lines(text)
        .filter_map(|(number, line)| parse_line(number, line, markdown))
        .collect()
}

fn parse_line(number: u32, line: &str, markdown: bool) -> Option<Suppression> {
    let at = line.find(MARKER)?;
    let opener = if markdown { "<!--" } else { "#" };
    let comment = line[..at].find(opener)?;
    let standalone = line[..comment].trim().is_empty();
    let after = &line[at + MARKER.len()..];
    let close = after.find(']')?;
    let rules = after[..close]
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| match find(id) {
            Some(rule) => rule.id().to_owned(),
            None if id.len() > 2 && id[..2].eq_ignore_ascii_case("OG") => id.to_ascii_uppercase(),
            None => id.to_owned(),
        })
        .collect();
    let mut reason = after[close + 1..].trim();
    if markdown {
        reason = reason.strip_suffix("-->").unwrap_or(reason).trim();
    }
    let mut until = None;
    let mut words = Vec::new();
    for word in reason.split_whitespace() {
        match word.strip_prefix(UNTIL) {
            Some(date) if until.is_none() => until = Some(parse_date(date)),
            _ => words.push(word),
        }
    }
    Some(Suppression {
        line: number,
        column: super::text::column(line, at),
        rules,
        reason: words.join(" "),
        until,
        standalone,
    })
}

/// `YYYY-MM-DD`, a real calendar day.
fn parse_date(text: &str) -> Until {
    let parts: Vec<&str> = text.split('-').collect();
    let date = match parts.as_slice() {
        [year, month, day]
            if year.len() == 4
                && month.len() == 2
                && day.len() == 2
                && text.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
        {
            let month = month
                .parse::<u8>()
                .ok()
                .and_then(|m| Month::try_from(m).ok());
            match (year.parse::<i32>(), month, day.parse::<u8>()) {
                (Ok(year), Some(month), Ok(day)) => Date::from_calendar_date(year, month, day).ok(),
                _ => None,
            }
        }
        _ => None,
    };
    date.map_or_else(|| Until::Malformed(text.to_owned()), Until::Date)
}

fn suppressions_in(path: &str, text: &str) -> Vec<Suppression> {
    // READMEs take HTML comments; everything else `#` comments.
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let markdown = name == "readme" || name.starts_with("readme.");
    parse(text, markdown)
}

/// A working suppression and what it did in this run.
struct Tracked {
    suppression: Suppression,
    /// Per id: whether it suppressed a finding.
    used: Vec<bool>,
    /// Past its date, and a finding it would have hidden is reported.
    expired_hit: bool,
}

/// Removes the findings (built-in and tools') that a working suppression
/// covers, and returns the findings about the suppressions themselves: the
/// expired (OG003) and the unused (OG004). `checked(path)` says whether a
/// tool checked the file, so a tool's code there could have been found.
pub(crate) fn apply(
    ws: &Workspace<'_>,
    settings: &RuleSettings,
    findings: &mut Vec<Finding>,
    checked: &dyn Fn(&str) -> bool,
    today: Date,
) -> Vec<Finding> {
    let mut by_path: BTreeMap<String, Vec<Tracked>> = BTreeMap::new();
    for (file, text) in ws.texts() {
        let working: Vec<Tracked> = suppressions_in(&file.path, text)
            .into_iter()
            .filter(|s| s.problem().is_none())
            .map(|suppression| Tracked {
                used: vec![false; suppression.rules.len()],
                suppression,
                expired_hit: false,
            })
            .collect();
        if !working.is_empty() {
            by_path.insert(file.path.clone(), working);
        }
    }
    findings.retain(|finding| {
        let (Some(line), Some(tracked)) = (finding.span.line, by_path.get_mut(&finding.path))
        else {
            return true;
        };
        for t in tracked.iter_mut().filter(|t| t.suppression.is_near(line)) {
            let Some(index) = t.suppression.naming(finding) else {
                continue;
            };
            if t.suppression.is_expired(today) {
                t.expired_hit = true;
            } else {
                t.used[index] = true;
                return false;
            }
        }
        true
    });

    let mut reported = Vec::new();
    let mut report = |id: &str, path: &str, s: &Suppression, message: String| {
        let Some(config) = settings.get(id) else {
            return;
        };
        if let Some(severity) = config.level.severity()
            && config.in_scope(path)
        {
            reported.push(Finding::new(
                ToolId::Builtin,
                id,
                severity,
                path,
                Span::at(s.line, Some(s.column)),
                message,
            ));
        }
    };
    for (path, tracked) in &by_path {
        for t in tracked {
            let s = &t.suppression;
            let ids = s.rules.join(", ");
            if let Some(Until::Date(until)) = s.until
                && s.is_expired(today)
            {
                let what = if t.expired_hit {
                    "the finding it hid is reported again: fix it, or renew the date with a reason"
                } else {
                    "and it would suppress nothing now: remove it"
                };
                report(
                    EXPIRED,
                    path,
                    s,
                    format!("suppression of {ids} expired on {until}; {what}"),
                );
                continue;
            }
            let unused: Vec<&str> = s
                .rules
                .iter()
                .zip(&t.used)
                .filter(|(id, used)| !**used && could_report(settings, checked, id, path))
                .map(|(id, _)| id.as_str())
                .collect();
            if !unused.is_empty() {
                report(
                    UNUSED,
                    path,
                    s,
                    format!(
                        "suppression of {} suppresses nothing here: remove it (or the ids that \
                         no longer apply)",
                        unused.join(", ")
                    ),
                );
            }
        }
    }
    reported
}

/// Whether this run could have reported `id` on `path`: an enabled opsgate
/// rule, or a tool's code in a file a tool checked.
fn could_report(
    settings: &RuleSettings,
    checked: &dyn Fn(&str) -> bool,
    id: &str,
    path: &str,
) -> bool {
    match find(id) {
        Some(rule) => settings
            .get(rule.id())
            .is_some_and(|config| config.level.severity().is_some()),
        None => checked(path),
    }
}

/// Suppressions that do not work: no reason, no rule, an unknown opsgate
/// id, a malformed date.
pub(crate) fn problems(ws: &Workspace<'_>) -> Vec<Violation> {
    ws.texts()
        .flat_map(|(file, text)| {
            suppressions_in(&file.path, text)
                .into_iter()
                .filter_map(|s| {
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
    use crate::model::ToolKind;

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
    fn until_is_parsed_out_of_the_reason() {
        let found = parse(
            "# opsgate: ignore[OG301] until=2027-03-31 lab host\n\
             # opsgate: ignore[F401] re-export until=2027-02-30\n\
             # opsgate: ignore[F401] until=soon\n",
            false,
        );
        let date = Date::from_calendar_date(2027, Month::March, 31).unwrap();
        assert_eq!(found[0].until, Some(Until::Date(date)));
        assert_eq!(found[0].reason, "lab host");
        assert!(found[0].problem().is_none());
        assert_eq!(found[1].until, Some(Until::Malformed("2027-02-30".into())));
        assert!(found[1].problem().unwrap().contains("YYYY-MM-DD"));
        assert!(found[2].problem().unwrap().contains("`until=soon`"));
        // A date alone is no reason.
        let bare = parse("# opsgate: ignore[OG301] until=2027-03-31\n", false);
        assert!(bare[0].problem().unwrap().contains("no reason"));
    }

    #[test]
    fn tool_codes_and_names_are_ids() {
        let found = parse(
            "# opsgate: ignore[F401, W0702, unused-import, tool-owners] ok\n\
             # opsgate: ignore[F401 x] ok\n",
            false,
        );
        assert_eq!(found[0].rules, ["F401", "W0702", "unused-import", "OG203"]);
        assert!(found[0].problem().is_none());
        assert!(found[0].covers("F401", 2));
        assert!(found[1].problem().unwrap().contains("`F401 x`"));
    }

    mod applied {
        use super::*;
        use crate::Severity;

        use crate::rules::workspace::testing::repo;

        fn tool_finding(rule: &str, name: Option<&str>, line: u32) -> Finding {
            let mut finding = Finding::new(
                ToolKind::Pylint,
                rule,
                Severity::Warning,
                "net/tool/run.py",
                Span::at(line, Some(1)),
                "m",
            );
            finding.rule_name = name.map(str::to_owned);
            finding
        }

        fn apply_to(source: &str, findings: &mut Vec<Finding>, checked: bool) -> Vec<Finding> {
            let (_dir, repo) = repo(&[("net/tool/run.py", source)]);
            let ws = Workspace::load(&repo);
            let settings = RuleSettings::resolve(&std::collections::BTreeMap::new()).unwrap();
            let today = Date::from_calendar_date(2027, Month::April, 1).unwrap();
            apply(&ws, &settings, findings, &|_| checked, today)
        }

        #[test]
        fn tool_findings_are_suppressed_by_code_or_name() {
            let source = "import os  # opsgate: ignore[W0611] kept for the plugin loader\n\
                          # opsgate: ignore[bare-except] the loop must survive\n\
                          try_it()\n";
            let mut findings = vec![
                tool_finding("W0611", Some("unused-import"), 1),
                tool_finding("W0702", Some("bare-except"), 3),
                tool_finding("W0702", Some("bare-except"), 4),
            ];
            let about = apply_to(source, &mut findings, true);
            assert_eq!(findings.len(), 1);
            assert_eq!(findings[0].span.line, Some(4));
            assert!(about.is_empty(), "{about:?}");
        }

        #[test]
        fn an_expired_suppression_stops_working_and_says_so() {
            let source = "import os  # opsgate: ignore[W0611] until=2027-03-31 plugin loader\n\
                          import re  # opsgate: ignore[W0611] until=2027-04-01 still today\n\
                          x = 1  # opsgate: ignore[W0612] until=2020-01-01 long fixed\n";
            let mut findings = vec![
                tool_finding("W0611", None, 1),
                tool_finding("W0611", None, 2),
            ];
            let about = apply_to(source, &mut findings, true);
            assert_eq!(findings.len(), 1, "{findings:?}");
            assert_eq!(findings[0].span.line, Some(1));
            let expired: Vec<_> = about.iter().filter(|f| f.rule == EXPIRED).collect();
            assert_eq!(expired.len(), 2, "{about:?}");
            assert!(expired[0].message.contains("expired on 2027-03-31"));
            assert!(expired[0].message.contains("reported again"));
            assert!(expired[1].message.contains("suppress nothing"));
            assert!(about.iter().all(|f| f.rule != UNUSED), "{about:?}");
        }

        #[test]
        fn unused_suppressions_are_findings_where_they_could_have_worked() {
            let source = "import os  # opsgate: ignore[W0611, F401] both linters\n\
                          x = 1  # opsgate: ignore[OG301] no path here\n";
            let mut findings = vec![tool_finding("W0611", None, 1)];
            let about = apply_to(source, &mut findings, true);
            let unused: Vec<&str> = about.iter().map(|f| f.message.as_str()).collect();
            assert_eq!(unused.len(), 2, "{unused:?}");
            assert!(
                unused[0].contains("of F401 suppresses nothing"),
                "{unused:?}"
            );
            assert!(
                unused[1].contains("of OG301 suppresses nothing"),
                "{unused:?}"
            );
            // Where no tool looked, only the opsgate id can be judged.
            let mut findings = Vec::new();
            let about = apply_to(source, &mut findings, false);
            assert_eq!(about.len(), 1, "{about:?}");
            assert!(about[0].message.contains("OG301"));
        }
    }

    #[test]
    fn covers_its_line_and_the_next() {
        let s = &parse("# opsgate: ignore[OG301] ok\n", false)[0];
        assert!(s.covers("OG301", 1));
        assert!(s.covers("OG301", 2));
        assert!(!s.covers("OG301", 3));
        assert!(!s.covers("OG302", 2));
    }

    #[test]
    fn a_trailing_suppression_covers_only_its_line() {
        let s = &parse(
            "import os  # opsgate: ignore[F401] plugin\nimport sys\n",
            false,
        )[0];
        assert!(s.covers("F401", 1));
        assert!(!s.covers("F401", 2));
        let md = &parse("text <!-- opsgate: ignore[OG103] wrapper -->\n", true)[0];
        assert!(!md.standalone);
    }
}
