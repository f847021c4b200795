//! One run of `opsgate check`: configure, discover, run, judge, report.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::audit;
use crate::ci::CiContext;
use crate::cli::CheckArgs;
use crate::cli::ReportFormat;
use crate::config::{ConfigSource, Settings};
use crate::finding::{self, Finding};
use crate::fingerprint;
use crate::guard::{self, TreeGuard};
use crate::progress::Progress;
use crate::pytest_config::TestPatterns;
use crate::repo::Repo;
use crate::report::{self, RunResult};
use crate::rules;
use crate::runners;
use crate::toolenv;
use crate::verdict::{self, Verdict};

pub(crate) fn run(args: &CheckArgs) -> Result<Verdict> {
    let started = Instant::now();
    let settings = Settings::from_check_args(args)?;
    let audit = audit::Request::from_args(args)?;
    let mut repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    repo.apply_test_patterns(&TestPatterns::from_repo(&settings.root)?);
    let toolbox = toolenv::prepare(&settings, &repo)?;

    // Tool reports (pytest's JUnit) go to a private folder, never the repo.
    let scratch = tempfile::Builder::new()
        .prefix("opsgate-")
        .tempdir()
        .context("creating a temporary folder for tool reports")?;
    let enabled: Vec<_> = settings.tools.clone();
    let guard = TreeGuard::new(&repo);
    let progress = Progress::for_terminal();
    let outcomes = runners::run_all(
        &enabled,
        &repo,
        &toolbox,
        settings.jobs,
        scratch.path(),
        &progress,
    );
    progress.done();
    // The repository's tests may have written into it: then the run cannot judge.
    let changes = guard.changes(&repo.root, settings.jobs);

    // The built-in rules report unreadable paths too (OG001), as configured.
    let mut findings: Vec<Finding> = rules::run(&repo, &settings.rules);
    let mut tests = Vec::new();
    let mut tools = Vec::with_capacity(outcomes.len());
    for (record, interpreted) in outcomes {
        findings.extend(interpreted.findings);
        tests.extend(interpreted.tests);
        tools.push(record);
    }
    guard::blame(&mut tools, &changes);
    fingerprint::assign(&mut findings, &repo);
    finding::sort(&mut findings);

    let verdict = verdict::judge(&findings, &tools, settings.fail_on);
    for tool in &tools {
        if let Some(error) = &tool.error {
            anstream::eprintln!("opsgate: error: {error}");
        }
    }
    let result = RunResult {
        verdict,
        fail_on: settings.fail_on,
        findings,
        tests,
        tools,
        python: toolbox.python.display().to_string(),
        python_version: toolbox.python_version.clone(),
        duration: started.elapsed(),
        config: match &settings.source {
            ConfigSource::Defaults => None,
            ConfigSource::File(path) => Some(path.display().to_string()),
        },
        domains: repo.domains.clone(),
        tool_folders: repo.tools.iter().map(|t| t.path.clone()).collect(),
        ci: CiContext::from_env(&settings.root),
    };
    write_reports(&settings, &result)?;
    if let Some(audit) = &audit {
        audit.append(&result, &repo, &settings)?;
    }
    Ok(verdict)
}

/// The stdout report, the `--output` files, and on GitHub Actions the
/// annotations and step summary.
fn write_reports(settings: &Settings, result: &RunResult) -> Result<()> {
    for output in &settings.outputs {
        report::write_file(output.format, &output.path, result)?;
    }
    if let Some(summary) = &result.ci.step_summary {
        report::append_step_summary(summary, result)?;
    }
    if let Some(outputs) = &result.ci.step_outputs {
        report::append_step_outputs(outputs, result, &settings.outputs)?;
    }
    let mut stdout = anstream::stdout().lock();
    report::emit(settings.format, &mut stdout, result)?;
    // On GitHub Actions the default report also annotates the diff.
    if result.ci.github_actions && !settings.format_given {
        report::emit(ReportFormat::Github, &mut stdout, result)?;
    }
    stdout.flush().context("writing the report to stdout")?;
    Ok(())
}
