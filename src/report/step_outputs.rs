//! Step outputs for GitHub Actions, appended to the file named by
//! `GITHUB_OUTPUT`: the verdict, the finding counts and the path of every
//! report written, so later steps (a SARIF upload, a comment) can use them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use super::OutputArg;
use super::RunResult;
use crate::model::Severity;

pub(crate) fn append_step_outputs(
    path: &Path,
    run: &RunResult,
    reports: &[OutputArg],
) -> Result<()> {
    super::append_to(path, &outputs(run, reports), "step outputs")
}

fn outputs(run: &RunResult, reports: &[OutputArg]) -> String {
    let verdict = serde_json::to_value(run.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut text = format!(
        "verdict={verdict}\nfindings={}\nblocking={}\nerrors={}\nwarnings={}\nnotes={}\n",
        run.findings.len(),
        run.blocking(),
        run.count(Severity::Error),
        run.count(Severity::Warning),
        run.count(Severity::Note)
    );
    for report in reports {
        let name = format!("{:?}", report.format).to_lowercase();
        // A path with a newline cannot be a `key=value` line; leave it out.
        if let Some(path) = report.path.to_str().filter(|p| !p.contains('\n')) {
            let _ = writeln!(text, "{name}-file={path}");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportFormat;
    use crate::report::fixtures;

    #[test]
    fn verdict_counts_and_report_paths() {
        let reports = [OutputArg {
            format: ReportFormat::Sarif,
            path: "out/opsgate.sarif".into(),
        }];
        assert_eq!(
            outputs(&fixtures::run(), &reports),
            "verdict=failed\nfindings=3\nblocking=2\nerrors=2\nwarnings=0\nnotes=1\n\
             sarif-file=out/opsgate.sarif\n"
        );
    }
}
