//! OG406: under `--new-only`, the lines a change adds are executed by a test.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::{RuleLevel, ranges};

pub(crate) struct UncoveredNewLines;

const DOCS: &str = r"
## What it does
Under `--new-only`, when the tests run under coverage, looks at every line
added or changed since the merge base in the code coverage measures (the
tool folders and the shared libraries, tests aside): a statement there that
no test executed is a finding, consecutive ones joined into one finding.
Without `--new-only` it reports nothing: the gaps that were there before a
change are the tool's figure (OG405), not the change's.

## Why it matters
A legacy repository raises its coverage one merge request at a time when
each must test what it adds — the gate diff-cover and GitLab's merge
request coverage view give teams.

## Example
```text
networking/vlan-audit/vlan_audit.py:41-44  lines 41-44 are new and no test executes them
```
Fix: add a test that runs the new branch; if it cannot run under test, say
why in a suppression on its first line.

## Configuration
No options. Its severity and paths, as for every rule, under
`[rules.OG406]`. A shard (`--shard`) runs part of the tests: it judges the
new lines of tool folders alone.
";

impl Rule for UncoveredNewLines {
    fn id(&self) -> &'static str {
        "OG406"
    }
    fn name(&self) -> &'static str {
        "uncovered-new-lines"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Under --new-only, every added or changed statement is executed by a test"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let (Some(coverage), Some(changes)) = (ws.coverage, ws.changes) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for file in coverage.files() {
            // A shard ran part of the tests: a shared library's lines another
            // shard's tests execute would look uncovered here.
            if ws.partial_tests && ws.repo.tool_of(&file.path).is_none() {
                continue;
            }
            let new: Vec<u32> = file
                .missing()
                .into_iter()
                .filter(|&line| changes.touches(&file.path, line, line))
                .collect();
            for (first, last) in ranges(&new) {
                let message = if first == last {
                    format!("line {first} is new and no test executes it")
                } else {
                    format!("lines {first}-{last} are new and no test executes them")
                };
                found.push(Violation::at(file.path.clone(), first, None, message).through(last));
            }
        }
        found
    }
}
