//! Adopting the gate in a legacy repository: under `--new-only` and with a
//! baseline, the findings that were there before (on lines unchanged since
//! the merge base, or recorded in the baseline) are lowered to `note`,
//! marked existing, and cannot fail the gate; every report still shows them.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::config::{BaselineChoice, CheckOptions};
use crate::git::{BaseRef, ChangeSet, ChangedLines};
use crate::judge::baseline::{self, Baseline, Entry};
use crate::model::{BaselineState, Finding, Role, Severity};
use crate::runners::has_role;

/// What the run compares its findings with.
#[derive(Debug, Default)]
pub(crate) struct Adoption {
    new_code: Option<(BaseRef, ChangeSet)>,
    baseline: Option<Baseline>,
}

/// How the comparison went, for the reports.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AdoptionSummary {
    /// Under `--new-only`: the base and the commit compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new_only: Option<NewOnlySummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) baseline: Option<BaselineSummary>,
    /// Findings marked existing, by either.
    pub(crate) existing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NewOnlySummary {
    pub(crate) base: String,
    /// `None` when there is no history to compare with: everything is new.
    pub(crate) merge_base: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BaselineSummary {
    pub(crate) file: String,
    /// Findings the baseline holds.
    pub(crate) matched: usize,
    /// Entries of the baseline no finding matched any more: fixed, so
    /// `opsgate baseline --prune` can drop them.
    pub(crate) gone: Vec<Entry>,
}

impl Adoption {
    /// Reads what `check` compares with: the change set under `--new-only`;
    /// the baseline named by `--baseline`, else `.opsgate-baseline.json` at
    /// the root when it exists (unless `--no-baseline`).
    ///
    /// # Errors
    /// No base, unknown base, missing history, a missing or damaged baseline.
    pub(crate) fn from_options(options: &CheckOptions, root: &Path) -> Result<Adoption> {
        let new_code = if options.new_only {
            let base = BaseRef::resolve(options.base.as_deref(), root)?;
            let changes = ChangeSet::since(root, &base)?;
            Some((base, changes))
        } else {
            None
        };
        let baseline = match baseline_path(&options.baseline, root) {
            Some(path) => Some(Baseline::load(&path)?),
            None => None,
        };
        Ok(Adoption { new_code, baseline })
    }

    /// Under `--new-only`: what changed since the merge base.
    pub(crate) fn changes(&self) -> Option<&ChangeSet> {
        self.new_code.as_ref().map(|(_, changes)| changes)
    }

    /// Marks every finding new or existing and lowers the existing to
    /// `note`; `None` when neither `--new-only` nor a baseline is in use.
    pub(crate) fn apply(&self, findings: &mut [Finding]) -> Option<AdoptionSummary> {
        if self.new_code.is_none() && self.baseline.is_none() {
            return None;
        }
        let comparison = self
            .baseline
            .as_ref()
            .map(|baseline| baseline.compare(findings));
        let mut existing = 0;
        for (index, finding) in findings.iter_mut().enumerate() {
            let in_baseline = comparison.as_ref().and_then(|c| c.states[index]);
            let old_code = self
                .new_code
                .as_ref()
                .is_some_and(|(_, changes)| !is_on_new_code(finding, changes));
            let state = match (in_baseline, old_code) {
                (Some(state), _) => state,
                (None, true) => BaselineState::Unchanged,
                (None, false) => BaselineState::New,
            };
            finding.baseline_state = Some(state);
            if state.is_existing() {
                existing += 1;
                if finding.severity > Severity::Note {
                    finding.original_severity = Some(finding.severity);
                    finding.severity = Severity::Note;
                }
            }
        }
        Some(AdoptionSummary {
            new_only: self
                .new_code
                .as_ref()
                .map(|(base, changes)| NewOnlySummary {
                    base: base.name.clone(),
                    merge_base: changes.merge_base.clone(),
                }),
            baseline: self
                .baseline
                .as_ref()
                .zip(comparison)
                .map(|(baseline, c)| BaselineSummary {
                    file: baseline.path.display().to_string(),
                    matched: c.states.iter().filter(|s| s.is_some()).count(),
                    gone: c.gone,
                }),
            existing,
        })
    }
}

/// `--baseline FILE`, else the default file at the root when it exists.
fn baseline_path(choice: &BaselineChoice, root: &Path) -> Option<PathBuf> {
    match choice {
        BaselineChoice::Off => None,
        BaselineChoice::File(file) => Some(file.clone()),
        BaselineChoice::Default => {
            let default = root.join(baseline::DEFAULT_FILE);
            default.is_file().then_some(default)
        }
    }
}

/// Whether a finding is on code added or changed since the merge base.
/// Whole-file findings are new when the file or folder is. A failing test is
/// always new: the change may break a test it does not touch. A formatter's
/// finding (Black's) is new when its reformatting touches a new line.
pub(crate) fn is_on_new_code(finding: &Finding, changes: &ChangeSet) -> bool {
    if has_role(finding.tool, Role::Tests) {
        return true;
    }
    let Some(line) = finding.span.line else {
        return changes.is_new_path(&finding.path);
    };
    if let Some(diff) = finding
        .fix
        .as_deref()
        .filter(|_| has_role(finding.tool, Role::Formatter))
    {
        let Some(file) = changes.file(&finding.path) else {
            return false;
        };
        let touched = reformatted_lines(diff);
        if !touched.is_empty() {
            return touched
                .iter()
                .any(|&(first, last)| file.lines.touches(first, last))
                || file.lines == ChangedLines::All;
        }
    }
    let last = finding.span.end_line.unwrap_or(line).max(line);
    changes.touches(&finding.path, line, last)
}

/// The lines of the current file a unified diff (Black's) removes or
/// inserts before, as ranges.
fn reformatted_lines(diff: &str) -> Vec<(u32, u32)> {
    let mut touched = Vec::new();
    let mut old_line = 0u32;
    let mut remaining = (0u32, 0u32);
    for line in diff.lines() {
        if remaining == (0, 0) {
            if let Some((start, old_count, new_count)) = hunk_header(line) {
                old_line = start;
                remaining = (old_count, new_count);
            }
            continue;
        }
        match line.as_bytes().first() {
            Some(b'-') => {
                touched.push((old_line, old_line));
                old_line += 1;
                remaining.0 = remaining.0.saturating_sub(1);
            }
            Some(b'+') => {
                // An insertion touches the lines on both sides of it.
                touched.push((old_line.saturating_sub(1).max(1), old_line.max(1)));
                remaining.1 = remaining.1.saturating_sub(1);
            }
            Some(b'\\') => {}
            _ => {
                old_line += 1;
                remaining.0 = remaining.0.saturating_sub(1);
                remaining.1 = remaining.1.saturating_sub(1);
            }
        }
    }
    touched
}

/// `@@ -a[,b] +c[,d] @@`: (a, b, d).
fn hunk_header(line: &str) -> Option<(u32, u32, u32)> {
    let mut parts = line.strip_prefix("@@ ")?.split(' ');
    let count = |range: &str| -> Option<(u32, u32)> {
        match range.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((range.parse().ok()?, 1)),
        }
    };
    let (old_start, old_count) = count(parts.next()?.strip_prefix('-')?)?;
    let (_, new_count) = count(parts.next()?.strip_prefix('+')?)?;
    Some((old_start, old_count, new_count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ToolId, ToolKind};

    #[test]
    fn black_diffs_touch_the_lines_they_change() {
        let diff = "--- a.py\t2026-01-01\n+++ a.py\t2026-01-01\n@@ -1,4 +1,4 @@\n import os\n-x=1\n+x = 1\n \n def f():\n@@ -20,2 +20,3 @@\n a = 1\n+\n b = 2\n";
        assert_eq!(reformatted_lines(diff), [(2, 2), (2, 3), (20, 21)]);
    }

    /// The report fixture with its F401 (an error) and a fixed finding in
    /// the baseline.
    fn run_with_baseline() -> crate::report::RunResult {
        let mut run = crate::report::fixtures::run();
        let known = run.findings.iter().find(|f| f.rule == "F401").unwrap();
        let mut fixed = Entry::of(known);
        fixed.fingerprint = "fixed-since".into();
        fixed.rule = "E999".into();
        let adoption = Adoption {
            new_code: None,
            baseline: Some(Baseline {
                path: PathBuf::from(".opsgate-baseline.json"),
                entries: vec![Entry::of(known), fixed],
            }),
        };
        run.adoption = adoption.apply(&mut run.findings);
        run
    }

    #[test]
    fn baseline_findings_are_notes_that_cannot_fail_and_every_report_says_so() {
        let run = run_with_baseline();
        let f401 = run.findings.iter().find(|f| f.rule == "F401").unwrap();
        assert_eq!(f401.severity, Severity::Note);
        assert_eq!(f401.original_severity, Some(Severity::Error));
        assert_eq!(f401.baseline_state, Some(BaselineState::Unchanged));
        assert!(!run.is_blocking(f401));
        let black = run
            .findings
            .iter()
            .find(|f| f.tool == ToolId::Tool(ToolKind::Black))
            .unwrap();
        assert_eq!(black.baseline_state, Some(BaselineState::New));
        assert!(run.is_blocking(black));
        let summary = run.adoption.as_ref().unwrap();
        assert_eq!(summary.existing, 1);
        assert_eq!(summary.baseline.as_ref().unwrap().gone.len(), 1);

        let render = |format| {
            let mut out = Vec::new();
            crate::report::emit(format, &mut out, &run).unwrap();
            String::from_utf8(out).unwrap()
        };
        let terminal = render(crate::report::ReportFormat::Terminal);
        assert!(terminal.contains("(existing, was error)"), "{terminal}");
        assert!(
            terminal.contains("1 baseline findings are gone"),
            "{terminal}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(crate::report::ReportFormat::Json)).unwrap();
        assert_eq!(json["existing"], 1);
        assert_eq!(json["baseline"]["gone"][0]["fingerprint"], "fixed-since");
        let sarif = render(crate::report::ReportFormat::Sarif);
        assert!(
            sarif.contains("\"baselineState\": \"unchanged\""),
            "{sarif}"
        );
        let md = crate::report::summary_markdown(&run);
        assert!(md.contains("1 existing findings"), "{md}");
    }

    #[test]
    fn hunk_headers_without_counts_mean_one_line() {
        assert_eq!(hunk_header("@@ -3 +3,2 @@"), Some((3, 1, 2)));
        assert_eq!(hunk_header("not a header"), None);
    }
}
