//! Fingerprints that survive unrelated edits: a hash of the tool, the rule,
//! the path and the text of the flagged line (not its number), plus the
//! occurrence index among identical ones, so that adding lines above a
//! finding does not change its identity.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::finding::Finding;
use crate::hash::short_digest;
use crate::repo::Repo;

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
        let line_text = finding
            .span
            .line
            .and_then(|line| sources.get(&finding.path)?.get(line as usize - 1))
            .map_or("", String::as_str);
        let base = digest(&[
            &finding.tool,
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

fn digest(parts: &[&str]) -> String {
    short_digest(parts, 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Severity, Span};

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
            "flake8",
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

    #[test]
    fn identical_lines_get_distinct_fingerprints() {
        let (_dir, repo) = repo_with("a.py", "import os\nimport os\n");
        let mut findings = [finding(1), finding(2)];
        assign(&mut findings, &repo);
        assert_ne!(findings[0].fingerprint, findings[1].fingerprint);
        assert_eq!(findings[0].fingerprint.len(), 32);
    }
}
