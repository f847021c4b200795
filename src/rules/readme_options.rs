//! OG103: the README's usage section and the tool's command line agree: it
//! mentions every option the code declares (argparse `add_argument`, click
//! `@click.option`) and no option the code no longer has. The source is
//! scanned as text; nothing is executed.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::readme_sections::{self, default_usage_names};
use super::text::{code_part, column, numbered_lines};
use super::workspace::Tool;
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ReadmeOptions;

const DOCS: &str = r#"
## What it does
Reads the tool's Python scripts (not its tests) for the options they declare —
`parser.add_argument("-n", "--dry-run", ...)`, `@click.option("--force/--no-force")` —
and the README's usage section (the first heading named Usage, Arguments,
Options or Parameters, down to the next heading of its level, code blocks
included). Reports each declared option the section does not mention (one of
its spellings is enough), at the usage heading, and each `--option` the
section mentions that no script declares, at its line and column. `--help`
and argparse's `--no-x` for a declared `--x` always count as declared.

Tools without an argument parser are not checked for stale options, and a
README without a usage section is left to OG102.

## Why it matters
A README that documents `--force` when the code renamed it to `--apply`
sends the operator to a failing command, or worse, to an option that now
means something else.

## Example
```python
parser.add_argument("--timeout", type=int)
parser.add_argument("--apply", action="store_true")
```
```markdown
## Usage
python tool.py HOST [--timeout S] [--force]
```
Reported: `--apply` is not documented (at `## Usage`); `--force` is not an
option of the tool (at its line). Fix: document `--apply`, drop `--force`.

## Configuration
No options. When the README documents a wrapper's options, suppress on the
line: `<!-- opsgate: ignore[OG103] --dry-run belongs to run.sh -->`.
"#;

/// The option strings of one declaration: `["-n", "--dry-run"]`.
type Declaration = Vec<String>;

/// What `declared_options` looks for: source holding none of them declares
/// nothing and builds no parser.
const MARKERS: &[&str] = &[
    "add_argument(",
    "click.option(",
    "@option(",
    "ArgumentParser(",
    "@click.command",
];

/// Whether `text` may declare options or build a parser: `false` only when
/// `declared_options` finds nothing in it, comments removed or not (a
/// marker in the code without comments is in the line it came from).
fn may_declare(text: &str) -> bool {
    MARKERS.iter().any(|marker| text.contains(marker))
}

/// Declarations in Python source, and whether it builds a parser at all.
pub(crate) fn declared_options(source: &str) -> (Vec<Declaration>, bool) {
    let mut declarations = Vec::new();
    let mut has_parser = false;
    for marker in &MARKERS[..3] {
        let mut rest = source;
        while let Some(at) = rest.find(marker) {
            has_parser = true;
            rest = &rest[at + marker.len()..];
            let strings = leading_strings(rest);
            let options: Declaration = strings
                .iter()
                .flat_map(|s| s.split('/'))
                .map(str::trim)
                .filter(|s| s.starts_with('-') && s.len() > 1)
                .map(str::to_owned)
                .collect();
            if !options.is_empty() {
                declarations.push(options);
            }
        }
    }
    has_parser |= MARKERS[3..].iter().any(|marker| source.contains(marker));
    (declarations, has_parser)
}

/// The string literals at the start of an argument list, up to the first
/// argument that is not one.
fn leading_strings(mut rest: &str) -> Vec<String> {
    let mut strings = Vec::new();
    loop {
        rest = rest.trim_start();
        while rest.starts_with('#') {
            rest = rest.find('\n').map_or("", |i| &rest[i..]).trim_start();
        }
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return strings;
        };
        let body = &rest[1..];
        let Some(end) = body.find(quote) else {
            return strings;
        };
        strings.push(body[..end].to_owned());
        rest = body[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => return strings,
        }
    }
}

/// `-x` / `--long-name` tokens in a line: (byte offset, token).
fn option_tokens(line: &str) -> Vec<(usize, &str)> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i] == b'-'
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || matches!(bytes[i - 1], b'-' | b'_' | b'/' | b'.')));
        if !starts {
            i += 1;
            continue;
        }
        let dashes = line[i..].bytes().take_while(|b| *b == b'-').count();
        let name_start = i + dashes;
        let name_len = line[name_start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
            .count();
        let first = line.as_bytes().get(name_start).copied();
        if (dashes == 1 || dashes == 2)
            && name_len > 0
            && first.is_some_and(|b| b.is_ascii_alphabetic())
        {
            tokens.push((i, &line[i..name_start + name_len]));
        }
        i = name_start + name_len.max(1);
    }
    tokens
}

impl Rule for ReadmeOptions {
    fn id(&self) -> &'static str {
        "OG103"
    }
    fn name(&self) -> &'static str {
        "readme-options"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "The README's usage section names exactly the options the code declares"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        let usage_names = readme_sections::normalized(&default_usage_names());
        // Tool by tool in parallel, in the tools' order.
        ws.tools()
            .par_iter()
            .flat_map_iter(|tool| check_tool(ws, tool, &usage_names))
            .collect()
    }
}

/// The violations of one tool folder.
fn check_tool(ws: &Workspace<'_>, tool: &Tool<'_>, usage_names: &[String]) -> Vec<Violation> {
    let mut found = Vec::new();
    let Some(readme) = &tool.readme else {
        return found;
    };
    let Some(usage) = readme_sections::find(&readme.headings, usage_names) else {
        return found;
    };
    let mut declarations = Vec::new();
    let mut has_parser = false;
    for file in tool.files {
        if file.kind != (crate::discover::file::FileKind::Python { test: false }) {
            continue;
        }
        let Some(text) = ws.text(&file.path).filter(|t| may_declare(t)) else {
            continue;
        };
        let code: String = text.lines().flat_map(|l| [code_part(l), "\n"]).collect();
        let (decls, parser) = declared_options(&code);
        declarations.extend(decls);
        has_parser |= parser;
    }
    let text = ws.text(readme.path).unwrap_or("");
    let section: Vec<(u32, &str)> = numbered_lines(text)
        .filter(|(n, _)| *n > usage.line && *n <= usage.end)
        .collect();
    let mentioned: BTreeSet<&str> = section
        .iter()
        .flat_map(|(_, line)| option_tokens(line))
        .map(|(_, token)| token)
        .collect();
    for declaration in &declarations {
        let documented = declaration.iter().any(|o| {
            mentioned.contains(o.as_str())
                || o.strip_prefix("--")
                    .is_some_and(|name| mentioned.contains(format!("--no-{name}").as_str()))
        });
        if !documented {
            let name = declaration
                .iter()
                .max_by_key(|o| o.len())
                .expect("not empty");
            found.push(Violation::at(
                readme.path,
                usage.line,
                None,
                format!(
                    "`{name}` is an option of {} but the usage section does not mention it",
                    tool.path()
                ),
            ));
        }
    }
    if !has_parser {
        return found;
    }
    let known: BTreeSet<&str> = declarations.iter().flatten().map(String::as_str).collect();
    for (number, line) in &section {
        for (at, token) in option_tokens(line) {
            let negated = token
                .strip_prefix("--no-")
                .is_some_and(|t| known.contains(format!("--{t}").as_str()));
            if token.starts_with("--") && token != "--help" && !negated && !known.contains(token) {
                found.push(Violation::at(
                    readme.path,
                    *number,
                    Some(column(line, at)),
                    format!(
                        "the usage section mentions `{token}`, which {} does not declare",
                        tool.path()
                    ),
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::workspace::testing::repo;

    #[test]
    fn sources_without_a_marker_are_skipped_and_comments_do_not_hide_one() {
        assert!(!may_declare("import os\n\ndef main():\n    return 0\n"));
        assert_eq!(declared_options("import os\n"), (Vec::new(), false));
        // A marker only in a comment passes the prefilter; the full parse
        // then finds nothing, as before.
        let commented = "x = 1  # p.add_argument(\"--x\")\n";
        assert!(may_declare(commented));
        let code: String = commented
            .lines()
            .flat_map(|l| [code_part(l), "\n"])
            .collect();
        assert_eq!(declared_options(&code), (Vec::new(), false));
    }

    #[test]
    fn declarations_span_lines_and_skip_positionals() {
        let source = "p.add_argument(\n    # the host\n    \"-t\", '--timeout', type=int)\np.add_argument(\"host\")\n@click.option(\"--force/--no-force\")\n";
        let (decls, parser) = declared_options(source);
        assert!(parser);
        assert_eq!(
            decls,
            [
                vec!["-t".to_owned(), "--timeout".to_owned()],
                vec!["--force".to_owned(), "--no-force".to_owned()],
            ]
        );
    }

    #[test]
    fn tokens_are_options_not_ranges_or_paths() {
        let got: Vec<&str> = option_tokens("run [--dry-run] -v a-b x--y 10-20 /opt/--x `--json`")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(got, ["--dry-run", "-v", "--json"]);
    }

    #[test]
    fn missing_and_stale_options_are_found() {
        let (_dir, repo) = repo(&[
            (
                "net/tool/tool.py",
                "import argparse\np = argparse.ArgumentParser()\np.add_argument(\"--timeout\")\np.add_argument(\"-a\", \"--apply\")\np.add_argument(\"--verbose\", action=argparse.BooleanOptionalAction)\n",
            ),
            (
                "net/tool/test_tool.py",
                "p.add_argument(\"--only-in-tests\")\n",
            ),
            (
                "net/tool/README.md",
                "# tool\n## Usage\n\n```\npython tool.py [--timeout S] [--force] [--no-verbose] [--help]\n```\n\n## Output\n--stale-elsewhere is not in usage\n",
            ),
        ]);
        let ws = Workspace::load(&repo);
        let found: Vec<(u32, Option<u32>, String)> = ReadmeOptions
            .check(&ws, &RuleOptions::default())
            .into_iter()
            .map(|v| (v.line.unwrap(), v.column, v.message))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 2);
        assert!(found[0].2.contains("`--apply`"), "{}", found[0].2);
        assert_eq!((found[1].0, found[1].1), (5, Some(31)));
        assert!(found[1].2.contains("`--force`"));
    }

    #[test]
    fn a_tool_without_a_parser_is_not_checked_for_stale_options() {
        let (_dir, repo) = repo(&[
            ("net/tool/tool.py", "import sys\nprint(sys.argv)\n"),
            (
                "net/tool/README.md",
                "# tool\n## Usage\npip install --user x\n",
            ),
        ]);
        let ws = Workspace::load(&repo);
        assert_eq!(ReadmeOptions.check(&ws, &RuleOptions::default()), []);
    }
}
