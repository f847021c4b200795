//! OG501: every script lives in a tool folder under a domain, not loose at
//! the repository root or directly in a domain folder.

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct LooseScript;

const DOCS: &str = r"
## What it does
Reports a Python or shell script at the repository root, or directly in a
domain folder instead of in a tool folder below it. `conftest.py`,
`noxfile.py` and `setup.py` at the root are fine, as are scripts in shared
libraries and in the folders of `layout.not_domains` (`tests`, `docs`, …).

## Why it matters
The README, CODEOWNERS and test rules work per tool folder: a loose script
escapes all of them, and nobody can tell which team it belongs to.

## Example
```text
cleanup_old_vms.py                 (at the root)
networking/fix_dns.py              (in a domain, not in a tool)
```
Fix: move each into its own folder, e.g. `compute/cleanup-old-vms/`, with a
README.

## Configuration
No options. A note by default.
";

const ROOT_ALLOWED: &[&str] = &["conftest.py", "noxfile.py", "setup.py", "manage.py"];

impl Rule for LooseScript {
    fn id(&self) -> &'static str {
        "OG501"
    }
    fn name(&self) -> &'static str {
        "script-outside-tool"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Note
    }
    fn summary(&self) -> &'static str {
        "Scripts live in a tool folder under a domain, not at the root or loose in a domain"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        for (file, _) in ws.scripts() {
            let message = match file.path.split_once('/') {
                None if !ROOT_ALLOWED.contains(&file.path.as_str()) => {
                    format!(
                        "`{}` is at the repository root, outside any domain and tool folder",
                        file.path
                    )
                }
                Some((domain, rest))
                    if !rest.contains('/') && ws.repo.domains.iter().any(|d| d == domain) =>
                {
                    format!(
                        "`{}` is directly in domain `{domain}`, not in a tool folder",
                        file.path
                    )
                }
                _ => continue,
            };
            found.push(Violation::whole(file.path.clone(), message));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn root_and_domain_level_scripts_are_noted() {
        let (_dir, repo) = repo(&[
            ("cleanup.py", ""),
            ("conftest.py", ""),
            ("net/fix_dns.py", ""),
            ("net/dns/dns.py", ""),
            ("lib/opslib/__init__.py", ""),
            ("tests/test_all.py", ""),
            ("deploy.sh", "echo\n"),
        ]);
        let ws = Workspace::load(&repo);
        let found: Vec<String> = LooseScript
            .check(&ws, &RuleOptions::default())
            .into_iter()
            .map(|v| v.path)
            .collect();
        assert_eq!(found, ["cleanup.py", "deploy.sh", "net/fix_dns.py"]);
    }
}
