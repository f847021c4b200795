//! `docs/rules.md`, rendered from the registry: the same words as
//! `opsgate rules` and `opsgate explain`, so the page cannot drift from the
//! rules. The test below keeps the committed file equal to the rendering.

use std::fmt::Write as _;

use super::RULES;

/// The committed page.
const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");

/// How to bring the page up to date; in its header and in the test's message.
const REGENERATE: &str = "OPSGATE_UPDATE_DOCS=1 cargo test --lib rules_page";

/// What the page says before the rules; the rules' own text follows.
const INTRO: &str = "\
Besides the four tools, `opsgate check` applies opsgate's own rules: the
standards of an ops repository that no linter checks. Their findings have
tool `opsgate` and an `OG…` id. They read the files of the one walk (each
read once, capped at 2 MiB, binary files skipped, invalid UTF-8 decoded
lossily) and run in parallel.

```
opsgate rules                      every rule: id, name, default severity, one line
opsgate explain RULE               why it exists, a violation and its fix, how to configure it (id or name)
```

`opsgate explain` also explains the tools' own codes: a Pylint message
(`W0702` or `bare-except`) in Pylint's own words (`pylint --help-msg`, with the
pinned Pylint; the first time this provisions a small environment holding
it), with a link to its page; a Flake8 code (`E501`, `W291`, `F401`, `C901`)
with a link to the page of its checker (pycodestyle, pyflakes, mccabe), which
Flake8 cannot explain itself; Black's and pytest's findings too. Each says the
severity it gets here and how to re-level or suppress it.

Findings point at the file and line to change: a README line for a missing
section (where it belongs) or a stale option (with its column), the
CODEOWNERS line that gives a tool too few owners, the script line and column
of a path, secret or install. Whole-folder findings (no README, no manifest)
point at the tool folder. Secrets are never printed: the message keeps at
most the first 4 characters (`AKIA************`).
CODEOWNERS is read with GitHub's and GitLab's semantics: gitignore-style
patterns, the last match wins, a leading `/` anchors, a trailing `/` means a
folder, a name without a slash matches at any depth, `docs/*` does not reach
`docs/a/b`; GitLab `[Section]`, `^[Optional]` and `[Section][2] @default-owners`
headers, each section adding the owners of its own last match.

Every rule is turned off, re-levelled, scoped to paths, configured per folder
and suppressed inline the same way: see
[Configuring and suppressing rules](configuration.md#configuring-and-suppressing-rules).
A tool's README front matter (OG104, and the `maturity` that OG402 and OG404
read) is described in
[Tool metadata](configuration.md#tool-metadata-readme-front-matter).
";

/// Markdown text that renders as written: `<user>`, `*.py` and `|` in a
/// summary are not markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The rule's docs one heading level down, so they sit under its own
/// heading; lines inside fenced examples (a README's `## Usage`) stay.
fn demote(docs: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in docs.trim().lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push('#');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The whole page.
fn page() -> String {
    let mut out = format!(
        "<!-- Generated from the rule registry (`RULES` in src/rules/mod.rs) by\n\
         src/rules/docs_page.rs; do not edit by hand. After changing a rule:\n\
         {REGENERATE} -->\n\n# Built-in rules\n\n{INTRO}\n\
         | id | name | default | checks |\n|---|---|---|---|\n"
    );
    for rule in RULES {
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {name} | {level} | {summary} |",
            id = rule.id(),
            anchor = format!("{}-{}", rule.id(), rule.name()).to_lowercase(),
            name = rule.name(),
            level = rule.default_severity().as_str(),
            summary = escape(rule.summary()),
        );
    }
    for rule in RULES {
        let _ = write!(
            out,
            "\n## {} {}\n\nDefault severity: {}. {}\n\n{}",
            rule.id(),
            rule.name(),
            rule.default_severity().as_str(),
            escape(rule.summary()),
            demote(rule.docs())
        );
    }
    out
}

#[test]
fn rules_page_is_the_registry() {
    let rendered = page();
    if std::env::var_os("OPSGATE_UPDATE_DOCS").is_some() {
        std::fs::write(PAGE, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(PAGE).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/rules.md is not what the rule registry renders; run `{REGENERATE}` \
         and commit the page:\n{}",
        similar::TextDiff::from_lines(&committed, &rendered)
            .unified_diff()
            .header("docs/rules.md", "rendered")
    );
}
