//! The documentation says what opsgate does: the blocks after
//! `<!-- opsgate:NAME -->` markers in README.md and docs/*.md are run here
//! (or, for CI files, the example files the pages link instead of copying),
//! and every relative link and anchor between the pages resolves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::{CliTest, exit_code, stderr};

/// Every marked block, and the test that runs it: a marker without a test
/// here, or a test whose block is gone, fails `every_marked_block_is_tested`.
const MARKED_BLOCKS: &[&str] = &[
    "minimal-config",   // the_readme_configuration_is_valid_and_applies
    "overrides-root",   // the_per_folder_example_shows_what_config_show_prints
    "overrides-folder", // the same
    "config-show",      // the same
    "pre-commit-local", // packaging::the_documented_local_pre_commit_hook_installs_the_wheel_without_rust
    "ruff-instead", // ruff::the_documented_ruff_in_place_of_black_and_flake8_passes_a_clean_repository
];

/// README.md and the pages in docs/.
pub(crate) fn doc_pages() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn parser(text: &str) -> Parser<'_> {
    Parser::new_ext(text, Options::ENABLE_TABLES)
}

/// Each marker's name and the fenced block that follows it, per page.
fn marked_blocks(page: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut blocks = Vec::new();
    let mut marker: Option<String> = None;
    let mut block: Option<(String, String)> = None;
    for event in parser(&text) {
        match event {
            Event::Html(html) => {
                marker = html
                    .trim()
                    .strip_prefix("<!-- opsgate:")
                    .and_then(|rest| rest.strip_suffix(" -->"))
                    .map(str::to_owned);
            }
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(Tag::CodeBlock(_)) => {
                block = marker.take().map(|name| (name, String::new()));
            }
            Event::Text(content) if block.is_some() => {
                block.as_mut().unwrap().1.push_str(&content);
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(block.take()),
            _ => marker = None,
        }
    }
    blocks
}

/// The fenced block that follows `<!-- opsgate:NAME -->` in README.md or a
/// page in docs/; a name marks one block in all of them.
pub(crate) fn doc_block(name: &str) -> String {
    let found: Vec<(PathBuf, String)> = doc_pages()
        .into_iter()
        .flat_map(|page| {
            marked_blocks(&page)
                .into_iter()
                .filter(|(marker, _)| marker == name)
                .map(move |(_, block)| (page.clone(), block))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "`<!-- opsgate:{name} -->` followed by a fenced block must be in exactly one page: {:?}",
        found.iter().map(|(page, _)| page).collect::<Vec<_>>()
    );
    found.into_iter().next().unwrap().1
}

#[test]
fn every_marked_block_is_tested() {
    let mut names = Vec::new();
    for page in doc_pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let blocks = marked_blocks(&page);
        // A marker that no block follows would silently test nothing.
        // (`<!-- opsgate: ignore[…] -->`, with a space, is a suppression.)
        let markers = text
            .lines()
            .filter(|l| l.starts_with("<!-- opsgate:") && !l.starts_with("<!-- opsgate: "))
            .count();
        assert_eq!(
            markers,
            blocks.len(),
            "{}: a `<!-- opsgate:NAME -->` marker must be followed by a fenced block",
            page.display()
        );
        names.extend(blocks.into_iter().map(|(name, _)| name));
    }
    names.sort();
    let mut expected: Vec<String> = MARKED_BLOCKS.iter().map(|&n| n.to_owned()).collect();
    expected.sort();
    assert_eq!(names, expected);
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as
/// hyphens, `-1`, `-2` after repeats.
fn anchors(page: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in parser(&text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                heading.as_mut().unwrap().push_str(&t);
            }
            Event::End(TagEnd::Heading(_)) => {
                let title = heading.take().unwrap();
                let slug: String = title
                    .to_lowercase()
                    .chars()
                    .filter_map(|c| match c {
                        ' ' => Some('-'),
                        c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                        _ => None,
                    })
                    .collect();
                let count = seen.entry(slug.clone()).or_insert(0);
                anchors.insert(if *count == 0 {
                    slug
                } else {
                    format!("{slug}-{count}")
                });
                *count += 1;
            }
            _ => {}
        }
    }
    anchors
}

#[test]
fn every_relative_link_and_anchor_in_the_docs_resolves() {
    let mut broken = Vec::new();
    for page in doc_pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (event, range) in parser(&text).into_offset_iter() {
            let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event
            else {
                continue;
            };
            if dest_url.contains("://") || dest_url.starts_with("mailto:") {
                continue;
            }
            let line = text[..range.start].matches('\n').count() + 1;
            let at = format!("{}:{line}: `{dest_url}`", page.display());
            let (path, anchor) = dest_url.split_once('#').unwrap_or((&dest_url, ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            if !target.exists() {
                broken.push(format!("{at}: no such file"));
            } else if !anchor.is_empty()
                && target.extension().is_some_and(|ext| ext == "md")
                && !anchors(&target).contains(anchor)
            {
                broken.push(format!("{at}: no heading with this anchor"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_docs_have_no_heading_level_skipped_and_one_title_each() {
    for page in doc_pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let levels: Vec<HeadingLevel> = parser(&text)
            .filter_map(|event| match event {
                Event::Start(Tag::Heading { level, .. }) => Some(level),
                _ => None,
            })
            .collect();
        assert_eq!(
            levels.first(),
            Some(&HeadingLevel::H1),
            "{}",
            page.display()
        );
        assert_eq!(
            levels.iter().filter(|&&l| l == HeadingLevel::H1).count(),
            1,
            "{}: one `#` title",
            page.display()
        );
        for pair in levels.windows(2) {
            assert!(
                (pair[1] as usize) <= (pair[0] as usize) + 1,
                "{}: a heading skips a level ({:?} after {:?})",
                page.display(),
                pair[1],
                pair[0]
            );
        }
    }
}

fn config_show(test: &CliTest, path: &str) -> String {
    let output = test
        .command()
        .args(["config", "--repo"])
        .arg(test.root())
        .args(["--show", path])
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_readme_configuration_is_valid_and_applies() {
    let test = CliTest::empty();
    test.write("opsgate.toml", &doc_block("minimal-config"));
    test.write("networking/dns-check/dns_check.py", "print('dns')\n");
    test.write("legacy/rotate/rotate.py", "print('rotate')\n");
    let strict = config_show(&test, "networking/dns-check/dns_check.py");
    for line in ["fail_on = \"warning\"", "E501 = \"note\"", "min_owners = 1"] {
        assert!(strict.contains(line), "missing `{line}` in\n{strict}");
    }
    assert!(!strict.contains("max_severity"), "{strict}");
    let legacy = config_show(&test, "legacy/rotate/rotate.py");
    assert!(
        legacy.contains("max_severity = \"note\"  # opsgate.toml: [[overrides]] #1"),
        "{legacy}"
    );
}

#[test]
fn the_per_folder_example_shows_what_config_show_prints() {
    let test = CliTest::empty();
    test.write("opsgate.toml", &doc_block("overrides-root"));
    test.write("legacy/opsgate.toml", &doc_block("overrides-folder"));
    test.write("legacy/log-rotate/rotate.py", "print('rotate')\n");
    let shown = config_show(&test, "legacy/log-rotate/rotate.py");
    // The page shows an excerpt: its lines, in its order, `...` for the rest.
    let mut rest = shown.as_str();
    for line in doc_block("config-show").lines().filter(|l| *l != "...") {
        let Some(at) = rest.find(line) else {
            panic!("`{line}` is not printed (in this order):\n{shown}");
        };
        rest = &rest[at + line.len()..];
    }
}
