//! OG004: an inline suppression that suppressed nothing in the run.
//! Reported by `suppress::apply` once every finding is in.

use super::{Rule, RuleOptions, Violation, Workspace, suppress};
use crate::model::RuleLevel;

pub(crate) struct UnusedSuppression;

const DOCS: &str = r#"
## What it does
Reports an `opsgate: ignore[...]` comment, or an id in it, that hid no
finding in this run: the problem was fixed, the code moved, or the id is
misspelt. An id is judged only when the run could have reported it: an
opsgate rule that is not `off`, or a tool's code (`F401`, `W0702`,
`unused-import`) in a file a tool checked.

## Why it matters
A stale suppression hides the next real finding on that line, and tells
readers about a problem that is no longer there.

## Example
```python
import json  # opsgate: ignore[F401] re-exported for the old CLI
```
after `json` became used. Fix: remove the comment (or the id that no longer
applies).

## Configuration
No options. `severity = "off"` under `[rules.OG004]` turns it off.
"#;

impl Rule for UnusedSuppression {
    fn id(&self) -> &'static str {
        suppress::UNUSED
    }
    fn name(&self) -> &'static str {
        "unused-suppression"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "An inline suppression that suppressed nothing in this run"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, _: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        // Needs every finding of the run: see `suppress::apply`.
        Vec::new()
    }
}
