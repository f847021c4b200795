//! One run of `opsgate check`: configure, discover, run, judge, report.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::ci::CiContext;
use crate::cli::CheckArgs;
use crate::cli::{OutputArg, ReportFormat};
use crate::config::{ConfigSource, Settings, ToolSettings};
use crate::finding::{self, Finding};
use crate::fingerprint;
use crate::guard::{self, TreeGuard};
use crate::merge;
use crate::progress::Progress;
use crate::pytest_config::TestPatterns;
use crate::repo::Repo;
use crate::report::{self, RunResult};
use crate::rules;
use crate::runners::{self, Interpreted, ToolRun, Toolbox};
use crate::shard::{self, Plan, Shard, ShardInfo};
use crate::toolenv;
use crate::verdict::{self, Verdict};

pub(crate) fn run(args: &CheckArgs) -> Result<Verdict> {
    let started = Instant::now();
    let settings = Settings::from_check_args(args)?;
    let shard = shard::resolve(args.shard, |name| {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    })?;
    let mut repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    repo.apply_test_patterns(&TestPatterns::from_repo(&settings.root)?);
    // The environment is the whole repository's, whatever the shard checks.
    let toolbox = toolenv::prepare(&settings, &repo)?;
    let sharding = shard.map(|shard| Sharding::new(shard, &repo));
    if let Some(sharding) = &sharding {
        // A shard's verdict covers only its part: say so where people look.
        let checked = sharding
            .part
            .as_ref()
            .map_or(repo.files.len(), |p| p.files.len());
        anstream::eprintln!(
            "opsgate: shard {}: checking {checked} of {} files; `opsgate merge` the shards' \
             JSON reports for the verdict",
            sharding.shard,
            repo.files.len()
        );
    }

    // Tool reports (pytest's JUnit) go to a private folder, never the repo.
    let scratch = tempfile::Builder::new()
        .prefix("opsgate-")
        .tempdir()
        .context("creating a temporary folder for tool reports")?;
    let enabled: Vec<_> = settings.tools.clone();
    let guard = TreeGuard::new(&repo);
    let progress = Progress::for_terminal();
    let outcomes = run_tools(
        &enabled,
        &repo,
        sharding.as_ref(),
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
    // The rules see the whole repository; each finding is kept by one shard.
    if let Some(sharding) = &sharding {
        findings.retain(|f| sharding.owns(&f.path));
    }
    let mut tests = Vec::new();
    let mut tools = Vec::with_capacity(outcomes.len());
    for (record, interpreted) in outcomes {
        findings.extend(interpreted.findings);
        tests.extend(interpreted.tests);
        tools.push(record);
    }
    // In file order whichever environment ran them, as a merge of shards has them.
    tests.sort_by(|a, b| a.file.cmp(&b.file));
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
        shard: sharding
            .map(|s| {
                let config = match &settings.source {
                    ConfigSource::Defaults => None,
                    ConfigSource::File(path) => Some(path.as_path()),
                };
                ShardInfo::new(s.shard, &s.plan, &settings.root, config)
            })
            .transpose()?,
    };
    write_reports(
        settings.format,
        settings.format_given,
        &settings.outputs,
        &result,
    )?;
    Ok(verdict)
}

/// Runs the tools over the shard's part of `repo`, or all of it. The
/// designated shard of several also runs Pylint's cross-file checks over
/// every file, added to Pylint's record, so that one shard reports them.
fn run_tools(
    enabled: &[ToolSettings],
    repo: &Repo,
    sharding: Option<&Sharding>,
    toolbox: &Toolbox,
    jobs: usize,
    scratch: &Path,
    progress: &Progress,
) -> Vec<(ToolRun, Interpreted)> {
    let part = sharding.and_then(|s| s.part.as_ref());
    let designated = sharding.is_some_and(|s| s.shard.is_designated());
    std::thread::scope(|scope| {
        let cross_file = (part.is_some() && designated).then(|| {
            scope.spawn(|| runners::run_pylint_cross_file(enabled, repo, toolbox, jobs, scratch))
        });
        let mut outcomes = runners::run_all(
            enabled,
            part.unwrap_or(repo),
            toolbox,
            jobs,
            scratch,
            progress,
        );
        let cross_file =
            cross_file.and_then(|handle| handle.join().expect("tool threads do not panic"));
        if let Some((record, interpreted)) = cross_file
            && let Some((tool, found)) = outcomes.iter_mut().find(|(t, _)| t.name == record.name)
        {
            found.findings.extend(interpreted.findings);
            merge::add_pass(tool, record);
        }
        outcomes
    })
}

/// This run's shard and the plan every shard computes alike.
struct Sharding {
    shard: Shard,
    plan: Plan,
    /// The files this shard's tools check; `None` for one shard of one,
    /// which checks the whole repository.
    part: Option<Repo>,
}

impl Sharding {
    fn new(shard: Shard, repo: &Repo) -> Sharding {
        let plan = Plan::new(repo, shard.total, &shard::size_cost);
        let owns = |path: &str| plan.shard_of(path) == shard.index;
        let part = (shard.total > 1).then(|| repo.part(owns));
        Sharding { shard, plan, part }
    }

    /// Whether this shard checks (and reports on) `path`.
    fn owns(&self, path: &str) -> bool {
        self.plan.shard_of(path) == self.shard.index
    }
}

/// The stdout report, the `--output` files, and on GitHub Actions the
/// annotations and step summary.
pub(crate) fn write_reports(
    format: ReportFormat,
    format_given: bool,
    outputs: &[OutputArg],
    result: &RunResult,
) -> Result<()> {
    for output in outputs {
        report::write_file(output.format, &output.path, result)?;
    }
    if let Some(summary) = &result.ci.step_summary {
        report::append_step_summary(summary, result)?;
    }
    if let Some(step_outputs) = &result.ci.step_outputs {
        report::append_step_outputs(step_outputs, result, outputs)?;
    }
    let mut stdout = anstream::stdout().lock();
    report::emit(format, &mut stdout, result)?;
    // On GitHub Actions the default report also annotates the diff.
    if result.ci.github_actions && !format_given {
        report::emit(ReportFormat::Github, &mut stdout, result)?;
    }
    stdout.flush().context("writing the report to stdout")?;
    Ok(())
}
