//! OG003: an inline suppression past its `until=` date. It no longer
//! suppresses, so the finding it hid is reported again, and this finding
//! says why. Reported by `suppress::apply` once every finding is in.

use super::{Rule, RuleOptions, Violation, Workspace, suppress};
use crate::model::RuleLevel;

pub(crate) struct ExpiredSuppression;

const DOCS: &str = r#"
## What it does
Reports an `opsgate: ignore[...]` comment whose `until=YYYY-MM-DD` date has
passed (the suppression works through that day, in UTC). From the next day
it suppresses nothing: the finding it hid is reported again, with this one
beside it saying why.

## Why it matters
Many suppressions are meant to be temporary — a lab host that goes away, a
library to upgrade next quarter. A date makes the exception come back to
someone's desk instead of living forever.

## Example
```python
BASE = "/home/labadmin/ops"  # opsgate: ignore[OG301] until=2027-03-31 lab host retired in Q1
```
After 2027-03-31: fix the finding, or renew the date with a new reason.
A date that is not `YYYY-MM-DD` is an OG002 finding, and the suppression
does not work at all.

## Configuration
No options.
"#;

impl Rule for ExpiredSuppression {
    fn id(&self) -> &'static str {
        suppress::EXPIRED
    }
    fn name(&self) -> &'static str {
        "expired-suppression"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "An inline suppression past its until= date: it no longer suppresses"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, _: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        // Needs every finding of the run: see `suppress::apply`.
        Vec::new()
    }
}
