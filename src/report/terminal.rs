//! The report for people: findings grouped by file, one line per tool with
//! its version and time, and a one-line verdict. Styles are ANSI codes that
//! the caller's stream strips when it is not a terminal (or `NO_COLOR`).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use anyhow::Result;

use super::coverage_figures::{shown_percent, thousands};
use super::{Emitter, RunResult};
use crate::judge::verdict::Verdict;
use crate::model::{BaselineState, Planning, Severity};
use crate::runners::{ToolStatus, spec};

pub(crate) struct Terminal;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const BLUE: Style = AnsiColor::Blue.on_default();
const GREEN: Style = AnsiColor::Green.on_default().bold();

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Note => BLUE,
    }
}

impl Emitter for Terminal {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let mut current_path: Option<&str> = None;
        for finding in &run.findings {
            if current_path != Some(finding.path.as_str()) {
                if current_path.is_some() {
                    writeln!(out)?;
                }
                let shown = if finding.path.is_empty() {
                    "(repository)"
                } else {
                    &finding.path
                };
                writeln!(out, "{BOLD}{shown}{BOLD:#}")?;
                current_path = Some(&finding.path);
            }
            let position = match (finding.span.line, finding.span.column) {
                (Some(line), Some(column)) => format!("{line}:{column}"),
                (Some(line), None) => line.to_string(),
                _ => "-".to_owned(),
            };
            let style = severity_style(finding.severity);
            write!(
                out,
                "  {position:>8}  {style}{:<7}{style:#}  {DIM}{} {}{DIM:#}  {}",
                finding.severity,
                finding.tool,
                finding.rule,
                // Continuation lines of a long message stay under it.
                finding.message.trim_end().replace('\n', "\n            ")
            )?;
            if finding
                .baseline_state
                .is_some_and(BaselineState::is_existing)
            {
                match finding.original_severity {
                    Some(was) => write!(out, "  {DIM}(existing, was {was}){DIM:#}")?,
                    None => write!(out, "  {DIM}(existing){DIM:#}")?,
                }
            }
            writeln!(out)?;
        }
        if !run.findings.is_empty() {
            writeln!(out)?;
        }

        for tool in &run.tools {
            let version = tool.version.as_deref().unwrap_or("-");
            let (status, style) = match tool.status {
                ToolStatus::Ok => ("ok", GREEN),
                ToolStatus::Skipped => ("skipped", DIM),
                ToolStatus::Disabled => ("disabled", DIM),
                ToolStatus::NotInstalled => ("missing", RED),
                ToolStatus::Failed => ("FAILED", RED),
                ToolStatus::TimedOut => ("TIMEOUT", RED),
            };
            #[allow(clippy::cast_precision_loss)] // durations are far below 2^52 ms
            let seconds = tool.duration_ms as f64 / 1000.0;
            write!(
                out,
                "{:<7} {version:<8} {style}{status:<8}{style:#} {seconds:>6.2}s  {:>5} files  {} findings",
                tool.name, tool.files, tool.findings
            )?;
            if tool.cached > 0 {
                let unit = if spec(tool.name).planning == Planning::TestFolders {
                    "folders"
                } else {
                    "files"
                };
                write!(out, "  {DIM}({} {unit} from the cache){DIM:#}", tool.cached)?;
            }
            if tool
                .version
                .as_deref()
                .is_some_and(|v| v != tool.pinned_version)
            {
                write!(out, "  {YELLOW}(pinned {}){YELLOW:#}", tool.pinned_version)?;
            }
            writeln!(out)?;
        }
        write_coverage(out, run)?;
        writeln!(
            out,
            "{DIM}python {} ({}); configuration: {}; {} domains, {} tool folders{DIM:#}",
            run.python_version,
            run.python,
            run.config.as_deref().unwrap_or("embedded defaults"),
            run.domains.len(),
            run.tool_folders.len()
        )?;
        write_adoption(out, run)?;
        writeln!(out)?;
        write_verdict(out, run)
    }
}

/// Each tool folder's coverage, then the repository's on a line of its own,
/// unstyled, for GitLab's `coverage:` keyword (the example jobs'
/// `/Coverage: (\d+\.\d+)% of [\d,]+ statements/`).
fn write_coverage(out: &mut dyn Write, run: &RunResult) -> Result<()> {
    let Some(figures) = run.coverage_figures() else {
        return Ok(());
    };
    let width = figures.groups.iter().map(|g| g.label().len()).max();
    if let Some(width) = width {
        writeln!(out, "{DIM}coverage by tool folder:{DIM:#}")?;
        for group in &figures.groups {
            writeln!(
                out,
                "  {:<width$}  {:>5}%  {DIM}({} of {} statements){DIM:#}",
                group.label(),
                shown_percent(group.figure),
                thousands(group.figure.covered),
                thousands(group.figure.statements)
            )?;
        }
    }
    if figures.total.statements == 0 {
        // Not "100.0 %", which GitLab would show on the merge request.
        writeln!(out, "Coverage: no statements measured")?;
    } else {
        writeln!(
            out,
            "Coverage: {}% of {} statements",
            shown_percent(figures.total),
            thousands(figures.total.statements)
        )?;
    }
    Ok(())
}

/// What `--new-only` and the baseline compared with, and what the baseline
/// no longer needs.
fn write_adoption(out: &mut dyn Write, run: &RunResult) -> Result<()> {
    let Some(adoption) = &run.adoption else {
        return Ok(());
    };
    if let Some(new_only) = &adoption.new_only {
        match &new_only.merge_base {
            Some(commit) => writeln!(
                out,
                "{DIM}new code: lines changed since {} (merge base with {}){DIM:#}",
                commit.get(..12).unwrap_or(commit),
                new_only.base
            )?,
            None => writeln!(
                out,
                "{DIM}new code: no history to compare with, so everything is new{DIM:#}"
            )?,
        }
    }
    if let Some(baseline) = &adoption.baseline {
        writeln!(
            out,
            "{DIM}baseline {}: {} findings known{DIM:#}",
            baseline.file, baseline.matched
        )?;
        if !baseline.gone.is_empty() {
            writeln!(
                out,
                "{GREEN}{} baseline findings are gone{GREEN:#}: `opsgate baseline --prune` drops them",
                baseline.gone.len()
            )?;
        }
    }
    writeln!(
        out,
        "{DIM}{} existing findings reported at note; they cannot fail the gate{DIM:#}",
        adoption.existing
    )?;
    Ok(())
}

fn write_verdict(out: &mut dyn Write, run: &RunResult) -> Result<()> {
    let counts = format!(
        "{} errors, {} warnings, {} notes",
        run.count(Severity::Error),
        run.count(Severity::Warning),
        run.count(Severity::Note)
    );
    #[allow(clippy::cast_precision_loss)]
    let seconds = run.duration.as_millis() as f64 / 1000.0;
    match run.verdict {
        Verdict::Passed => writeln!(
            out,
            "{GREEN}PASSED{GREEN:#}  nothing at or above {}{} ({counts}) in {seconds:.2}s",
            run.fail_on,
            run.other_thresholds()
        )?,
        Verdict::Failed => writeln!(
            out,
            "{RED}FAILED{RED:#}  {} findings at or above {}{} ({counts}) in {seconds:.2}s",
            run.blocking(),
            run.fail_on,
            run.other_thresholds()
        )?,
        Verdict::Error => writeln!(
            out,
            "{RED}ERROR{RED:#}   the gate could not judge: a check did not run (see above); {counts}"
        )?,
    }
    Ok(())
}

#[cfg(test)]
mod per_folder_tests {
    use super::*;
    use crate::report::fixtures;

    fn verdict_line(run: &RunResult) -> String {
        let mut out = Vec::new();
        write_verdict(&mut out, run).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_verdict_names_per_folder_thresholds_when_a_finding_has_one() {
        let mut run = fixtures::run();
        assert!(!verdict_line(&run).contains("folder"));
        run.findings[2].fail_on = Some(Severity::Note);
        let line = verdict_line(&run);
        assert!(
            line.contains("3 findings at or above warning or their folder's threshold"),
            "{line}"
        );
    }
}
