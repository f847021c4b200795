//! OG203: every tool is owned in CODEOWNERS by at least `min_owners`
//! distinct owners (two by default: a bus factor above one).

use super::codeowners::{Codeowners, LOCATIONS, Ownership};
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ToolOwners;

const DOCS: &str = r#"
## What it does
Reads the CODEOWNERS file the platform uses (the first of
`.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`, `.gitlab/CODEOWNERS`)
with GitHub's and GitLab's semantics — gitignore-style patterns, the last
matching entry wins, `/` anchors to the root, a trailing `/` means a folder,
a name without a slash matches at any depth, `*` stays within a folder and
`**` crosses folders; GitLab sections each add the owners of their own last
match, and an entry without owners takes its section's default owners — and
checks every file of every tool folder. A tool whose files have fewer than
`min_owners` distinct owners is reported at the CODEOWNERS line that decided
(or on the file when no entry matches), naming the domain and tool.

## Why it matters
An owner reviews changes and answers for the tool when it breaks. One owner
is a bus factor of one: when they are away, nobody knows the tool.

## Example
```text
/networking/dns-check/ @alice
```
Reported: networking/dns-check has 1 owner (@alice); at least 2 are
required. Fix:
```text
/networking/dns-check/ @alice @bob
```

## Configuration
```toml
[rules.OG203]
min_owners = 2     # distinct owners per tool
```
`paths`/`exclude` match the tool folder (e.g. `exclude = ["sandbox/**"]`).
"#;

impl Rule for ToolOwners {
    fn id(&self) -> &'static str {
        "OG203"
    }
    fn name(&self) -> &'static str {
        "tool-owners"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Every tool has at least min_owners (2) owners in CODEOWNERS"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn options(&self) -> &'static [&'static str] {
        &["min_owners"]
    }
    fn check(&self, ws: &Workspace<'_>, options: &RuleOptions<'_>) -> Vec<Violation> {
        let present = |p: &str| ws.repo.files.iter().any(|f| f.path == p);
        let Some(path) = LOCATIONS.iter().copied().find(|p| present(p)) else {
            return Vec::new(); // OG201 reports the missing file
        };
        // A file that is not text owns nothing (OG202 says why).
        let text = ws.text(path).unwrap_or("");
        let codeowners = Codeowners::parse(text);
        let mut found = Vec::new();
        for tool in ws.tools() {
            // Each tool is judged by the options of its folder.
            let min = options.at(tool.path()).min_owners.unwrap_or(2) as usize;
            let owned: Vec<(&str, Ownership)> = tool
                .files
                .iter()
                .map(|f| (f.path.as_str(), codeowners.owners_of(&f.path)))
                .collect();
            let Some((worst_file, worst)) = owned.iter().min_by_key(|(_, o)| o.owners.len()) else {
                continue;
            };
            if worst.owners.len() >= min {
                continue;
            }
            let uniform = owned.iter().all(|(_, o)| o.owners == worst.owners);
            let subject = if uniform {
                tool.path().to_owned()
            } else {
                format!("{} (`{worst_file}`)", tool.path())
            };
            let message = match worst.owners.len() {
                0 => format!("{subject} has no owner in {path}; at least {min} are required"),
                n => format!(
                    "{subject} has {n} owner{} ({}); at least {min} are required",
                    if n == 1 { "" } else { "s" },
                    worst.owners.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            };
            let violation = match worst.lines.last() {
                Some(line) => Violation::at(path, *line, None, message),
                None => Violation::whole(path, message),
            };
            found.push(violation.scoped(tool.path()));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleTable;
    use crate::rules::workspace::testing::repo;

    fn check(codeowners: &str, min: Option<u32>) -> Vec<(Option<u32>, String)> {
        let (_dir, repo) = repo(&[
            ("user-provisioning/onboard-user/onboard.py", ""),
            ("networking/dns-check/dns.py", ""),
            ("networking/dns-check/README.md", ""),
            ("networking/port-scan/scan.py", ""),
            (".github/CODEOWNERS", codeowners),
        ]);
        let ws = Workspace::load(&repo);
        let options = RuleTable {
            min_owners: min,
            ..RuleTable::default()
        };
        ToolOwners
            .check(&ws, &RuleOptions::Fixed(options))
            .into_iter()
            .map(|v| (v.line, v.message))
            .collect()
    }

    #[test]
    fn unowned_single_owner_and_partly_owned_tools_are_found() {
        let found = check(
            "# comment\n/networking/dns-check/*.py @alice @bob\n/networking/port-scan/ @carol\n",
            None,
        );
        assert_eq!(
            found,
            [
                (None, "networking/dns-check (`networking/dns-check/README.md`) has no owner in .github/CODEOWNERS; at least 2 are required".to_owned()),
                (Some(3), "networking/port-scan has 1 owner (@carol); at least 2 are required".to_owned()),
                (None, "user-provisioning/onboard-user has no owner in .github/CODEOWNERS; at least 2 are required".to_owned()),
            ]
        );
    }

    #[test]
    fn enough_owners_and_min_owners_is_configurable() {
        let file = "* @ops-lead @ops-oncall\n/networking/port-scan/ @carol\n";
        assert_eq!(check(file, Some(1)), []);
        assert_eq!(check(file, None).len(), 1);
        // Owners are counted once, whatever their case.
        assert_eq!(check("* @Alice @alice\n", None).len(), 3);
    }
}
