//! Where a run's reports go: the stdout report, the `--output` files, and on
//! GitHub Actions the annotations, step summary and step outputs. `check`
//! and `merge` both end here.

use std::io::Write;

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{OutputArg, ReportFormat};
use super::{RunResult, append_step_outputs, append_step_summary, emit, write_file};

/// Where the reports of a run go, checked before the run starts.
#[derive(Debug)]
pub(crate) struct Destinations {
    /// The report on stdout.
    format: ReportFormat,
    /// Whether `--format` was given (GitHub annotations join the default terminal report).
    format_given: bool,
    /// More reports, each to its file.
    outputs: Vec<OutputArg>,
}

impl Destinations {
    /// `--format` and the `--output` files.
    ///
    /// # Errors
    /// An output whose folder does not exist, that is a folder, or that is
    /// named twice.
    pub(crate) fn new(format: Option<ReportFormat>, outputs: &[OutputArg]) -> Result<Destinations> {
        Ok(Destinations {
            format: format.unwrap_or(ReportFormat::Terminal),
            format_given: format.is_some(),
            outputs: validate_outputs(outputs)?,
        })
    }
}

/// The stdout report, the `--output` files, and on GitHub Actions the
/// annotations and step summary.
pub(crate) fn write_all(destinations: &Destinations, result: &RunResult) -> Result<()> {
    let Destinations {
        format,
        format_given,
        ref outputs,
    } = *destinations;
    let mut written = Vec::new();
    for output in outputs {
        if output.format == ReportFormat::Cobertura && result.coverage.is_none() {
            skip_coverage_report(&output.path)?;
            continue;
        }
        write_file(output.format, &output.path, result)?;
        written.push(output.clone());
    }
    if let Some(summary) = &result.ci.step_summary {
        append_step_summary(summary, result)?;
    }
    if let Some(step_outputs) = &result.ci.step_outputs {
        append_step_outputs(step_outputs, result, &written)?;
    }
    // Buffered: stdout is line-buffered, one write per line of the report
    // (45,000 for the JSON of 5,000 findings) without it. A JSON report
    // cannot hold a raw escape (serde writes control characters as `\u`
    // escapes), so it bypasses anstream, which scanned every byte of a 9 MB
    // report for colours to strip.
    let github = result.ci.github_actions && !format_given;
    let json = matches!(
        format,
        ReportFormat::Json | ReportFormat::Sarif | ReportFormat::Gitlab
    );
    if json && !github {
        emit_to_stdout(std::io::stdout().lock(), format, false, result)
    } else {
        emit_to_stdout(anstream::stdout().lock(), format, github, result)
    }
}

/// The stdout report, and on GitHub Actions (`github`) the annotations.
fn emit_to_stdout(
    stdout: impl Write,
    format: ReportFormat,
    github: bool,
    result: &RunResult,
) -> Result<()> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    emit(format, &mut stdout, result)?;
    if github {
        emit(ReportFormat::Github, &mut stdout, result)?;
    }
    stdout.flush().context("writing the report to stdout")
}

/// `--output cobertura=FILE` of a run that measured no coverage: no file,
/// rather than an empty report that reads as nothing to cover, and none left
/// from an earlier run to be taken for this one's; a warning says how to
/// measure. The gate's verdict does not depend on the report (the
/// coverage thresholds fail on their own), so a CI job that always asks
/// for it works in a repository that has not turned coverage on yet.
fn skip_coverage_report(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).with_context(|| {
                format!("removing the earlier coverage report `{}`", path.display())
            });
        }
        _ => {}
    }
    anstream::eprintln!(
        "opsgate: warning: --output cobertura={} not written: {}",
        path.display(),
        super::cobertura::NOT_MEASURED
    );
    Ok(())
}

fn validate_outputs(outputs: &[OutputArg]) -> Result<Vec<OutputArg>> {
    for (index, output) in outputs.iter().enumerate() {
        let parent = output
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            bail!(
                "--output `{}`: the folder `{}` does not exist; create it first",
                output.path.display(),
                parent.display()
            );
        }
        if output.path.is_dir() {
            bail!(
                "--output `{}` is a folder; name a file",
                output.path.display()
            );
        }
        if outputs[..index].iter().any(|o| o.path == output.path) {
            bail!("--output `{}` is named twice", output.path.display());
        }
    }
    Ok(outputs.to_vec())
}
