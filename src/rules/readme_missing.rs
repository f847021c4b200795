//! OG101: every tool folder has a README.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ReadmeMissing;

const DOCS: &str = r"
## What it does
Reports a tool folder (a folder directly under a domain that holds a script)
without a README directly in it: `README.md`, `README.rst`, `README.txt` or
`README`, in any case.

## Why it matters
A script without a README is a personal shortcut: the on-call engineer at 3 am
cannot tell what it does, how to run it, or what it prints.

## Example
```text
networking/vlan-audit/vlan_audit.py      (no README.md beside it)
```
Fix: add `networking/vlan-audit/README.md` with the sections OG102 requires.

## Configuration
No options. Scope with `paths`/`exclude` on the tool folder.
";

impl Rule for ReadmeMissing {
    fn id(&self) -> &'static str {
        "OG101"
    }
    fn name(&self) -> &'static str {
        "readme-missing"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Every tool folder has a README"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        ws.tools()
            .iter()
            .filter(|tool| tool.readme.is_none())
            .map(|tool| Violation::whole(tool.path(), format!("{} has no README", tool.path())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn fires_only_without_a_readme_in_the_folder() {
        let (_dir, repo) = repo(&[
            ("net/has-md/a.py", ""),
            ("net/has-md/README.md", "# a\n"),
            ("net/has-rst/b.py", ""),
            ("net/has-rst/readme.rst", "b\n=\n"),
            ("net/none/c.py", ""),
            ("net/none/sub/README.md", "# nested does not count\n"),
            ("net/loose.py", ""),
        ]);
        let ws = Workspace::load(&repo);
        let found = ReadmeMissing.check(&ws, &RuleOptions::default());
        assert_eq!(
            found,
            [Violation::whole("net/none", "net/none has no README")]
        );
    }
}
