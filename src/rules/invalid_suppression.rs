//! OG002: an inline suppression must name a rule and say why; one that does
//! not is reported instead of silently hiding a finding.

use super::{Rule, RuleOptions, Violation, Workspace, suppress};
use crate::model::RuleLevel;

pub(crate) struct InvalidSuppression;

const DOCS: &str = r#"
## What it does
Reports `opsgate: ignore[...]` comments that suppress nothing: without a
reason after the `]`, with no rule id, naming an `OG` id that is not an
opsgate rule, or with an `until=` that is not a `YYYY-MM-DD` date.

## Why it matters
A suppression is a decision someone will have to revisit. Without the reason
the next reader cannot tell a considered exception from a shortcut, so a
suppression without one does not count.

## Example
```python
BASE = "/home/alice/ops"  # opsgate: ignore[OG301]
```
Fix: say why.
```python
BASE = "/home/alice/ops"  # opsgate: ignore[OG301] test fixture mirrors the lab host
```

## Configuration
No options.
"#;

impl Rule for InvalidSuppression {
    fn id(&self) -> &'static str {
        "OG002"
    }
    fn name(&self) -> &'static str {
        "invalid-suppression"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "An inline suppression without a reason, with an unknown rule id or a malformed date"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        suppress::problems(ws)
    }
}
