//! The Markdown summary GitHub shows on a workflow run's page, appended to
//! the file named by `GITHUB_STEP_SUMMARY`: the verdict, a table of tools
//! with counts and timing, test totals, coverage per tool folder when it was
//! measured, and the most severe findings with links to their file and line.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::RunResult;
use super::coverage_figures::{shown_percent, thousands};
use crate::judge::verdict::Verdict;
use crate::model::TestOutcome;
use crate::model::{Finding, Severity};

/// Findings listed in the summary; the rest are counted.
const TOP_FINDINGS: usize = 20;

pub(crate) fn append_step_summary(path: &Path, run: &RunResult) -> Result<()> {
    super::append_to(path, &markdown(run), "step summary")
}

pub(crate) fn markdown(run: &RunResult) -> String {
    let mut md = String::new();
    let verdict = match run.verdict {
        Verdict::Passed => "✅ passed",
        Verdict::Failed => "❌ failed",
        Verdict::Error => "⚠️ could not judge (a check did not run)",
    };
    let _ = writeln!(md, "## opsgate: {verdict}\n");
    let _ = writeln!(
        md,
        "{} findings at or above `{}`{} — {} errors, {} warnings, {} notes — in {:.1}s\n",
        run.blocking(),
        run.fail_on,
        run.other_thresholds(),
        run.count(Severity::Error),
        run.count(Severity::Warning),
        run.count(Severity::Note),
        run.duration.as_secs_f64()
    );
    if let Some(adoption) = &run.adoption {
        let gone = adoption.baseline.as_ref().map_or(0, |b| b.gone.len());
        let _ = writeln!(
            md,
            "{} existing findings (unchanged since the base, or in the baseline) are notes that \
             cannot fail the gate{}\n",
            adoption.existing,
            if gone == 0 {
                String::new()
            } else {
                format!("; {gone} baseline findings are gone (`opsgate baseline --prune`)")
            }
        );
    }
    md.push_str(
        "| tool | version | status | time | files | findings |\n|---|---|---|---:|---:|---:|\n",
    );
    for tool in &run.tools {
        #[allow(clippy::cast_precision_loss)] // durations are far below 2^52 ms
        let seconds = tool.duration_ms as f64 / 1000.0;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {seconds:.2}s | {} | {} |",
            tool.name,
            tool.version.as_deref().unwrap_or("-"),
            serde_json::to_value(tool.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            tool.files,
            tool.findings
        );
    }
    if !run.tests.is_empty() {
        let count = |outcome| run.tests.iter().filter(|t| t.outcome == outcome).count();
        let _ = writeln!(
            md,
            "\nTests: {} passed, {} failed, {} errors, {} skipped",
            count(TestOutcome::Passed),
            count(TestOutcome::Failed),
            count(TestOutcome::Error),
            count(TestOutcome::Skipped)
        );
    }
    coverage_table(&mut md, run);
    if !run.findings.is_empty() {
        let mut top: Vec<&Finding> = run.findings.iter().collect();
        top.sort_by_key(|f| std::cmp::Reverse(f.severity));
        md.push_str("\n| severity | where | rule | message |\n|---|---|---|---|\n");
        for finding in top.iter().take(TOP_FINDINGS) {
            let _ = writeln!(
                md,
                "| {} | {} | {} {} | {} |",
                finding.severity,
                link(run, finding),
                finding.tool,
                cell(&finding.rule),
                cell(finding.message.lines().next().unwrap_or_default())
            );
        }
        if run.findings.len() > TOP_FINDINGS {
            let _ = writeln!(
                md,
                "\n…and {} more in the full report.",
                run.findings.len() - TOP_FINDINGS
            );
        }
    }
    md.push('\n');
    md
}

/// The repository's coverage and a table of each tool folder's.
fn coverage_table(md: &mut String, run: &RunResult) {
    let Some(figures) = run.coverage_figures() else {
        return;
    };
    if figures.total.statements == 0 {
        md.push_str("\nCoverage: no statements measured\n");
        return;
    }
    let _ = writeln!(
        md,
        "\nCoverage: **{}%** of {} statements",
        shown_percent(figures.total),
        thousands(figures.total.statements)
    );
    if figures.groups.is_empty() {
        return;
    }
    md.push_str("\n| tool folder | coverage | covered | statements |\n|---|---:|---:|---:|\n");
    for group in &figures.groups {
        let label = match &group.folder {
            Some(folder) => format!("`{}`", run.platform_path(folder).replace('`', "'")),
            None => group.label().to_owned(),
        };
        let _ = writeln!(
            md,
            "| {} | {}% | {} | {} |",
            cell(&label),
            shown_percent(group.figure),
            thousands(group.figure.covered),
            thousands(group.figure.statements)
        );
    }
}

fn link(run: &RunResult, finding: &Finding) -> String {
    let path = run.platform_path(&finding.path);
    let shown = match finding.span.line {
        Some(line) => format!("{path}:{line}"),
        None => path.clone(),
    };
    match &run.ci.blob_url {
        Some(blob) => {
            let anchor = finding
                .span
                .line
                .map(|l| format!("#L{l}"))
                .unwrap_or_default();
            format!("[{}]({blob}/{path}{anchor})", cell(&shown))
        }
        None => format!("`{}`", shown.replace('`', "'")),
    }
}

/// Table cells hold one line and no unescaped `|`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn summary_has_verdict_tools_tests_and_linked_findings() {
        let mut run = fixtures::run();
        run.ci.blob_url = Some("https://github.com/acme/ops/blob/abc123".into());
        let md = markdown(&run);
        assert!(md.starts_with("## opsgate: ❌ failed"), "{md}");
        assert!(
            md.contains("| flake8 | 1.0.0 | ok | 1.50s | 2 | 2 |"),
            "{md}"
        );
        assert!(
            md.contains("Tests: 1 passed, 1 failed, 0 errors, 0 skipped"),
            "{md}"
        );
        assert!(
            md.contains("[net/a.py:1](https://github.com/acme/ops/blob/abc123/net/a.py#L1)"),
            "{md}"
        );
    }

    #[test]
    fn appends_to_the_summary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "earlier step\n").unwrap();
        append_step_summary(&path, &fixtures::run()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("earlier step\n## opsgate"));
    }
}
