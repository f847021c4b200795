//! OG102: a tool's README has the sections an operator needs — by default
//! its purpose, its usage and its output — each found by heading and not
//! empty.

use std::collections::BTreeMap;

use super::RuleTable;
use super::readme::{Heading, normalize, normalized_matches};
use super::text::last_line;
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ReadmeSections;

const DOCS: &str = r#"
## What it does
Checks that each tool's README has a non-empty section for each required
name, found by heading: Markdown `#` headings and `===`/`---` underlined
titles, reStructuredText underlined (or overlined) titles, either style in a
`.txt` README. Matching ignores case, emphasis, numbering and a trailing
colon, and a longer title counts ("Usage from cron", "Output format"). A
section that holds only blank lines or comments counts as missing.

Defaults, each with the headings that also count:

| section | also counts |
|---|---|
| purpose | Description, Overview |
| usage | Arguments, Options, Parameters |
| output | Returns, Example output |

A missing section is reported where it belongs: after the previous required
section, before the next one, or at the end of the file.

## Why it matters
Purpose says whether this is the tool you need; usage says how to run it
without reading the code; output says what success looks like. Those three
are what an operator under pressure looks for.

## Example
```markdown
# rotate-logs

Rotates the logs.

## Usage
python rotate_logs.py DIR
```
Reported: no purpose section (line 5, before Usage) and no output section
(end of file). Fix:
```markdown
# rotate-logs

## Purpose
Compresses and prunes application logs older than a week.

## Usage
python rotate_logs.py DIR

## Output
One line per file rotated.
```

## Configuration
```toml
[rules.OG102]
required = ["purpose", "usage", "output", "rollback"]  # in the order they belong
[rules.OG102.synonyms]          # replaces the defaults of the sections it names
rollback = ["undo", "reverting"]
```
"#;

/// The default required sections and the other headings that count.
const DEFAULTS: &[(&str, &[&str])] = &[
    ("purpose", &["description", "overview"]),
    ("usage", &["arguments", "options", "parameters"]),
    ("output", &["returns", "example output"]),
];

/// The headings that count as the usage section by default (OG103 reads it).
pub(crate) fn default_usage_names() -> Vec<String> {
    names_of("usage", &RuleTable::default())
}

/// A section's own name followed by its synonyms.
fn names_of(section: &str, options: &RuleTable) -> Vec<String> {
    let synonyms: BTreeMap<&str, Vec<String>> = DEFAULTS
        .iter()
        .map(|(name, also)| (*name, also.iter().map(|s| (*s).to_owned()).collect()))
        .chain(
            options
                .synonyms
                .iter()
                .flatten()
                .map(|(name, also)| (name.as_str(), also.clone())),
        )
        .collect();
    std::iter::once(section.to_owned())
        .chain(synonyms.get(section).into_iter().flatten().cloned())
        .collect()
}

/// `names` as `normalize` makes them, to match headings against.
pub(crate) fn normalized(names: &[String]) -> Vec<String> {
    names.iter().map(|name| normalize(name)).collect()
}

/// The sections a folder's options require, with the headings that name each.
struct Sections {
    options: RuleTable,
    required: Vec<String>,
    /// Per section: its name and synonyms, as written.
    names: Vec<Vec<String>>,
    /// `names`, normalized.
    matching: Vec<Vec<String>>,
}

impl Sections {
    fn new(options: RuleTable) -> Sections {
        let required: Vec<String> = options.required.clone().unwrap_or_else(|| {
            DEFAULTS
                .iter()
                .map(|(name, _)| (*name).to_owned())
                .collect()
        });
        let names: Vec<Vec<String>> = required.iter().map(|s| names_of(s, &options)).collect();
        let matching = names.iter().map(|n| normalized(n)).collect();
        Sections {
            options,
            required,
            names,
            matching,
        }
    }
}

/// The first heading named by one of `names` (normalized).
pub(crate) fn find<'h>(headings: &'h [Heading], names: &[String]) -> Option<&'h Heading> {
    headings.iter().find(|h| {
        names
            .iter()
            .any(|name| normalized_matches(&h.normalized, name))
    })
}

impl Rule for ReadmeSections {
    fn id(&self) -> &'static str {
        "OG102"
    }
    fn name(&self) -> &'static str {
        "readme-sections"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Warning
    }
    fn summary(&self) -> &'static str {
        "A tool's README has non-empty purpose, usage and output sections"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn options(&self) -> &'static [&'static str] {
        &["required", "synonyms"]
    }
    fn check(&self, ws: &Workspace<'_>, options: &RuleOptions<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        // Folders mostly share their options: the sections are worked out
        // again only when a folder's differ from the previous one's.
        let mut sections: Option<Sections> = None;
        for tool in ws.tools() {
            let Some(readme) = &tool.readme else { continue };
            // Each tool's README is judged by the options of its folder.
            let options = options.at(tool.path());
            if sections.as_ref().is_none_or(|s| s.options != options) {
                sections = Some(Sections::new(options));
            }
            let Sections {
                required,
                names,
                matching,
                ..
            } = sections.as_ref().expect("just set");
            let present: Vec<Option<&Heading>> =
                matching.iter().map(|n| find(&readme.headings, n)).collect();
            for (i, section) in required.iter().enumerate() {
                match present[i] {
                    Some(heading) if !heading.has_content => found.push(Violation::at(
                        readme.path,
                        heading.line,
                        None,
                        format!("section `{}` ({section}) is empty", heading.text),
                    )),
                    Some(_) => {}
                    None => {
                        let line = present[..i]
                            .iter()
                            .rev()
                            .flatten()
                            .next()
                            .map(|h| h.end.max(h.line))
                            .or_else(|| present[i + 1..].iter().flatten().next().map(|h| h.line))
                            .unwrap_or_else(|| last_line(ws.text(readme.path).unwrap_or("")));
                        let headings = names[i].join("\", \"");
                        found.push(Violation::at(
                            readme.path,
                            line,
                            None,
                            format!(
                                "{} README has no {section} section (a heading named \"{headings}\")",
                                tool.path()
                            ),
                        ));
                    }
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

    fn check(readme: &str, options: &RuleTable) -> Vec<(u32, String)> {
        let (_dir, repo) = repo(&[("net/tool/t.py", ""), ("net/tool/README.md", readme)]);
        let ws = Workspace::load(&repo);
        ReadmeSections
            .check(&ws, &RuleOptions::Fixed(options.clone()))
            .into_iter()
            .map(|v| (v.line.unwrap(), v.message))
            .collect()
    }

    #[test]
    fn complete_readme_with_synonyms_passes() {
        let readme =
            "# t\n\n## Overview\nDoes it.\n\n## Options\n`--x`\n\n## Example output\n`ok`\n";
        assert_eq!(check(readme, &RuleTable::default()), []);
    }

    #[test]
    fn missing_sections_are_reported_where_they_belong() {
        let readme = "# t\n\nIntro.\n\n## Usage\nrun it\n\nmore\n";
        let found = check(readme, &RuleTable::default());
        assert_eq!(found.len(), 2, "{found:?}");
        // Purpose belongs before Usage; output after it (its last line).
        assert_eq!(found[0].0, 5);
        assert!(found[0].1.contains("no purpose section"), "{}", found[0].1);
        assert_eq!(found[1].0, 8);
        assert!(found[1].1.contains("no output section"));
    }

    #[test]
    fn an_empty_section_is_reported_at_its_heading() {
        let readme = "# t\n## Purpose\nx\n## Usage\n\n<!-- todo -->\n## Output\ny\n";
        let found = check(readme, &RuleTable::default());
        assert_eq!(found, [(4, "section `Usage` (usage) is empty".to_owned())]);
    }

    #[test]
    fn rst_and_setext_titles_count() {
        let (_dir, repo) = repo(&[
            ("net/tool/t.py", ""),
            (
                "net/tool/README.rst",
                "Tool\n====\n\nPurpose\n-------\nx\n\nUsage\n-----\ny\n\nOutput\n------\nz\n",
            ),
        ]);
        let ws = Workspace::load(&repo);
        assert_eq!(ReadmeSections.check(&ws, &RuleOptions::default()), []);
    }

    #[test]
    fn each_folder_is_judged_by_its_own_required_sections() {
        let readme = "# t\n\n## Purpose\nx\n";
        let (_dir, repo) = repo(&[
            ("a/one/t.py", ""),
            ("a/one/README.md", readme),
            ("b/two/t.py", ""),
            ("b/two/README.md", readme),
            (
                "b/opsgate.toml",
                "[rules.OG102]\nrequired = [\"purpose\"]\n",
            ),
            ("c/three/t.py", ""),
            ("c/three/README.md", readme),
        ]);
        let mut settings = crate::config::Settings::for_tests();
        settings.root.clone_from(&repo.root);
        settings.add_nested(&repo).unwrap();
        let scopes = crate::config::Scopes::new(&settings);
        let ws = Workspace::load(&repo);
        let options = RuleOptions::Scoped {
            id: "OG102",
            folders: &scopes,
        };
        let mut paths: Vec<String> = ReadmeSections
            .check(&ws, &options)
            .into_iter()
            .map(|v| v.path)
            .collect();
        paths.dedup();
        // b/ requires only a purpose; a/ and c/ around it the defaults.
        assert_eq!(paths, ["a/one/README.md", "c/three/README.md"]);
    }

    #[test]
    fn required_and_synonyms_are_configurable() {
        let options = RuleTable {
            required: Some(vec!["rollback".into()]),
            synonyms: Some([("rollback".to_owned(), vec!["undo".to_owned()])].into()),
            ..RuleTable::default()
        };
        assert_eq!(check("# t\n## Undo\nrevert it\n", &options), []);
        let found = check("# t\n## Usage\nx\n", &options);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("no rollback section"));
    }
}
