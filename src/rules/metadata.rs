//! Per-tool metadata: an optional TOML front-matter block between `+++`
//! lines at the very top of a tool's README.
//!
//! ```text
//! +++
//! maturity = "production"        # production | experimental
//! owners = ["@alice", "@bob"]
//! manual_minutes = 30            # what a run saves, in minutes
//! runs_per_month = 20
//! runtime_seconds = 45           # how long one automated run takes
//! +++
//! ```
//!
//! Parsed with a real TOML parser; a problem (bad TOML, unknown key, wrong
//! type) is reported at its README line and never stops the run. A tool
//! without the block is `experimental`.

use toml::de::{DeTable, DeValue};

use super::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Maturity {
    Production,
    #[default]
    Experimental,
}

/// What a tool declares about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ToolMetadata {
    pub(crate) maturity: Maturity,
    /// The README line of `maturity`, when declared.
    pub(crate) maturity_line: Option<u32>,
    pub(crate) owners: Vec<String>,
    pub(crate) manual_minutes: Option<f64>,
    pub(crate) runs_per_month: Option<f64>,
    /// Seconds one automated run takes, for `opsgate roi`.
    pub(crate) runtime_seconds: Option<f64>,
}

impl ToolMetadata {
    pub(crate) fn is_production(&self) -> bool {
        self.maturity == Maturity::Production
    }
}

/// The parsed block, the problems found (README line, message), and how many
/// lines of the README the block takes (0 without one).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FrontMatter {
    pub(crate) metadata: ToolMetadata,
    pub(crate) problems: Vec<(u32, String)>,
    pub(crate) lines: usize,
}

const KEYS: &str = "maturity, owners, manual_minutes, runs_per_month, runtime_seconds";

pub(crate) fn parse(readme: &str) -> FrontMatter {
    let mut front = FrontMatter::default();
    let mut lines = readme.lines();
    if lines.next().map(str::trim_end) != Some("+++") {
        return front;
    }
    let Some(close) = lines.position(|l| l.trim_end() == "+++") else {
        front.problems.push((
            1,
            "front matter opened with `+++` is never closed by a `+++` line".into(),
        ));
        front.lines = 1;
        return front;
    };
    front.lines = close + 2;
    // The body starts on line 2; byte offsets below are into `body`.
    let body_start = readme.find('\n').map_or(readme.len(), |i| i + 1);
    let body: String = readme[body_start..]
        .lines()
        .take(close)
        .flat_map(|l| [l, "\n"])
        .collect();
    let line_at = |offset: usize| text::line_of(&body, offset) + 1;
    let table = match DeTable::parse(&body) {
        Ok(table) => table,
        Err(err) => {
            let line = err.span().map_or(2, |span| line_at(span.start));
            let message = err
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_owned();
            front
                .problems
                .push((line, format!("front matter is not valid TOML: {message}")));
            return front;
        }
    };
    for (key, value) in table.get_ref() {
        let line = line_at(key.span().start);
        let name = key.get_ref().as_ref();
        let problem = match name {
            "maturity" => match value.get_ref().as_str() {
                Some("production") => {
                    front.metadata.maturity = Maturity::Production;
                    front.metadata.maturity_line = Some(line);
                    None
                }
                Some("experimental") => {
                    front.metadata.maturity_line = Some(line);
                    None
                }
                _ => Some(format!(
                    "`maturity` must be \"production\" or \"experimental\", not {}",
                    describe(value.get_ref())
                )),
            },
            "owners" => match owners(value.get_ref()) {
                Some(list) => {
                    front.metadata.owners = list;
                    None
                }
                None => Some(format!(
                    "`owners` must be a list of strings, not {}",
                    describe(value.get_ref())
                )),
            },
            "manual_minutes" | "runs_per_month" | "runtime_seconds" => {
                match number(value.get_ref()) {
                    Some(n) => {
                        let field = match name {
                            "manual_minutes" => &mut front.metadata.manual_minutes,
                            "runs_per_month" => &mut front.metadata.runs_per_month,
                            _ => &mut front.metadata.runtime_seconds,
                        };
                        *field = Some(n);
                        None
                    }
                    None => Some(format!(
                        "`{name}` must be a number of at least 0, not {}",
                        describe(value.get_ref())
                    )),
                }
            }
            other => Some(format!(
                "unknown front-matter key `{other}` (known: {KEYS})"
            )),
        };
        if let Some(message) = problem {
            front.problems.push((line, message));
        }
    }
    front.problems.sort_by_key(|(line, _)| *line);
    front
}

fn owners(value: &DeValue<'_>) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.get_ref().as_str().map(str::to_owned))
        .collect()
}

fn number(value: &DeValue<'_>) -> Option<f64> {
    let n = match value {
        DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok()?,
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok()?,
        _ => return None,
    };
    (n.is_finite() && n >= 0.0).then_some(n)
}

fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("\"{}\"", s.as_ref()),
        other => format!("a {}", other.type_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_block_is_parsed() {
        let front = parse(
            "+++\nmaturity = \"production\"\nowners = [\"@a\", \"@b\"]\nmanual_minutes = 30\nruns_per_month = 2.5\nruntime_seconds = 4\n+++\n# tool\n",
        );
        assert!(front.problems.is_empty(), "{:?}", front.problems);
        assert!(front.metadata.is_production());
        assert_eq!(front.metadata.maturity_line, Some(2));
        assert_eq!(front.metadata.owners, ["@a", "@b"]);
        assert_eq!(front.metadata.manual_minutes, Some(30.0));
        assert_eq!(front.metadata.runs_per_month, Some(2.5));
        assert_eq!(front.metadata.runtime_seconds, Some(4.0));
        assert_eq!(front.lines, 7);
    }

    #[test]
    fn no_block_means_experimental() {
        let front = parse("# tool\n+++\n");
        assert_eq!(front, FrontMatter::default());
    }

    #[test]
    fn problems_are_reported_at_their_readme_line() {
        let front = parse(
            "+++\nmaturity = \"beta\"\nowners = \"@a\"\nteam = \"x\"\nruns_per_month = -1\n+++\n",
        );
        let lines: Vec<u32> = front.problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{:?}", front.problems);
        assert!(
            front.problems[2]
                .1
                .contains("unknown front-matter key `team`")
        );
        assert!(!front.metadata.is_production());
    }

    #[test]
    fn malformed_blocks_do_not_panic() {
        let bad = parse("+++\nmaturity = \n+++\n");
        assert_eq!(bad.problems.len(), 1);
        assert_eq!(bad.problems[0].0, 2);
        assert!(bad.problems[0].1.contains("not valid TOML"));
        let open = parse("+++\nmaturity = \"production\"\n");
        assert_eq!(open.problems[0].0, 1);
        for text in ["+++", "+++\n+++", "+++\n[x\n+++", "+++\n\u{0}\n+++"] {
            let _ = parse(text);
        }
    }
}
