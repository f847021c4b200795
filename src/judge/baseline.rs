//! The baseline file: the findings a repository had when it adopted the
//! gate, which then no longer fail it. A JSON document whose array holds one
//! entry per line, sorted by path, tool, rule and fingerprint, so that the
//! file diffs line by line and two branches' edits merge like any text:
//!
//! ```text
//! {"version": 1, "findings": [
//! {"path":"net/a.py","tool":"flake8","rule":"F401","fingerprint":"…","message":"…"},
//! {"path":"net/b.py","tool":"pylint","rule":"W0702","fingerprint":"…","message":"…"}
//! ]}
//! ```
//!
//! Entries carry no line number (lines move; the fingerprint does not), and
//! match findings by fingerprint alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::model::{BaselineState, Finding, ToolId};

/// Where `opsgate baseline` writes, and `opsgate check` looks, at the root.
pub(crate) const DEFAULT_FILE: &str = ".opsgate-baseline.json";

const VERSION: u32 = 1;

/// One known finding: enough to match it again and to show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) path: String,
    pub(crate) tool: ToolId,
    pub(crate) rule: String,
    pub(crate) fingerprint: String,
    pub(crate) message: String,
}

impl Entry {
    pub(crate) fn of(finding: &Finding) -> Entry {
        Entry {
            path: finding.path.clone(),
            tool: finding.tool,
            rule: finding.rule.clone(),
            fingerprint: finding.fingerprint.clone(),
            message: finding.message.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    findings: Vec<Entry>,
}

/// A baseline read from its file.
#[derive(Debug, Clone)]
pub(crate) struct Baseline {
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<Entry>,
}

/// How the findings of a run compare with a baseline.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    /// Per finding (same order): its state when the baseline holds it.
    pub(crate) states: Vec<Option<BaselineState>>,
    /// Entries no finding matched: fixed, so the baseline can shrink.
    pub(crate) gone: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline; a missing or damaged file is an error that says how
    /// to fix it.
    ///
    /// # Errors
    /// The file cannot be read or is not a baseline of this version.
    pub(crate) fn load(path: &Path) -> Result<Baseline> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
                "the baseline `{}` does not exist: write it with `opsgate baseline` (and commit \
                 it), or leave out --baseline",
                path.display()
            ),
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("reading the baseline `{}`", path.display()));
            }
        };
        let document: Document = serde_json::from_str(&text).map_err(|err| {
            let conflict = text.lines().any(|l| l.starts_with("<<<<<<<"));
            let fix = if conflict {
                "it holds merge-conflict markers: keep the lines of both sides (one entry per \
                 line, commas between) and delete the markers, or write it again with \
                 `opsgate baseline`"
            } else {
                "write it again with `opsgate baseline`"
            };
            anyhow::anyhow!(
                "the baseline `{}` is not valid (line {}, column {}: {err}): {fix}",
                path.display(),
                err.line(),
                err.column()
            )
        })?;
        if document.version != VERSION {
            bail!(
                "the baseline `{}` has version {}, this opsgate reads version {VERSION}: write it \
                 again with `opsgate baseline`",
                path.display(),
                document.version
            );
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            entries: document.findings,
        })
    }

    /// Marks the findings the baseline holds: `unchanged`, or `updated` when
    /// the message differs; and lists the entries no finding matched.
    pub(crate) fn compare(&self, findings: &[Finding]) -> Comparison {
        let mut by_fingerprint: HashMap<&str, (&Entry, bool)> = self
            .entries
            .iter()
            .map(|entry| (entry.fingerprint.as_str(), (entry, false)))
            .collect();
        let states = findings
            .iter()
            .map(|finding| {
                let (entry, matched) = by_fingerprint.get_mut(finding.fingerprint.as_str())?;
                *matched = true;
                Some(if entry.message == finding.message {
                    BaselineState::Unchanged
                } else {
                    BaselineState::Updated
                })
            })
            .collect();
        let mut gone: Vec<Entry> = by_fingerprint
            .into_values()
            .filter(|(_, matched)| !matched)
            .map(|(entry, _)| entry.clone())
            .collect();
        gone.sort();
        Comparison { states, gone }
    }
}

/// The text of a baseline holding `entries`: sorted, without duplicates,
/// one entry per line.
pub(crate) fn render(mut entries: Vec<Entry>) -> String {
    entries.sort();
    entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    let mut text = format!("{{\"version\": {VERSION}, \"findings\": [\n");
    for (index, entry) in entries.iter().enumerate() {
        let line = serde_json::to_string(entry).expect("an entry is plain strings");
        let comma = if index + 1 < entries.len() { "," } else { "" };
        writeln!(text, "{line}{comma}").expect("writing to a String cannot fail");
    }
    text.push_str("]}\n");
    text
}

/// Writes a baseline atomically (a temporary file beside it, renamed).
///
/// # Errors
/// The folder does not exist or cannot be written.
pub(crate) fn write(path: &Path, entries: Vec<Entry>) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".opsgate-baseline-")
        .tempfile_in(folder)
        .with_context(|| format!("creating a temporary file in `{}`", folder.display()))?;
    file.write_all(render(entries).as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("writing the baseline `{}`", path.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("writing the baseline `{}`", path.display()))?;
    }
    file.persist(path)
        .with_context(|| format!("moving the baseline into `{}`", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, Span, ToolKind};

    fn finding(path: &str, rule: &str, fingerprint: &str, message: &str) -> Finding {
        let mut finding = Finding::new(
            ToolKind::Flake8,
            rule,
            Severity::Error,
            path,
            Span::at(1, None),
            message,
        );
        finding.fingerprint = fingerprint.to_owned();
        finding
    }

    #[test]
    fn one_sorted_entry_per_line_and_read_back() {
        let findings = [
            finding("b.py", "F401", "22", "unused \"x\""),
            finding("a.py", "E501", "11", "line too long"),
            finding("a.py", "E501", "11", "line too long"),
        ];
        let text = render(findings.iter().map(Entry::of).collect());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].contains("\"a.py\"") && lines[1].ends_with(','));
        assert!(lines[2].contains("\"b.py\"") && !lines[2].ends_with(','));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DEFAULT_FILE);
        write(&path, findings.iter().map(Entry::of).collect()).unwrap();
        let baseline = Baseline::load(&path).unwrap();
        assert_eq!(baseline.entries.len(), 2);
        assert_eq!(baseline.entries[1].message, "unused \"x\"");
    }

    #[test]
    fn compare_marks_known_findings_and_lists_the_gone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let old = [
            finding("a.py", "F401", "1", "m"),
            finding("a.py", "W0702", "2", "old message"),
            finding("a.py", "E501", "3", "fixed since"),
        ];
        write(&path, old.iter().map(Entry::of).collect()).unwrap();
        let baseline = Baseline::load(&path).unwrap();
        let now = [
            finding("a.py", "F401", "1", "m"),
            finding("a.py", "W0702", "2", "new message"),
            finding("a.py", "F841", "4", "brand new"),
        ];
        let comparison = baseline.compare(&now);
        assert_eq!(
            comparison.states,
            [
                Some(BaselineState::Unchanged),
                Some(BaselineState::Updated),
                None
            ]
        );
        assert_eq!(comparison.gone.len(), 1);
        assert_eq!(comparison.gone[0].rule, "E501");
    }

    #[test]
    fn missing_damaged_and_conflicted_files_say_how_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Baseline::load(&dir.path().join("nope.json")).unwrap_err();
        assert!(
            missing.to_string().contains("opsgate baseline"),
            "{missing}"
        );
        let damaged = dir.path().join("damaged.json");
        std::fs::write(
            &damaged,
            "{\"version\": 1, \"findings\": [\n{\"path\":1}\n]}\n",
        )
        .unwrap();
        let err = Baseline::load(&damaged).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("damaged.json"), "{err}");
        let conflicted = dir.path().join("conflicted.json");
        std::fs::write(
            &conflicted,
            "{\"version\": 1, \"findings\": [\n<<<<<<< HEAD\n=======\n>>>>>>> b\n]}\n",
        )
        .unwrap();
        let err = Baseline::load(&conflicted).unwrap_err().to_string();
        assert!(err.contains("merge-conflict markers"), "{err}");
        let future = dir.path().join("future.json");
        std::fs::write(&future, "{\"version\": 9, \"findings\": []}").unwrap();
        let err = Baseline::load(&future).unwrap_err().to_string();
        assert!(err.contains("version 9"), "{err}");
    }
}
