//! OG404: a production tool has at least one test file pytest would collect.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::FileKind;
use crate::model::RuleLevel;

pub(crate) struct UntestedTool;

const DOCS: &str = r#"
## What it does
For each tool whose README front matter says `maturity = "production"`,
looks for a test file pytest collects by default — `test_*.py` or
`*_test.py` — in the tool's folder or below it. Without one, the finding
points at the `maturity` line of the README.

## Why it matters
A production script runs against real systems; its tests are what lets the
next person change it without learning its failure modes in production.

## Example
```text
networking/dns-check/README.md     maturity = "production"
networking/dns-check/dns_check.py  (no test_*.py beside it)
```
Fix: add `networking/dns-check/test_dns_check.py`, or mark the tool
`maturity = "experimental"` until it has tests.

## Configuration
No options.
"#;

impl Rule for UntestedTool {
    fn id(&self) -> &'static str {
        "OG404"
    }
    fn name(&self) -> &'static str {
        "production-tool-untested"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "A production tool has a test file pytest collects (test_*.py, *_test.py)"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        for tool in ws.tools() {
            let metadata = tool.metadata();
            let (Some(readme), true) = (&tool.readme, metadata.is_production()) else {
                continue;
            };
            let tested = tool
                .files
                .iter()
                .any(|f| f.kind == FileKind::Python { test: true });
            if !tested {
                let line = metadata.maturity_line.unwrap_or(1);
                found.push(
                    Violation::at(
                        readme.path,
                        line,
                        None,
                        format!("{} is a production tool without tests (no test_*.py or *_test.py in its folder)", tool.path()),
                    )
                    .scoped(tool.path()),
                );
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn production_tools_need_a_collected_test() {
        let production = "+++\nmaturity = \"production\"\n+++\n# t\n";
        let (_dir, repo) = repo(&[
            ("net/tested/t.py", ""),
            ("net/tested/README.md", production),
            ("net/tested/tests/test_t.py", ""),
            ("net/untested/u.py", ""),
            ("net/untested/README.md", production),
            ("net/untested/check_u.py", ""),
            ("net/experimental/e.py", ""),
            ("net/experimental/README.md", "# e\n"),
        ]);
        let ws = Workspace::load(&repo);
        let found = UntestedTool.check(&ws, &RuleOptions::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].path.as_str(), found[0].line),
            ("net/untested/README.md", Some(2))
        );
    }
}
