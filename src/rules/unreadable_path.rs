//! OG001: a path the walk (or a rule) could not read is not checked, and the
//! gate says so rather than passing over it.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct UnreadablePath;

const DOCS: &str = r"
## What it does
Reports every file or folder opsgate could not read: a permission error, a
symbolic-link loop, a file that vanished during the run.

## Why it matters
A gate that silently skips what it cannot read passes code nobody checked.
The gate fails closed instead: by default this is an error.

## Example
```text
secrets/ (mode 000)  ->  OG001 secrets: cannot be read, so it is not checked: Permission denied
```
Fix the permissions, remove the broken link, or list the path in `.gitignore`
(or `.ignore`) if it is not part of the repository.

## Configuration
No options. Turning it off hides paths the gate never looked at; prefer
`exclude` for a known, harmless path.
";

impl Rule for UnreadablePath {
    fn id(&self) -> &'static str {
        "OG001"
    }
    fn name(&self) -> &'static str {
        "unreadable-path"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Error
    }
    fn summary(&self) -> &'static str {
        "A file or folder that cannot be read is not checked"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let walked = ws.repo.unreadable.iter().map(|f| {
            let path = if f.path.is_empty() { "." } else { &f.path };
            Violation::whole(path, f.message.clone())
        });
        let read = ws.unreadable.iter().map(|(path, reason)| {
            Violation::whole(
                path.clone(),
                format!("cannot be read, so it is not checked: {reason}"),
            )
        });
        walked.chain(read).collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Scopes, Settings};
    use crate::model::{Finding, Severity, Span, ToolId};
    use crate::rules::workspace::testing::repo;

    #[test]
    fn the_walks_unreadable_paths_become_configurable_findings() {
        let (_dir, mut repo) = repo(&[("net/t/t.py", "")]);
        repo.unreadable.push(Finding::new(
            ToolId::Builtin,
            "OG001",
            Severity::Error,
            "",
            Span::default(),
            "cannot be read, so it is not checked: File system loop found",
        ));
        let settings = Settings::for_tests();
        let found: Vec<Finding> = crate::rules::run(
            &repo,
            &settings.rules,
            &Scopes::new(&settings),
            crate::rules::ToolFindings::default(),
            Vec::new(),
            None,
        )
        .into_iter()
        .filter(|f| f.rule == "OG001")
        .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].path.as_str(), found[0].severity),
            (".", Severity::Error)
        );
    }
}
