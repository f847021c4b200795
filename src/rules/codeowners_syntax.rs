//! OG202: every line of every CODEOWNERS file is one the platforms accept.

use super::codeowners::Codeowners;
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::FileKind;
use crate::model::RuleLevel;

pub(crate) struct CodeownersSyntax;

const DOCS: &str = r"
## What it does
Reports, at file, line and column, CODEOWNERS lines the platforms reject or
silently ignore: an owner that is not `@user`, `@org/team` (GitLab: nested
`@group/sub/team`, `@@role`) or an e-mail address, a malformed GitLab section
header, a pattern with `***`. Patterns follow gitignore syntax; `#` starts a
comment, `\#` and `\ ` escape. An entry with a pattern and no owners is valid
(on GitHub it leaves the path unowned; on GitLab it takes the section's
default owners).

## Why it matters
GitHub shows such lines as errors and skips them; GitLab ignores the bad
owner. Either way the review the file promises does not happen.

## Example
```text
/networking/dns-check/ alice @bob
```
Reported: `alice` is not an owner (line 1, column 24). Fix: `@alice`.

## Configuration
No options.
";

impl Rule for CodeownersSyntax {
    fn id(&self) -> &'static str {
        "OG202"
    }
    fn name(&self) -> &'static str {
        "codeowners-syntax"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Error
    }
    fn summary(&self) -> &'static str {
        "CODEOWNERS lines are valid: owners are @user, @org/team or e-mail"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        for file in ws.files_of(|k| k == FileKind::Codeowners) {
            let Some(text) = ws.text(&file.path) else {
                found.push(Violation::whole(
                    file.path.clone(),
                    "not a text file (it holds NUL bytes): the platforms cannot read it, so nothing is owned",
                ));
                continue;
            };
            found.extend(Codeowners::parse(text).problems.into_iter().map(
                |(line, column, message)| {
                    Violation::at(file.path.clone(), line, Some(column), message)
                },
            ));
        }
        found
    }
}
