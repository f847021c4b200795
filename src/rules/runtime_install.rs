//! OG403: scripts do not install packages when they run (`pip install`
//! from a subprocess, `os.system`, a shell line, `sudo pip`).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::text::{code_part, column, numbered_lines};
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct RuntimeInstall;

const DOCS: &str = r#"
## What it does
Reports, at its line and column, a script that installs Python packages
while it runs:

- in shell scripts, a command line (not a comment) running `pip install`,
  `pip3 install`, `python -m pip install`, `sudo pip install` or
  `easy_install`;
- in Python, the same command in a string or list passed to `subprocess`,
  `os.system`, `os.popen` or `pip.main` on the line (or the line before,
  for a call split over lines), e.g.
  `subprocess.run([sys.executable, "-m", "pip", "install", "requests"])`.

## Why it matters
An install at run time changes the machine it runs on (often globally, as
root), picks whatever version the index serves that day, and fails when the
index is unreachable — on the night of the incident.

## Example
```python
os.system("pip install paramiko")
import paramiko
```
Fix: declare `paramiko==3.5.0` in the tool's `requirements.txt` and install
it once, in the tool's environment.

## Configuration
No options. A bootstrap script that really must install: suppress on the
line with the reason.
"#;

/// Commands that install, as they read once quotes and commas are dropped.
const INSTALLS: &[&str] = &[
    "pip install",
    "pip3 install",
    "pip2 install",
    "-m pip install",
    "easy_install",
    "pip.main([install",
];

/// Markers of a Python line that runs a command.
const RUNNERS: &[&str] = &[
    "subprocess",
    "os.system",
    "os.popen",
    "check_call",
    "check_output",
    "popen(",
    "run(",
    "call(",
    "pip.main",
    "sys.executable",
];

/// Whether `text` may hold an install command: every command `install_at`
/// finds contains `pip` or `easy_install` once quotes are dropped (the
/// other characters it drops or merges are not in those words). `false`
/// only when no line of `text` holds one.
pub(crate) fn may_install(text: &str) -> bool {
    static WORDS: LazyLock<AhoCorasick> =
        LazyLock::new(|| AhoCorasick::new(["pip", "easy_install"]).expect("fixed patterns build"));
    if WORDS.is_match(text) {
        return true;
    }
    // Not in the text as written: only quotes between two of a word's
    // letters (`p'ip'`) can make one. Dropping them is needed only then.
    joins_letters(text.as_bytes())
        && WORDS.is_match(
            &text
                .bytes()
                .filter(|b| !matches!(b, b'"' | b'\''))
                .collect::<Vec<u8>>(),
        )
}

/// Whether a run of quotes in `text` sits between two letters that follow
/// each other in `pip` or `easy_install`.
fn joins_letters(text: &[u8]) -> bool {
    const PAIRS: &[&[u8; 2]] = &[
        b"pi", b"ip", b"ea", b"as", b"sy", b"y_", b"_i", b"in", b"ns", b"st", b"ta", b"al", b"ll",
    ];
    let is_quote = |b: &u8| matches!(b, b'"' | b'\'');
    let mut at = 0;
    while let Some(start) = memchr::memchr2(b'"', b'\'', &text[at..]).map(|i| at + i) {
        let end = start + text[start..].iter().take_while(|b| is_quote(b)).count();
        if let (Some(&before), Some(&after)) =
            (start.checked_sub(1).map(|i| &text[i]), text.get(end))
            && PAIRS.contains(&&[before, after])
        {
            return true;
        }
        at = end;
    }
    false
}

/// The byte offset of an install command in `code`, quotes and commas ignored.
pub(crate) fn install_at(code: &str) -> Option<usize> {
    // Normalise while keeping a map back to the original offsets.
    let mut normalized = String::new();
    let mut offsets = Vec::new();
    let mut last_space = false;
    for (i, c) in code.char_indices() {
        let c = match c {
            '"' | '\'' => continue,
            ',' | '\t' | ' ' => ' ',
            other => other,
        };
        if c == ' ' && (last_space || normalized.ends_with('[')) {
            continue;
        }
        last_space = c == ' ';
        normalized.push(c);
        offsets.push(i);
    }
    INSTALLS
        .iter()
        .filter_map(|cmd| normalized.find(cmd))
        .min()
        .or_else(|| versioned_pip(&normalized))
        .map(|at| offsets.get(at).copied().unwrap_or(0))
}

/// `pip3.11 install`.
fn versioned_pip(normalized: &str) -> Option<usize> {
    normalized.match_indices("pip").find_map(|(at, _)| {
        let rest = &normalized[at + 3..];
        let version = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                .len();
        (version > 0 && rest[version..].starts_with(" install")).then_some(at)
    })
}

impl Rule for RuntimeInstall {
    fn id(&self) -> &'static str {
        "OG403"
    }
    fn name(&self) -> &'static str {
        "runtime-install"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "Scripts do not pip install packages when they run"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        for (file, text) in ws.scripts().filter(|(_, text)| may_install(text)) {
            let python = file.kind.is_python();
            let mut previous = "";
            for (number, line) in numbered_lines(text) {
                let code = code_part(line);
                if let Some(at) = install_at(code) {
                    let runs = !python
                        || RUNNERS
                            .iter()
                            .any(|r| code.contains(r) || previous.contains(r));
                    if runs {
                        found.push(Violation::at(
                            file.path.clone(),
                            number,
                            Some(column(line, at)),
                            "installs packages at run time: declare them in a dependency manifest instead",
                        ));
                    }
                }
                if !code.trim().is_empty() {
                    previous = code;
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn commands_are_found_with_quotes_and_commas() {
        assert_eq!(install_at("sudo pip install requests"), Some(5));
        assert_eq!(install_at("python3 -m pip install -r req.txt"), Some(8));
        assert_eq!(
            install_at("subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"x\"])"),
            Some(33)
        );
        assert_eq!(install_at("os.system('pip3.11 install x')"), Some(11));
        assert_eq!(install_at("pip list"), None);
        assert_eq!(install_at("pipeline install"), None);
    }

    #[test]
    fn the_prefilter_sees_commands_through_quotes() {
        assert!(may_install("os.system('pip install x')"));
        assert!(may_install("run(['p''ip', 'install'])"));
        assert_eq!(install_at("run(['p''ip', 'install'])"), Some(6));
        assert!(may_install("easy_install x"));
        assert!(may_install("run(['ea''sy_install', 'x'])"));
        // Quotes between letters that do not follow each other in a word.
        assert!(!joins_letters(b"x = 'p' + 'ip'"));
        assert!(!may_install("x = 'p' + 'ip'"));
        assert!(!may_install(
            "import argparse\nparser = argparse.ArgumentParser()\n"
        ));
    }

    #[test]
    fn python_needs_a_call_and_comments_do_not_count() {
        let (_dir, repo) = repo(&[
            (
                "net/t/t.py",
                "\"\"\"Install with pip install -r requirements.txt\"\"\"\nimport os\n# pip install x\nos.system(\"pip install paramiko\")\nsubprocess.check_call(\n    [sys.executable, \"-m\", \"pip\", \"install\", \"x\"])\n",
            ),
            (
                "net/t/setup.sh",
                "#!/bin/sh\n# pip install x\nsudo pip install requests\necho done\n",
            ),
        ]);
        let ws = Workspace::load(&repo);
        let found: Vec<(String, u32, Option<u32>)> = RuntimeInstall
            .check(&ws, &RuleOptions::default())
            .into_iter()
            .map(|v| (v.path, v.line.unwrap(), v.column))
            .collect();
        assert_eq!(
            found,
            [
                ("net/t/setup.sh".to_owned(), 3, Some(6)),
                ("net/t/t.py".to_owned(), 4, Some(12)),
                ("net/t/t.py".to_owned(), 6, Some(23)),
            ]
        );
    }
}
