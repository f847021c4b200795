//! Fingerprints that survive unrelated edits: a hash of the tool, the rule,
//! the path and the text of the flagged line (not its number), plus the
//! occurrence index among identical ones, so that adding lines above a
//! finding does not change its identity. A finding that proposes a fix
//! (Black's diff) is identified by the changes it proposes instead: the
//! same file needing more reformatting is a different finding.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::discover::repo::Repo;
use crate::hash::short_digest;
use crate::model::Finding;

/// Fills in `fingerprint` of every finding; each file is read at most once.
pub(crate) fn assign(findings: &mut [Finding], repo: &Repo) {
    let mut paths: Vec<&str> = findings
        .iter()
        .filter(|f| f.span.line.is_some())
        .map(|f| f.path.as_str())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    let sources: HashMap<String, Vec<String>> = paths
        .par_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(repo.root.join(path)).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            Some((
                (*path).to_owned(),
                text.lines().map(|l| l.trim().to_owned()).collect(),
            ))
        })
        .collect();

    let mut seen: HashMap<String, usize> = HashMap::new();
    for finding in findings.iter_mut() {
        let proposed = finding.fix.as_deref().map(proposed_changes);
        let line_text = proposed.as_deref().unwrap_or_else(|| {
            finding
                .span
                .line
                .and_then(|line| sources.get(&finding.path)?.get(line as usize - 1))
                .map_or("", String::as_str)
        });
        let base = digest(&[
            finding.tool.as_str(),
            &finding.rule,
            &finding.path,
            line_text,
            // Whole-file findings and unreadable files fall back to the message.
            if line_text.is_empty() {
                &finding.message
            } else {
                ""
            },
        ]);
        let occurrence = seen.entry(base.clone()).or_insert(0);
        finding.fingerprint = digest(&[&base, &occurrence.to_string()]);
        *occurrence += 1;
    }
}

/// The removed and added lines of a unified diff, without its file headers
/// and line numbers, which move with unrelated edits.
fn proposed_changes(diff: &str) -> String {
    diff.lines()
        .skip_while(|line| !line.starts_with("@@"))
        .filter(|line| line.starts_with(['-', '+']))
        .collect::<Vec<_>>()
        .join("\n")
}

fn digest(parts: &[&str]) -> String {
    short_digest(parts, 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, Span, ToolKind};

    fn repo_with(file: &str, content: &str) -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(file), content).unwrap();
        let repo = Repo {
            root: dir.path().to_path_buf(),
            files: Vec::new(),
            domains: Vec::new(),
            tools: Vec::new(),
            import_roots: Vec::new(),
            unreadable: Vec::new(),
            partial: false,
        };
        (dir, repo)
    }

    fn finding(line: u32) -> Finding {
        Finding::new(
            ToolKind::Flake8,
            "F401",
            Severity::Error,
            "a.py",
            Span::at(line, Some(1)),
            "'os' imported but unused",
        )
    }

    #[test]
    fn survives_lines_added_above() {
        let (_dir, repo) = repo_with("a.py", "import os\n");
        let mut before = [finding(1)];
        assign(&mut before, &repo);
        let (_dir2, repo2) = repo_with("a.py", "# header\n\nimport os\n");
        let mut after = [finding(3)];
        assign(&mut after, &repo2);
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
    }

    fn fingerprints_of(content: &str, findings: &mut [Finding]) -> Vec<String> {
        let (_dir, repo) = repo_with("a.py", content);
        assign(findings, &repo);
        findings.iter().map(|f| f.fingerprint.clone()).collect()
    }

    #[test]
    fn survive_a_block_inserted_above_and_edits_elsewhere() {
        let before = "import os\nimport sys\n\ndef main():\n    x = 1\n    return 0\n";
        let after = "\"\"\"Docstring.\"\"\"\n# a\n# b\n# c\nimport os\nimport sys\n\n\
                     def main():\n    x = 1\n    return 1\n\nprint('more')\n";
        let old = fingerprints_of(before, &mut [finding(1), finding(5)]);
        let new = fingerprints_of(after, &mut [finding(5), finding(9)]);
        assert_eq!(old, new);
        // The flagged line itself edited: another finding.
        let edited = fingerprints_of(
            &after.replace("x = 1", "x = 2"),
            &mut [finding(5), finding(9)],
        );
        assert_eq!(edited[0], old[0]);
        assert_ne!(edited[1], old[1]);
    }

    #[test]
    fn a_fix_is_identified_by_what_it_changes_not_where() {
        let black = |diff: &str| {
            let mut finding = finding(1);
            finding.tool = ToolKind::Black.into();
            finding.fix = Some(diff.to_owned());
            finding
        };
        let one = black(
            "--- a.py\t2026-01-01\n+++ a.py\t2026-01-02\n@@ -1,2 +1,2 @@\n-x=1\n+x = 1\n y = 2\n",
        );
        let moved = black(
            "--- a.py\t2027-05-05\n+++ a.py\t2027-05-06\n@@ -9,2 +9,2 @@\n-x=1\n+x = 1\n y = 2\n",
        );
        let more =
            black("--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@\n-x=1\n+x = 1\n@@ -7 +7 @@\n-z=3\n+z = 3\n");
        let prints = fingerprints_of("x=1\n", &mut [one]);
        assert_eq!(prints, fingerprints_of("# new\nx=1\n", &mut [moved]));
        assert_ne!(prints, fingerprints_of("x=1\n", &mut [more]));
    }

    #[test]
    fn identical_lines_get_distinct_fingerprints() {
        let (_dir, repo) = repo_with("a.py", "import os\nimport os\n");
        let mut findings = [finding(1), finding(2)];
        assign(&mut findings, &repo);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
        assert_eq!(findings[0].fingerprint.len(), 32);
    }
}
