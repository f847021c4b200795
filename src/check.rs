//! One run of `opsgate check`: configure, discover, run, judge, report.

use std::time::Instant;

use anyhow::{Context, Result};

use crate::audit;
use crate::cache::{self, ResultCache};
use crate::ci::CiContext;
use crate::cli::CheckArgs;
use crate::discover::changed::Focus;
use crate::environment;
use crate::git::ChangeSet;
use crate::judge::adoption::Adoption;

use crate::config::{CheckOptions, ConfigSource, Scopes, Settings, ToolSettings};
use crate::discover::imports::ImportGraph;
use crate::discover::pytest_config::TestPatterns;
use crate::discover::repo::Repo;
use crate::discover::shard::{self, Plan, Shard, ShardInfo};
use crate::guard::{self, TreeGuard};
use crate::interrupt;
use crate::judge::fingerprint;
use crate::judge::verdict::{self, Verdict};
use crate::model::{Coverage, TestResult};
use crate::model::{Finding, sort_findings};
use crate::progress::Progress;
use crate::report::{self, Destinations, RunResult};
use crate::rules::{self, ToolFindings};
use crate::runners::{self, Interpreted, Pending, ToolRun};
use crate::timings::Clock;
use crate::toolenv;

pub(crate) fn run(args: &CheckArgs) -> Result<Verdict> {
    let started = Instant::now();
    let mut clock = Clock::start();
    let mut settings = Settings::resolve(&args.sources())?;
    let destinations = Destinations::new(args.format, &args.output)?;
    let options = args.options()?;
    let audit = audit::Request::from_options(&options)?;
    // A missing base or baseline stops the run before any tool runs.
    let adoption = Adoption::from_options(&options, &settings.root)?;
    clock.lap("configure");
    let Evaluation {
        repo,
        toolbox,
        mut findings,
        tests,
        tools,
        sharding,
        coverage,
    } = evaluate(&mut settings, &options, adoption.changes())?;
    // `evaluate` timed its own phases.
    clock.restart();
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
        shard: sharding
            .map(|s| {
                let config = match &settings.source {
                    ConfigSource::Defaults => None,
                    ConfigSource::File(path) => Some(path.as_path()),
                };
                ShardInfo::new(s.shard, &s.plan, &settings.root, config)
            })
            .transpose()?,
        coverage,
    };
    report::write_all(&destinations, &result)?;
    if let Some(audit) = &audit {
        audit.append(&result, &repo, &settings)?;
    }
    clock.lap("report");
    clock.total();
    Ok(verdict)
}

/// What the tools and rules found, fingerprinted and sorted.
pub(crate) struct Evaluation {
    pub(crate) repo: Repo,
    pub(crate) toolbox: runners::Toolbox,
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    pub(crate) tools: Vec<ToolRun>,
    /// The shard this run checked, if one.
    pub(crate) sharding: Option<Sharding>,
    /// What the tests executed, when coverage was measured.
    pub(crate) coverage: Option<Coverage>,
}

/// Discover, run the tools and the rules, apply the inline suppressions,
/// fingerprint: every finding of the run, before any judgement.
/// Nested `opsgate.toml` files found by the walk join `settings`.
/// `new_code`: under `--new-only`, what changed since the merge base.
pub(crate) fn evaluate(
    settings: &mut Settings,
    options: &CheckOptions,
    new_code: Option<&ChangeSet>,
) -> Result<Evaluation> {
    // Settings from the environment are checked before any work.
    let cache = open_cache(options.no_cache)?;
    let pylint_parts = environment::snapshot().pylint_parts()?;
    let mut clock = Clock::start();
    let mut repo = Repo::discover(&settings.root, &settings.layout, settings.jobs);
    clock.lap("walk");
    repo.apply_test_patterns(&TestPatterns::from_repo(&settings.root)?);
    crate::tool_config::validate(&repo)?;
    settings.add_nested(&repo)?;
    let scopes = Scopes::new(settings);
    scopes.restrict_tools(&mut settings.tools, &repo);
    // The environment is the whole repository's, whatever the shard checks.
    let toolbox = toolenv::prepare(settings, &repo)?;
    let sharding = options.shard.map(|shard| Sharding::new(shard, &repo));
    if let Some(sharding) = &sharding {
        sharding.announce(&repo);
    }

    let scratch = scratch_folder()?;
    let enabled: Vec<_> = settings.tools.clone();
    // With every tool off no process runs: nothing can write into the tree,
    // and no result is looked up or stored.
    let any_tool = enabled.iter().any(|tool| tool.enabled);
    // The pack is read from here on, beside the stamps and keys.
    let cache = if any_tool {
        // A run of the changed files uses part of what the pack holds and
        // keeps the rest.
        let (root, shard) = pack_scope(settings, options);
        cache.with_pack(&root, &shard, options.changed || settings.subpath.is_some())
    } else {
        cache
    };
    clock.lap("setup");
    let guard = any_tool.then(|| TreeGuard::new(&repo));
    clock.lap("guard-stamp");
    let progress = Progress::for_terminal();
    // One read of every file serves the cache keys and `--changed`.
    let keys = ((cache.enabled() && any_tool) || options.changed)
        .then(|| runners::KeyInputs::compute(&repo));
    let focus = match &keys {
        Some(keys) if options.changed => {
            Some(changed_focus(&repo, options.base.as_deref(), &keys.graph)?)
        }
        _ => None,
    };
    let focus = crate::discover::subpath::focus(focus, &repo, settings.subpath.as_deref())?;
    clock.lap("key-inputs");
    let sizes = guard.as_ref().map(TreeGuard::sizes).unwrap_or_default();
    let session = runners::Session {
        repo: sharding
            .as_ref()
            .and_then(|s| s.part.as_ref())
            .unwrap_or(&repo),
        whole: &repo,
        keys: keys.as_ref(),
        toolbox: &toolbox,
        slots: settings.jobs,
        scratch: scratch.path(),
        progress: &progress,
        cache: &cache,
        sizes: &sizes,
        focus: focus.as_ref(),
        pylint_parts,
        explain: options.explain_cache,
    };
    let results = run_tools(&enabled, &session, sharding.as_ref());
    progress.done();
    // What the tools' children left running outside their groups goes too.
    interrupt::end_orphans();
    // Nothing of an interrupted run is kept or reported.
    interrupt::check()?;
    if let Some(explained) = &results.explained {
        anstream::eprint!("{explained}");
    }
    clock.lap("tools");
    // The repository's tests may have written into it: then the run cannot
    // judge, and nothing of it is kept for the next.
    let changes = tree_changes(guard, &results, &repo.root, settings.jobs);
    clock.lap("guard-check");
    if changes.is_empty() {
        keep(results.pending, &cache);
    }
    clock.lap("cache-store");

    let measured = enabled.iter().any(|tool| tool.enabled && tool.coverage);
    let (mut tool_findings, mut tests, mut tools) =
        settle(results.tools, &scopes, measured.then_some(&repo));
    tool_findings.partial = sharding.is_some();
    let coverage = tool_findings.coverage.clone();
    guard::blame(&mut tools, &changes);
    // The built-in rules report unreadable paths too (OG001), as configured;
    // inline suppressions apply to their findings and the tools'.
    // The keys read every file before the tools ran; a run whose tools
    // changed one is failed by the tree guard above.
    let read = keys.map(|keys| keys.for_rules).unwrap_or_default();
    let mut findings: Vec<Finding> = rules::run(
        &repo,
        &settings.rules,
        &scopes,
        tool_findings,
        read,
        new_code,
    );
    clock.lap("rules");
    cut_to_run(&mut findings, focus.as_ref(), sharding.as_ref());
    // In file order whichever environment ran them, as a merge of shards has them.
    tests.sort_by(|a, b| a.file.cmp(&b.file));
    fingerprint::assign(&mut findings, &repo);
    sort_findings(&mut findings);
    clock.lap("fingerprint");
    Ok(Evaluation {
        repo,
        toolbox,
        findings,
        tests,
        tools,
        sharding,
        coverage,
    })
}

/// Tool reports (pytest's `JUnit`, coverage.py's data) go to a private
/// folder, never the repository; removed even if the run must end at once.
fn scratch_folder() -> Result<tempfile::TempDir> {
    let scratch = tempfile::Builder::new()
        .prefix("opsgate-")
        .tempdir()
        .context("creating a temporary folder for tool reports")?;
    interrupt::remove_on_exit(scratch.path().to_owned());
    Ok(scratch)
}

/// The tools' findings with the severities and thresholds of each
/// finding's path, their tests, and their records.
/// `measured`: the repository, when a test runner measured coverage.
fn settle(
    results: Vec<(ToolRun, Interpreted)>,
    scopes: &Scopes,
    measured: Option<&Repo>,
) -> (ToolFindings, Vec<TestResult>, Vec<ToolRun>) {
    let mut tool_findings = ToolFindings::default();
    let mut coverage = measured.map(|_| Coverage::default());
    let mut tests = Vec::new();
    let mut tools = Vec::with_capacity(results.len());
    for (mut record, mut interpreted) in results {
        scopes.settle_tool_findings(&mut interpreted.findings);
        record.findings = interpreted.findings.len();
        tool_findings.findings.extend(interpreted.findings);
        tool_findings
            .checked
            .extend(record.checked_files.iter().cloned());
        tests.extend(interpreted.tests);
        if let Some(coverage) = &mut coverage {
            coverage.merge(interpreted.coverage.into_iter().flat_map(|m| m.files));
        }
        tools.push(record);
    }
    if let (Some(coverage), Some(repo)) = (&mut coverage, measured) {
        coverage.retain(|path| measures(repo, path));
    }
    tool_findings.coverage = coverage;
    (tool_findings, tests, tools)
}

/// The rules see the whole repository: their findings are cut to what the
/// tools saw (`--changed`) and each is kept by one shard.
fn cut_to_run(findings: &mut Vec<Finding>, focus: Option<&Focus>, sharding: Option<&Sharding>) {
    if let Some(focus) = focus {
        findings.retain(|f| !f.tool.is_builtin() || focus.concerns(f));
    }
    if let Some(sharding) = sharding {
        findings.retain(|f| !f.tool.is_builtin() || sharding.owns(&f.path));
    }
}

/// Whether coverage figures count `path`: code of the walk's (not a test).
fn measures(repo: &Repo, path: &str) -> bool {
    let known = repo.files.binary_search_by(|f| f.path.as_str().cmp(path));
    known.is_ok_and(|at| repo.files[at].is_measured_code())
}

/// The result cache in opsgate's cache folder, bounded by
/// `OPSGATE_CACHE_MAX_MB` (default 512); `--no-cache` (or a non-empty
/// `OPSGATE_NO_CACHE`) neither reads nor writes it.
fn open_cache(no_cache: bool) -> Result<ResultCache> {
    let env = environment::snapshot();
    if no_cache || env.no_cache() {
        return Ok(ResultCache::open(None, 0));
    }
    let max_bytes = env.cache_max_bytes()?.unwrap_or(cache::DEFAULT_MAX_BYTES);
    Ok(ResultCache::open(Some(&toolenv::cache_dir()?), max_bytes))
}

/// One pack of the cache per repository and shard: the set of entries its
/// runs use.
fn pack_scope(settings: &Settings, options: &CheckOptions) -> (String, String) {
    (
        settings.root.to_string_lossy().into_owned(),
        options
            .shard
            .map(|shard| shard.to_string())
            .unwrap_or_default(),
    )
}

/// Stores the run's fresh results, saying of each tool whose results could
/// not be stored why it will run again.
fn keep(pending: Pending, cache: &ResultCache) {
    for reason in pending.commit(cache) {
        anstream::eprintln!("opsgate: note: not cached, runs again next time: {reason}");
    }
}

/// The files `--changed` checks, said on stderr.
fn changed_focus(repo: &Repo, base: Option<&str>, graph: &ImportGraph) -> Result<Focus> {
    let focus = Focus::compute(repo, base, graph)?;
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

/// Runs the tools over the shard's part of `repo`, or all of it. The
/// designated shard of several also runs Pylint's cross-file checks over
/// every file, added to Pylint's record, so that one shard reports them.
/// What changed in the tree while the tools ran. A run that started no
/// process (everything came from the cache) cannot have changed it.
fn tree_changes(
    guard: Option<TreeGuard>,
    results: &runners::Results,
    root: &std::path::Path,
    threads: usize,
) -> Vec<String> {
    let ran = results.tools.iter().any(|(tool, _)| tool.processes > 0);
    guard
        .filter(|_| ran)
        .map_or_else(Vec::new, |guard| guard.changes(root, threads))
}

fn run_tools(
    enabled: &[ToolSettings],
    session: &runners::Session,
    sharding: Option<&Sharding>,
) -> runners::Results {
    let designated = sharding.is_some_and(|s| s.part.is_some() && s.shard.is_designated());
    std::thread::scope(|scope| {
        let cross_file = designated.then(|| {
            scope.spawn(|| {
                runners::run_pylint_cross_file(
                    enabled,
                    session.whole,
                    session.toolbox,
                    session.scratch,
                )
            })
        });
        let mut results = runners::run_all(enabled, session);
        let cross_file: Option<(ToolRun, Interpreted)> =
            cross_file.and_then(|handle| handle.join().expect("tool threads do not panic"));
        if let Some((record, interpreted)) = cross_file
            && let Some((tool, found)) = results
                .tools
                .iter_mut()
                .find(|(t, _)| t.name == record.name)
        {
            found.findings.extend(interpreted.findings);
            tool.add_pass(record);
        }
        results
    })
}

/// This run's shard and the plan every shard computes alike.
pub(crate) struct Sharding {
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

    /// A shard's verdict covers only its part: says so where people look.
    fn announce(&self, repo: &Repo) {
        let checked = self
            .part
            .as_ref()
            .map_or(repo.files.len(), |p| p.files.len());
        anstream::eprintln!(
            "opsgate: shard {}: checking {checked} of {} files; `opsgate merge` the shards' \
             JSON reports for the verdict",
            self.shard,
            repo.files.len()
        );
    }

    /// Whether this shard checks (and reports on) `path`.
    fn owns(&self, path: &str) -> bool {
        self.plan.shard_of(path) == self.shard.index
    }
}
