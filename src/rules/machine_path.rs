//! OG301: scripts name no path that exists only on one engineer's machine:
//! `/home/alice/…`, `/Users/bob/…`, `C:\Users\carol\…`, `~dave/…`.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::text::{column, is_name_char, numbered_lines};
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct MachinePath;

const DOCS: &str = r#"
## What it does
Scans every Python and shell script, comments included, for home-folder
paths of a named user and reports each at its line and column (1-based,
in characters):

- `/home/<user>` and `/Users/<user>` (Linux, macOS);
- `C:\Users\<user>` with any drive letter, written with `\`, `\\` (escaped,
  in a Python string) or `/`;
- `~<user>/` (another user's home, as the shell and `os.path.expanduser`
  read it).

`/home/$USER`, `~/…` and `Path.home()` are fine: they follow whoever runs
the script.

## Why it matters
A path from a laptop works for its owner and nobody else: in CI, on the
jump host or for a colleague it fails, sometimes after doing half the job.

## Example
```python
INVENTORY = "/home/alice/inventory.csv"
```
Fix: take it from an argument or the environment, relative to the home of
whoever runs it.
```python
INVENTORY = os.environ.get("OPS_INVENTORY", str(Path.home() / "inventory.csv"))
```

## Configuration
No options.
"#;

/// What every path `find_paths` reports contains: `/home/`, `/Users/`, `~`,
/// or a drive's colon and separator (`C:\`, `c:/`). Starting with rare
/// bytes, they are found many times faster than a case-insensitive `users`.
static TRIGGERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(["/home/", "/Users/", "~", ":\\", ":/"]).expect("fixed patterns build")
});

/// Whether `text` may name a machine-specific path: `false` only when
/// `find_paths` finds none in any of its lines.
pub(crate) fn may_hold_path(text: &str) -> bool {
    TRIGGERS.is_match(text)
}

/// (byte offset, the path as written) of each machine-specific path.
pub(crate) fn find_paths(line: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    for prefix in ["/home/", "/Users/"] {
        for (at, _) in line.match_indices(prefix) {
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                continue; // part of a longer path: /srv/home/x is fine
            }
            if let Some(end) = user_end(line, at + prefix.len()) {
                found.push((at, &line[at..end]));
            }
        }
    }
    found.extend(windows_paths(line));
    for (at, _) in line.match_indices('~') {
        let before = line[..at].chars().next_back();
        if before.is_some_and(|c| {
            !(c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ':' | '(' | ','))
        }) {
            continue;
        }
        if let Some(end) = user_end(line, at + 1)
            && line[end..].starts_with('/')
        {
            found.push((at, &line[at..=end]));
        }
    }
    found.sort_unstable();
    found
}

/// The end of a user name starting at `start`: a letter, digit or `_` first.
fn user_end(line: &str, start: usize) -> Option<usize> {
    let rest = &line[start..];
    if !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    Some(start + len)
}

/// `C:\Users\name`, `c:\\Users\\name`, `C:/Users/name`.
fn windows_paths(line: &str) -> Vec<(usize, &str)> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    for (at, _) in line.match_indices(':') {
        if at == 0 || !bytes[at - 1].is_ascii_alphabetic() {
            continue;
        }
        if at >= 2 && bytes[at - 2].is_ascii_alphanumeric() {
            continue;
        }
        let mut i = at + 1;
        let separator = |i: usize| -> Option<usize> {
            let n = line[i..]
                .bytes()
                .take_while(|b| *b == b'\\' || *b == b'/')
                .count();
            (1..=2).contains(&n).then_some(i + n)
        };
        let Some(after) = separator(i) else { continue };
        i = after;
        if !line[i..]
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("users"))
        {
            continue;
        }
        let Some(name_start) = separator(i + 5) else {
            continue;
        };
        if let Some(end) = user_end(line, name_start) {
            found.push((at - 1, &line[at - 1..end]));
        }
    }
    found
}

impl Rule for MachinePath {
    fn id(&self) -> &'static str {
        "OG301"
    }
    fn name(&self) -> &'static str {
        "machine-specific-path"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Scripts contain no /home/<user>, /Users/<user>, C:\\Users\\<user> or ~user paths"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        for (file, text) in ws.scripts().filter(|(_, text)| may_hold_path(text)) {
            for (number, line) in numbered_lines(text) {
                if !may_hold_path(line) {
                    continue;
                }
                for (at, path) in find_paths(line) {
                    found.push(Violation::at(
                        file.path.clone(),
                        number,
                        Some(column(line, at)),
                        format!("machine-specific path `{path}`: it exists only on one machine"),
                    ));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(line: &str) -> Vec<(usize, &str)> {
        find_paths(line)
    }

    #[test]
    fn home_folders_of_named_users_are_found() {
        assert_eq!(paths("p = '/home/alice/x.csv'"), [(5, "/home/alice")]);
        assert_eq!(paths("cd /Users/bob.smith/ops"), [(3, "/Users/bob.smith")]);
        assert_eq!(
            paths(r#"p = "C:\\Users\\carol\\x""#),
            [(5, r"C:\\Users\\carol")]
        );
        assert_eq!(paths(r"copy C:\Users\dave\x ."), [(5, r"C:\Users\dave")]);
        assert_eq!(paths("d:/users/erin"), [(0, "d:/users/erin")]);
        assert_eq!(paths("cp ~frank/keys ."), [(3, "~frank/")]);
    }

    #[test]
    fn portable_paths_are_not() {
        for line in [
            "p = '/home/$USER/x'",
            "p = Path.home() / 'x'",
            "cd ~/ops",
            "p = '/srv/home/x'",
            "mask = ~flags & 0xff",
            "url = 'https://example.com/home/alice'",
            "x = a:Users",
            "/home/",
            "C:\\Program Files\\x",
        ] {
            assert_eq!(paths(line), [], "{line}");
        }
    }

    #[test]
    fn the_prefilter_passes_what_may_hold_a_path() {
        for line in ["p = '/home/alice'", "C:\\USERS\\bob", "cp ~frank/x ."] {
            assert!(may_hold_path(line), "{line}");
        }
        assert!(!may_hold_path("import os\nprint(os.getcwd())\n"));
    }
}
