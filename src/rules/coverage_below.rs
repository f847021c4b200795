//! OG405: a tool's tests execute at least `[gate] min_coverage` of its code.

use super::{Maturity, Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct CoverageBelow;

const DOCS: &str = r#"
## What it does
When the tests run under coverage (`[tools.pytest] coverage = true`, the
default), adds up what each tool's tests execute of the tool's code — every
Python file in its folder but the tests and `conftest.py`, as coverage.py
counts statements — and compares it with `[gate] min_coverage` for the
tool's maturity (the README's front matter; `experimental` without one).
Below it, the finding points at the README's `maturity` line (else its
first line, else the tool's first script) and gives the figure. The figure
is judged as every report shows it, to a tenth (79.96 % is 80.0 % and meets
80), as coverage.py's `fail_under` judges its rounded total; it never shows
100.0 % while a statement did not run.

## Why it matters
A test file that imports a script and asserts nothing passes; it runs the
imports and little else. The share of statements the tests execute is the
measure teams already use in review and in GitLab's merge requests.

## Example
```text
networking/dns-check/README.md     maturity = "production"
networking/dns-check/dns_check.py  44 of 69 statements run by its tests (63.7%)
```
Fix: test the paths that do not run (the Cobertura report,
`--output cobertura=FILE`, shows them line by line), or set a threshold for
the folder in an override while its tests catch up.

## Configuration
`[gate] min_coverage` (per folder, like `fail_on`): a percentage for every
tool (`min_coverage = 80`) or one per maturity (the default:
`min_coverage = { production = 80, experimental = 0 }`); a maturity the
table does not name has no threshold.
"#;

impl Rule for CoverageBelow {
    fn id(&self) -> &'static str {
        "OG405"
    }
    fn name(&self) -> &'static str {
        "tool-coverage-below"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "A tool's tests execute at least `[gate] min_coverage` percent of its code"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, options: &RuleOptions<'_>) -> Vec<Violation> {
        let Some(coverage) = ws.coverage else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for tool in ws.tools() {
            let figure = coverage.figure_below(tool.path());
            // Nothing measured: no test ran for it (OG404's business).
            if figure.statements == 0 {
                continue;
            }
            let metadata = tool.metadata();
            let maturity = match metadata.maturity {
                Maturity::Production => "production",
                Maturity::Experimental => "experimental",
            };
            let Some(threshold) = options.min_coverage(tool.path()).for_maturity(maturity) else {
                continue;
            };
            // Judged as shown: a tool every report shows at 80.0 % meets 80.
            if figure.shown() >= threshold {
                continue;
            }
            let message = format!(
                "{}: its tests execute {:.1}% of its code ({} of {} statements), below the {}% \
                 `min_coverage` sets for {maturity} tools",
                tool.path(),
                figure.shown(),
                figure.covered,
                figure.statements,
                threshold
            );
            let violation = match (&tool.readme, tool.files.iter().find(|f| f.kind.is_script())) {
                (Some(readme), _) => Violation::at(
                    readme.path,
                    metadata.maturity_line.unwrap_or(1),
                    None,
                    message,
                ),
                (None, Some(script)) => Violation::whole(script.path.clone(), message),
                (None, None) => Violation::whole(tool.path(), message),
            };
            found.push(violation.scoped(tool.path()));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Coverage, Figure, FileCoverage};
    use crate::rules::workspace::testing::repo;

    const PRODUCTION: &str = "+++\nmaturity = \"production\"\n+++\n# t\n";

    /// OG405's findings in a repository of `files` whose tests executed the
    /// first `executed` of each `(path, statements, executed)`.
    fn found(files: &[(&str, &str)], measured: &[(&str, u32, u32)]) -> Vec<Violation> {
        let (_dir, repo) = repo(files);
        let coverage: Coverage = measured
            .iter()
            .map(|&(path, statements, executed)| FileCoverage::first(path, statements, executed))
            .collect();
        let mut ws = Workspace::load(&repo);
        ws.coverage = Some(&coverage);
        CoverageBelow.check(&ws, &RuleOptions::default())
    }

    #[test]
    fn a_production_tool_below_its_threshold_is_found_on_its_maturity_line() {
        let found = found(
            &[
                ("net/low/low.py", ""),
                ("net/low/README.md", PRODUCTION),
                ("net/high/high.py", ""),
                ("net/high/README.md", PRODUCTION),
                ("net/trial/trial.py", ""),
                ("net/trial/README.md", "# t\n"),
                ("net/untested/u.py", ""),
            ],
            &[
                ("net/low/low.py", 100, 79),
                ("net/high/high.py", 10, 8),
                ("net/trial/trial.py", 10, 0),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].path.as_str(), found[0].line),
            ("net/low/README.md", Some(2))
        );
        assert!(
            found[0]
                .message
                .contains("79.0% of its code (79 of 100 statements)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn without_measurements_nothing_is_found() {
        let (_dir, repo) = repo(&[("net/low/low.py", "")]);
        let ws = Workspace::load(&repo);
        assert!(CoverageBelow.check(&ws, &RuleOptions::default()).is_empty());
    }

    #[test]
    fn the_figure_is_judged_as_the_reports_show_it() {
        // 79.96 % is shown as 80.0 %, and meets 80; 79.94 % is shown as
        // 79.9 %, and does not.
        let found = found(
            &[
                ("net/edge/edge.py", ""),
                ("net/edge/README.md", PRODUCTION),
                ("net/under/under.py", ""),
                ("net/under/README.md", PRODUCTION),
            ],
            &[
                ("net/edge/edge.py", 10000, 7996),
                ("net/under/under.py", 10000, 7994),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, "net/under/README.md");
        assert!(
            found[0].message.contains("79.9% of its code"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_threshold_of_100_needs_every_statement() {
        let figure = Figure {
            covered: 9999,
            statements: 10000,
        };
        assert!(figure.shown() < 100.0);
    }
}
