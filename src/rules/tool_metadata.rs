//! OG104: the front matter of a tool's README is valid: TOML between `+++`
//! lines, with known keys of the right types.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ToolMetadataInvalid;

const DOCS: &str = r#"
## What it does
Parses the optional front matter at the very top of a tool's README — TOML
between two `+++` lines — and reports, at its README line, invalid TOML, a
block that is never closed, an unknown key, or a value of the wrong type:

| key | type | meaning |
|---|---|---|
| `maturity` | `"production"` or `"experimental"` | production tools must pin dependencies (OG402) and have tests (OG404); without the key a tool is experimental |
| `owners` | list of strings | the people who answer for the tool |
| `manual_minutes` | number ≥ 0 | minutes of manual work one run replaces |
| `runs_per_month` | number ≥ 0 | how often it runs |
| `runtime_seconds` | number ≥ 0 | how long one automated run takes (`opsgate roi` subtracts it) |

## Why it matters
The metadata decides which rules apply: a typo such as `maturity = "prod"`
would otherwise silently exempt a production tool from the production rules.

## Example
```markdown
+++
maturity = "prod"
team = "network"
+++
# vlan-audit
```
Reported at line 2 (`maturity` must be "production" or "experimental") and
line 3 (unknown key `team`). Fix:
```markdown
+++
maturity = "production"
owners = ["@alice", "@bob"]
+++
# vlan-audit
```

## Configuration
No options.
"#;

impl Rule for ToolMetadataInvalid {
    fn id(&self) -> &'static str {
        "OG104"
    }
    fn name(&self) -> &'static str {
        "tool-metadata"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "A README's +++ TOML front matter is valid, with known keys and types"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        ws.tools()
            .iter()
            .filter_map(|tool| tool.readme.as_ref())
            .flat_map(|readme| {
                readme
                    .front
                    .problems
                    .iter()
                    .map(|(line, message)| Violation::at(readme.path, *line, None, message.clone()))
            })
            .collect()
    }
}
