//! One run of `opsgate check`: configure, discover, run, judge, report.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::adoption::Adoption;
use crate::cache::{self, ResultCache};
use crate::changed::Focus;
use crate::ci::CiContext;
use crate::cli::CheckArgs;
use crate::cli::ReportFormat;
use crate::config::{ConfigSource, Scopes, Settings};
use crate::finding::{self, Finding};
use crate::fingerprint;
use crate::guard::{self, TreeGuard};
use crate::progress::Progress;
use crate::pytest_config::TestPatterns;
use crate::repo::Repo;
use crate::report::{self, RunResult};
use crate::rules::{self, ToolFindings};
use crate::runners::{self, ToolRun};
use crate::test_result::TestResult;
use crate::toolenv;
use crate::verdict::{self, Verdict};

pub(crate) fn run(args: &CheckArgs) -> Result<Verdict> {
    let started = Instant::now();
    let mut settings = Settings::from_check_args(args)?;
    // A missing base or baseline stops the run before any tool runs.
    let adoption = Adoption::from_args(args, &settings.root)?;
    let Evaluation {
        repo,
        toolbox,
        mut findings,
        tests,
        tools,
    } = evaluate(
        &mut settings,
        &Scope {
            no_cache: args.no_cache,
            changed: args.changed,
            base: args.base.as_deref(),
        },
    )?;
    let adoption = adoption.apply(&mut findings);

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
        adoption,
    };
    write_reports(&settings, &result)?;
    Ok(verdict)
}

/// What the tools and rules found, fingerprinted and sorted.
pub(crate) struct Evaluation {
    pub(crate) repo: Repo,
    pub(crate) toolbox: runners::Toolbox,
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    pub(crate) tools: Vec<ToolRun>,
}

/// How much of the repository a run checks, and with what.
pub(crate) struct Scope<'a> {
    /// `--no-cache`.
    pub(crate) no_cache: bool,
    /// `--changed`.
    pub(crate) changed: bool,
    /// `--base`, for `--changed`.
    pub(crate) base: Option<&'a str>,
}

/// Discover, run the tools and the rules, apply the inline suppressions,
/// fingerprint: every finding of the run, before any judgement.
/// Nested `opsgate.toml` files found by the walk join `settings`.
pub(crate) fn evaluate(settings: &mut Settings, scope: &Scope) -> Result<Evaluation> {
    let mut repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    repo.apply_test_patterns(&TestPatterns::from_repo(&settings.root)?);
    settings.add_nested(&repo)?;
    let scopes = Scopes::new(settings);
    scopes.restrict_tools(&mut settings.tools, &repo);
    let toolbox = toolenv::prepare(settings, &repo)?;

    // Tool reports (pytest's JUnit) go to a private folder, never the repo.
    let scratch = tempfile::Builder::new()
        .prefix("opsgate-")
        .tempdir()
        .context("creating a temporary folder for tool reports")?;
    let enabled: Vec<_> = settings.tools.clone();
    let guard = TreeGuard::new(&repo);
    let progress = Progress::for_terminal();
    let cache = open_cache(scope.no_cache)?;
    let focus = if scope.changed {
        Some(changed_focus(&repo, scope.base)?)
    } else {
        None
    };
    let results = runners::run_all(
        &enabled,
        &runners::Session {
            repo: &repo,
            toolbox: &toolbox,
            slots: settings.jobs,
            scratch: scratch.path(),
            progress: &progress,
            cache: &cache,
            focus: focus.as_ref(),
        },
    );
    progress.done();
    // The repository's tests may have written into it: then the run cannot
    // judge, and nothing of it is kept for the next.
    let changes = guard.changes(&repo.root, settings.jobs);
    if changes.is_empty() {
        results.pending.commit(&cache);
    }

    let mut tool_findings = ToolFindings::default();
    let mut tests = Vec::new();
    let mut tools = Vec::with_capacity(results.tools.len());
    for (mut record, mut interpreted) in results.tools {
        // Severities and thresholds are those of each finding's path.
        scopes.settle_tool_findings(&mut interpreted.findings);
        record.findings = interpreted.findings.len();
        tool_findings.findings.extend(interpreted.findings);
        tool_findings
            .checked
            .extend(record.checked_files.iter().cloned());
        tests.extend(interpreted.tests);
        tools.push(record);
    }
    guard::blame(&mut tools, &changes);
    // The built-in rules report unreadable paths too (OG001), as configured;
    // inline suppressions apply to their findings and the tools'.
    let mut findings: Vec<Finding> = rules::run(&repo, &settings.rules, &scopes, tool_findings);
    if let Some(focus) = &focus {
        // The tools saw only the change; the rules' findings are cut to it.
        findings.retain(|f| f.tool != "opsgate" || focus.concerns(f));
    }
    fingerprint::assign(&mut findings, &repo);
    finding::sort(&mut findings);
    Ok(Evaluation {
        repo,
        toolbox,
        findings,
        tests,
        tools,
    })
}

/// The result cache in opsgate's cache folder, bounded by
/// `OPSGATE_CACHE_MAX_MB` (default 512); `--no-cache` (or a non-empty
/// `OPSGATE_NO_CACHE`) neither reads nor writes it.
fn open_cache(no_cache: bool) -> Result<ResultCache> {
    if no_cache || std::env::var_os("OPSGATE_NO_CACHE").is_some_and(|v| !v.is_empty()) {
        return Ok(ResultCache::open(None, 0));
    }
    let max_bytes = match std::env::var("OPSGATE_CACHE_MAX_MB") {
        Ok(value) => value
            .trim()
            .parse::<u64>()
            .map(|mb| mb * 1024 * 1024)
            .with_context(|| {
                format!("OPSGATE_CACHE_MAX_MB=`{value}` is not a whole number of megabytes")
            })?,
        Err(_) => cache::DEFAULT_MAX_BYTES,
    };
    Ok(ResultCache::open(Some(&toolenv::cache_dir()?), max_bytes))
}

/// The files `--changed` checks, said on stderr.
fn changed_focus(repo: &Repo, base: Option<&str>) -> Result<Focus> {
    let focus = Focus::compute(repo, base)?;
    anstream::eprintln!(
        "opsgate: --changed: {} files changed since `{}`{}; checking them and {} files that import them",
        focus.changed_files(),
        focus.base,
        focus.merge_base.as_deref().map_or_else(
            || " (no common history: everything is new)".to_owned(),
            |sha| format!(" (merge base {})", &sha[..sha.len().min(12)])
        ),
        focus.importers(),
    );
    Ok(focus)
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
