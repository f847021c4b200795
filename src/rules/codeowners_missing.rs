//! OG201: the repository has a CODEOWNERS file where GitHub or GitLab reads one.

use super::codeowners::LOCATIONS;
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::FileKind;
use crate::model::RuleLevel;

pub(crate) struct CodeownersMissing;

const DOCS: &str = r"
## What it does
Reports a repository with tool folders but no `CODEOWNERS` file in any place
the platforms read one: `.github/`, the root, `docs/` (GitHub) or `.gitlab/`
(GitLab). One finding for the repository.

## Why it matters
CODEOWNERS is how the platform requests review from the people who know a
tool, and how branch protection requires their approval. Without it, any
change can be merged by anyone with write access.

## Example
```text
networking/dns-check/dns_check.py     (no CODEOWNERS anywhere)
```
Fix: add `CODEOWNERS` (or `.github/CODEOWNERS`):
```text
/networking/dns-check/ @alice @bob
```

## Configuration
No options.
";

impl Rule for CodeownersMissing {
    fn id(&self) -> &'static str {
        "OG201"
    }
    fn name(&self) -> &'static str {
        "codeowners-missing"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "A CODEOWNERS file exists where GitHub or GitLab reads it"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let present = ws.files_of(|k| k == FileKind::Codeowners).next().is_some();
        if present || ws.repo.tools.is_empty() {
            return Vec::new();
        }
        vec![Violation::whole(
            "CODEOWNERS",
            format!(
                "no CODEOWNERS file (looked for {}), so no tool has an owner",
                LOCATIONS.join(", ")
            ),
        )]
    }
}
