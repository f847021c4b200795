//! Whether Python's `configparser` reads an INI file without error, as
//! Flake8 (`RawConfigParser`) and Pylint (`ConfigParser`) create it:
//! strict (no section or option twice), no option without a value,
//! comments on their own line after `#` or `;`, a value continued on lines
//! indented deeper than its option. The Rust INI crates (`configparser`,
//! `rust-ini`) are deliberately lenient — settings before any section go
//! to a default one, a line without `=` becomes a key without value,
//! duplicates merge — so they cannot say what Python refuses; this mirrors
//! `RawConfigParser._read` for exactly that, and the test below holds it
//! against the real Python.

use std::collections::HashSet;

/// The first line Python's configparser refuses, and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) line: usize,
    pub(crate) what: String,
    /// Settings come before any `[section]`.
    pub(crate) before_sections: bool,
}

pub(crate) fn check(text: &str) -> Result<(), Problem> {
    let mut sections: HashSet<&str> = HashSet::new();
    let mut section: Option<&str> = None;
    let mut options: HashSet<String> = HashSet::new();
    // The option a deeper-indented line continues, and its indentation.
    let mut option: Option<usize> = None;
    for (number, raw) in (1..).zip(text.lines()) {
        let line = raw.trim();
        let problem = |what: String| Problem {
            line: number,
            what,
            before_sections: false,
        };
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if line.is_empty() {
            continue;
        }
        if section.is_some() && option.is_some_and(|level| indent > level) {
            continue;
        }
        if let Some(name) = section_header(line) {
            // `[DEFAULT]` may come back: Python merges it.
            if !sections.insert(name) && name != "DEFAULT" {
                return Err(problem(format!(
                    "section `[{name}]` appears a second time: merge the two"
                )));
            }
            section = Some(name);
            options.clear();
            option = None;
            continue;
        }
        if section.is_none() {
            return Err(Problem {
                line: number,
                what: format!("`{line}` comes before any `[section]` header"),
                before_sections: true,
            });
        }
        let Some(at) = line.find(['=', ':']) else {
            return Err(problem(format!(
                "`{line}` is neither a `[section]` header, a `key = value` setting, nor a \
                 value continued from the line above (indent it deeper than its key)"
            )));
        };
        let name = line[..at].trim_end().to_lowercase();
        if name.is_empty() {
            return Err(problem(format!("`{line}` sets a value without a key")));
        }
        if !options.insert(name.clone()) {
            return Err(problem(format!(
                "`{name}` is set a second time in `[{}]`: keep one",
                section.unwrap_or_default()
            )));
        }
        option = Some(indent);
    }
    Ok(())
}

/// `[name]` at the start of a line (Python's `\[(?P<header>.+)\]`: the
/// last `]` closes it, text after it is ignored).
fn section_header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    (end > 0).then(|| &inner[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cases with whether Python's configparser reads them.
    const CASES: &[(&str, bool)] = &[
        ("[flake8]\nmax-line-length = 100\n", true),
        ("", true),
        ("# only a comment\n\n", true),
        ("max-line-length = 100\n", false),
        ("[flake8\nmax-line-length = 100\n", false),
        ("[flake8]\nthis is not a setting\n", false),
        ("[flake8]\nx = 1\n[flake8]\ny = 2\n", false),
        ("[flake8]\nx = 1\nX = 2\n", false),
        ("[flake8]\nx = 1\n[other]\nx = 2\n", true),
        ("[flake8]\nextend-ignore =\n    E203,\n\n    W503\n", true),
        ("[flake8]\n  indented = 1\n", true),
        ("[flake8]\nx: 1\n  ; comment\n", true),
        ("[a] trailing\nk=v\n", true),
        ("[]\nk=v\n", false),
        ("[flake8]\n=value\n", false),
        ("[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n", true),
        ("[MESSAGES CONTROL]\ndisable=C0114,\n  C0115\n", true),
        ("\u{feff}[flake8]\nx = 1\n", false),
    ];

    #[test]
    fn the_cases_match_the_expectations() {
        for (text, readable) in CASES {
            assert_eq!(
                check(text).is_ok(),
                *readable,
                "{text:?}: {:?}",
                check(text)
            );
        }
    }

    #[test]
    fn the_expectations_are_pythons() {
        let script = "import configparser, json, sys\n\
            out = []\n\
            for text in json.load(sys.stdin):\n\
            \x20   try:\n\
            \x20       configparser.RawConfigParser().read_string(text)\n\
            \x20       out.append(True)\n\
            \x20   except configparser.Error:\n\
            \x20       out.append(False)\n\
            print(json.dumps(out))\n";
        let texts: Vec<&str> = CASES.iter().map(|(text, _)| *text).collect();
        let mut child = match std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(err) => {
                let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
                assert!(!ci, "CI=true and python3 cannot run: {err}");
                return;
            }
        };
        serde_json::to_writer(child.stdin.take().unwrap(), &texts).unwrap();
        let output = child.wait_with_output().unwrap();
        let python: Vec<bool> = serde_json::from_slice(&output.stdout).unwrap();
        for ((text, ours), theirs) in CASES.iter().zip(python) {
            assert_eq!(*ours, theirs, "{text:?}");
        }
    }
}
