//! CODEOWNERS as GitHub and GitLab read it: gitignore-style patterns where
//! the last matching entry wins; GitLab's `[Section]` / `^[Optional]`
//! headers with default owners, each section deciding on its own. Parsing
//! never fails: lines it cannot use become problems with their position.

use std::collections::BTreeSet;

use super::text::column;

/// Where the platforms look, in the order opsgate picks the one that counts
/// (GitHub's order, then GitLab's remaining folder).
pub(crate) const LOCATIONS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of folders.
    AnyDepth,
    Glob(String),
}

#[derive(Debug, Clone)]
struct Pattern {
    segments: Vec<Segment>,
    /// Whether what is below a match matches too (not after a final `*`).
    descendants: bool,
}

impl Pattern {
    /// `None` for a pattern that matches nothing (`/`).
    fn parse(raw: &str) -> Option<Pattern> {
        let anchored = raw.starts_with('/');
        let trimmed = raw.strip_prefix('/').unwrap_or(raw);
        let dir_only = trimmed.ends_with('/');
        let trimmed = trimmed.trim_end_matches('/');
        if trimmed.is_empty() {
            return None;
        }
        let mut segments: Vec<Segment> = trimmed
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s == "**" {
                    Segment::AnyDepth
                } else {
                    Segment::Glob(s.to_owned())
                }
            })
            .collect();
        // A single name without a leading slash matches at any depth.
        if !anchored && segments.len() == 1 && segments[0] != Segment::AnyDepth {
            segments.insert(0, Segment::AnyDepth);
        }
        if dir_only {
            segments.push(Segment::AnyDepth);
        }
        let descendants = matches!(segments.last(), Some(Segment::Glob(g)) if g != "*");
        Some(Pattern {
            segments,
            descendants,
        })
    }

    fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        match_segments(&self.segments, &parts, self.descendants)
    }
}

fn match_segments(pattern: &[Segment], path: &[&str], descendants: bool) -> bool {
    match pattern.split_first() {
        None => path.is_empty() || descendants,
        Some((Segment::AnyDepth, [])) => !path.is_empty(),
        Some((Segment::AnyDepth, rest)) => {
            (0..=path.len()).any(|i| match_segments(rest, &path[i..], descendants))
        }
        Some((Segment::Glob(glob), rest)) => {
            !path.is_empty()
                && glob_matches(glob.as_bytes(), path[0].as_bytes())
                && match_segments(rest, &path[1..], descendants)
        }
    }
}

/// `*`, `?` and `\x` within one path segment.
fn glob_matches(glob: &[u8], name: &[u8]) -> bool {
    match glob.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob_matches(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && glob_matches(rest, &name[1..]),
        Some((b'\\', [escaped, rest @ ..])) => {
            name.first() == Some(escaped) && glob_matches(rest, &name[1..])
        }
        Some((c, rest)) => name.first() == Some(c) && glob_matches(rest, &name[1..]),
    }
}

#[derive(Debug, Clone)]
struct Entry {
    line: u32,
    section: usize,
    pattern: Option<Pattern>,
    /// GitLab's `!pattern`: matching files have no owner in this section.
    excluded: bool,
    owners: Vec<String>,
}

#[derive(Debug, Clone)]
struct Section {
    name: String,
    default_owners: Vec<String>,
}

/// A parsed CODEOWNERS file.
#[derive(Debug, Clone)]
pub(crate) struct Codeowners {
    entries: Vec<Entry>,
    sections: Vec<Section>,
    /// (line, column, message) for lines the platforms would reject or ignore.
    pub(crate) problems: Vec<(u32, u32, String)>,
}

/// Who owns a path, and the lines that decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ownership {
    /// Distinct owners, compared without case.
    pub(crate) owners: BTreeSet<String>,
    pub(crate) lines: Vec<u32>,
}

impl Codeowners {
    pub(crate) fn parse(text: &str) -> Codeowners {
        let mut parsed = Codeowners {
            entries: Vec::new(),
            sections: vec![Section {
                name: String::new(),
                default_owners: Vec::new(),
            }],
            problems: Vec::new(),
        };
        let mut section = 0;
        for (line, number) in text.lines().zip(1u32..) {
            let tokens = tokenize(line);
            let Some((first_at, first)) = tokens.first() else {
                continue;
            };
            if first.starts_with('[') || first.starts_with("^[") {
                section = parsed.section_header(line, number);
                continue;
            }
            let owners = parsed.owners(line, number, &tokens[1..]);
            let (excluded, raw) = match first.strip_prefix('!') {
                Some(rest) => (true, rest.to_owned()),
                None => (false, first.clone()),
            };
            if raw.contains("***") {
                parsed.problems.push((
                    number,
                    column(line, *first_at),
                    format!("pattern `{first}` has three asterisks in a row"),
                ));
                continue;
            }
            parsed.entries.push(Entry {
                line: number,
                section,
                pattern: Pattern::parse(&raw),
                excluded,
                owners,
            });
        }
        parsed
    }

    /// `[Name]`, `^[Name]`, `[Name][2]`, each optionally followed by default
    /// owners; sections of the same name (any case) are one section.
    fn section_header(&mut self, line: &str, number: u32) -> usize {
        let trimmed = line.trim_start();
        let body = trimmed.strip_prefix('^').unwrap_or(trimmed);
        let parsed = body.strip_prefix('[').and_then(|rest| {
            let close = rest.find(']')?;
            let name = rest[..close].trim();
            let mut after = &rest[close + 1..];
            if let Some(count) = after.strip_prefix('[') {
                let end = count.find(']')?;
                count[..end].parse::<u32>().ok()?;
                after = &count[end + 1..];
            }
            (!name.is_empty()).then(|| (name.to_lowercase(), after))
        });
        let Some((name, after)) = parsed else {
            self.problems.push((
                number,
                column(line, line.len() - trimmed.len()),
                "malformed section header: write `[Section name]` or `^[Optional section]`".into(),
            ));
            return self.sections.len() - 1;
        };
        let offset = line.len() - after.len();
        let tokens: Vec<(usize, String)> = tokenize(after)
            .into_iter()
            .map(|(at, t)| (at + offset, t))
            .collect();
        let owners = self.owners(line, number, &tokens);
        if let Some(index) = self.sections.iter().position(|s| s.name == name) {
            if self.sections[index].default_owners.is_empty() {
                self.sections[index].default_owners = owners;
            }
            return index;
        }
        self.sections.push(Section {
            name,
            default_owners: owners,
        });
        self.sections.len() - 1
    }

    /// The owner tokens of a line, up to an inline `#` comment; invalid ones
    /// are recorded as problems.
    fn owners(&mut self, line: &str, number: u32, tokens: &[(usize, String)]) -> Vec<String> {
        let mut owners = Vec::new();
        for (at, token) in tokens {
            if token.starts_with('#') {
                break;
            }
            if is_owner(token) {
                owners.push(token.clone());
            } else {
                self.problems.push((
                    number,
                    column(line, *at),
                    format!(
                        "`{token}` is not an owner: write @user, @org/team or an e-mail address"
                    ),
                ));
            }
        }
        owners
    }

    /// The owners of a file: in each section, the last matching entry (or
    /// the section's default owners when the entry names none).
    pub(crate) fn owners_of(&self, path: &str) -> Ownership {
        let mut ownership = Ownership::default();
        for (index, section) in self.sections.iter().enumerate() {
            let last = self.entries.iter().rev().find(|e| {
                e.section == index && e.pattern.as_ref().is_some_and(|p| p.matches(path))
            });
            let Some(entry) = last else { continue };
            ownership.lines.push(entry.line);
            if entry.excluded {
                continue;
            }
            let owners = if entry.owners.is_empty() {
                &section.default_owners
            } else {
                &entry.owners
            };
            ownership
                .owners
                .extend(owners.iter().map(|o| o.to_lowercase()));
        }
        ownership.lines.sort_unstable();
        ownership
    }
}

/// Splits on whitespace not escaped by a backslash; `\#` and `\ ` lose
/// their backslash. A line starting with `#` is a comment (no tokens).
fn tokenize(line: &str) -> Vec<(usize, String)> {
    let mut tokens = Vec::new();
    let mut current: Option<(usize, String)> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '#' && current.is_none() && tokens.is_empty() {
            return tokens;
        }
        if c == '\\'
            && let Some(&(_, next)) = chars.peek()
            && (next == ' ' || next == '#' || next == '\t')
        {
            chars.next();
            current
                .get_or_insert_with(|| (i, String::new()))
                .1
                .push(next);
            continue;
        }
        if c.is_whitespace() {
            tokens.extend(current.take());
            continue;
        }
        current.get_or_insert_with(|| (i, String::new())).1.push(c);
    }
    tokens.extend(current);
    tokens
}

/// `@user`, `@org/team` (GitLab: nested groups), GitLab's `@@role`, or an
/// e-mail address.
fn is_owner(token: &str) -> bool {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if let Some(role) = token.strip_prefix("@@") {
        return !role.is_empty() && role.chars().all(|c| c.is_ascii_alphabetic());
    }
    if let Some(handle) = token.strip_prefix('@') {
        return handle.split('/').all(name_ok);
    }
    match token.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && token
                    .chars()
                    .all(|c| !c.is_whitespace() && c != ',' && c != '<' && c != '>')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(file: &Codeowners, path: &str) -> Vec<String> {
        file.owners_of(path).owners.into_iter().collect()
    }

    /// The example file of GitHub's "About code owners" page, with the
    /// behaviour its comments state, one fact per assertion.
    #[test]
    fn github_documented_examples() {
        let file = Codeowners::parse(
            "# This is a comment.\n\
             *       @global-owner1 @global-owner2\n\
             *.js    @js-owner #This is an inline comment.\n\
             *.go docs@example.com\n\
             *.txt @octo-org/octocats\n\
             /build/logs/ @doctocat\n\
             docs/*  docs@example.com\n\
             apps/ @octocat\n\
             /scripts/ @doctocat @octocat\n\
             **/logs @octocat\n",
        );
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        // `*` makes the global owners the default for everything.
        assert_eq!(
            owners(&file, "README.md"),
            ["@global-owner1", "@global-owner2"]
        );
        // The last matching pattern wins: JS files belong to @js-owner only.
        assert_eq!(owners(&file, "src/app.js"), ["@js-owner"]);
        assert_eq!(owners(&file, "main.go"), ["docs@example.com"]);
        assert_eq!(owners(&file, "notes/a.txt"), ["@octo-org/octocats"]);
        // /build/logs/ covers that folder at the root and all below it.
        assert_eq!(owners(&file, "build/logs/deep/x.log"), ["@octocat"]); // **/logs is later
        // docs/* matches docs/getting-started.md, not docs/build-app/troubleshooting.md.
        assert_eq!(
            owners(&file, "docs/getting-started.md"),
            ["docs@example.com"]
        );
        assert_eq!(
            owners(&file, "docs/build-app/troubleshooting.md"),
            ["@global-owner1", "@global-owner2"]
        );
        // apps/ owns an apps folder anywhere.
        assert_eq!(owners(&file, "deep/nested/apps/x.py"), ["@octocat"]);
        assert_eq!(
            owners(&file, "scripts/deploy.sh"),
            ["@doctocat", "@octocat"]
        );
        // **/logs owns any logs folder: /build/logs, /scripts/logs, /deeply/nested/logs.
        for path in ["build/logs/a", "scripts/logs/a", "deeply/nested/logs/a"] {
            assert_eq!(owners(&file, path), ["@octocat"], "{path}");
        }
    }

    #[test]
    fn github_an_entry_without_owners_unowns_its_paths() {
        // "/apps/github" with no owners: @octocat owns /apps except /apps/github.
        let file = Codeowners::parse("/apps/ @octocat\n/apps/github\n");
        assert!(file.problems.is_empty());
        assert_eq!(owners(&file, "apps/web/x.py"), ["@octocat"]);
        assert!(owners(&file, "apps/github/x.py").is_empty());
        assert_eq!(file.owners_of("apps/github/x.py").lines, [2]);
        // With its own owner, the subdirectory is @doctocat's.
        let file = Codeowners::parse("/apps/ @octocat\n/apps/github @doctocat\n");
        assert_eq!(owners(&file, "apps/github/x.py"), ["@doctocat"]);
    }

    /// GitLab's documented CODEOWNERS examples.
    #[test]
    fn gitlab_documented_examples() {
        let file = Codeowners::parse(
            "* @default-codeowner\n\
             *.rb @ruby-owner\n\
             \\#file_with_pound.rb @owner-file-with-pound\n\
             README @group @group/with-nested/subgroup\n\
             /docs/ @all-docs\n\
             /docs/* @root-docs\n\
             lib/ @lib-owner\n\
             /config/ @config-owner\n\
             path\\ with\\ spaces/ @space-owner\n",
        );
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        assert_eq!(owners(&file, "app/models/user.rb"), ["@ruby-owner"]);
        assert_eq!(
            owners(&file, "#file_with_pound.rb"),
            ["@owner-file-with-pound"]
        );
        assert_eq!(
            owners(&file, "sub/README"),
            ["@group", "@group/with-nested/subgroup"]
        );
        // /docs/* matches docs/index.md but not docs/projects/index.md.
        assert_eq!(owners(&file, "docs/index.md"), ["@root-docs"]);
        assert_eq!(owners(&file, "docs/projects/index.md"), ["@all-docs"]);
        // lib/ matches a lib directory anywhere; /config/ only at the root.
        assert_eq!(owners(&file, "ee/lib/x.rb"), ["@lib-owner"]);
        assert_eq!(owners(&file, "config/app.yml"), ["@config-owner"]);
        assert_eq!(owners(&file, "ee/config/app.yml"), ["@default-codeowner"]);
        assert_eq!(owners(&file, "path with spaces/a"), ["@space-owner"]);
    }

    #[test]
    fn gitlab_sections_default_owners_and_independent_sections() {
        let file = Codeowners::parse(
            "[Documentation]\nee/docs @docs\ndocs @docs\n\n\
             [Development] @dev-team\n*\nREADME.md @docs-team\ndata-models/ @data-science-team\n\n\
             ^[Optional][2] @reviewers\nnetworking/\n\n[DOCUMENTATION]\nREADME.md @docs\n",
        );
        assert!(file.problems.is_empty(), "{:?}", file.problems);
        // `*` in [Development] has no owners: the section default applies.
        assert_eq!(owners(&file, "src/main.py"), ["@dev-team"]);
        // Every section decides: README.md gets [Development]'s and the
        // combined [Documentation]'s owners.
        assert_eq!(owners(&file, "README.md"), ["@docs", "@docs-team"]);
        assert_eq!(
            owners(&file, "networking/x/y.py"),
            ["@dev-team", "@reviewers"]
        );
    }

    #[test]
    fn invalid_owners_and_headers_are_problems_with_positions() {
        let file = Codeowners::parse(
            "/ok/ @alice bob@example.com\n/bad/ alice @bob\n[Broken\n/x/ <carol@example.com>\n",
        );
        let positions: Vec<(u32, u32)> = file.problems.iter().map(|(l, c, _)| (*l, *c)).collect();
        assert_eq!(positions, [(2, 7), (3, 1), (4, 5)]);
        assert!(file.problems[0].2.contains("`alice` is not an owner"));
        // The entry still counts, with the owners that are valid.
        assert_eq!(owners(&file, "bad/x"), ["@bob"]);
    }

    #[test]
    fn exclusions_leave_a_section_without_owner() {
        let file = Codeowners::parse("* @a @b\n!*.lock\n");
        assert!(owners(&file, "poetry.lock").is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "[", "^[", "[]", "[a][x]", "\\", "a\\", "***", "/", "//", "!", "\u{0}", "@", "* @",
            "x @@",
        ] {
            let file = Codeowners::parse(text);
            let _ = file.owners_of("a/b");
        }
    }
}
