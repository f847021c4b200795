//! External tools behind one interface. A runner says which files it checks,
//! builds its arguments and turns the tool's output into findings; running
//! the processes, concurrently and with a timeout, is done here for all.

mod black;
mod black_fmt;
mod conclude;
mod costs;
mod credentials;
mod explain;
mod flake8;
mod flake8_defaults;
#[cfg(test)]
mod fuzz;
mod keys;
mod plan;
mod process;
mod pylint;
mod pytest;
mod schedule;

use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub(crate) use process::{ProcessError, ProcessOutput, run as run_process, tail};

use crate::cache::ResultCache;
use crate::changed::Focus;
use crate::config::{SeverityMap, ToolSettings};
use crate::finding::Finding;
use crate::progress::Progress;
use crate::repo::Repo;
use crate::test_result::TestResult;
pub(crate) use black_fmt::format as format_with_black;
pub(crate) use flake8::help_url as flake8_help_url;
pub(crate) use keys::KeyInputs;
pub(crate) use plan::Pass;
use plan::{Planner, ToolPlan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ToolKind {
    Black,
    Flake8,
    Pylint,
    Pytest,
}

impl ToolKind {
    pub(crate) const ALL: [ToolKind; 4] = [
        ToolKind::Black,
        ToolKind::Flake8,
        ToolKind::Pylint,
        ToolKind::Pytest,
    ];

    /// The tool's name, which is also its `PyPI` package and `python -m` module.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ToolKind::Black => "black",
            ToolKind::Flake8 => "flake8",
            ToolKind::Pylint => "pylint",
            ToolKind::Pytest => "pytest",
        }
    }

    /// A tool name read back from a report, as the static name it was written from.
    pub(crate) fn deserialize_name<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<&'static str, D::Error> {
        let name = String::deserialize(deserializer)?;
        ToolKind::ALL
            .iter()
            .map(|kind| kind.name())
            .find(|known| *known == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown tool `{name}`")))
    }

    fn runner(self) -> &'static dyn Runner {
        match self {
            ToolKind::Black => &black::Black,
            ToolKind::Flake8 => &flake8::Flake8,
            ToolKind::Pylint => &pylint::Pylint,
            ToolKind::Pytest => &pytest::Pytest,
        }
    }
}

/// What every runner may read while building arguments and interpreting output.
pub(crate) struct RunContext<'a> {
    pub(crate) repo: &'a Repo,
    /// Processes the tool may start itself (Black's and Flake8's pools).
    pub(crate) jobs: usize,
    /// Forked copies a Pylint process checks its files in (1: none).
    pub(crate) forks: usize,
    /// Which checks a Pylint process runs.
    pub(crate) pass: Pass,
    pub(crate) severity: &'a SeverityMap,
    /// A private folder for this tool's report files, outside the repository.
    pub(crate) scratch: &'a Path,
    /// Pylint's duplicate-code comparisons kept from an earlier run.
    pub(crate) pairs_in: Option<&'a Path>,
    /// Whether the result cache keeps what Pylint's cross-file checks
    /// gather and compare (else only a part, which must, reports it).
    pub(crate) keeps: bool,
}

/// What a tool's output says: its findings, and for test runners every test.
#[derive(Debug, Default)]
pub(crate) struct Interpreted {
    pub(crate) findings: Vec<Finding>,
    pub(crate) tests: Vec<TestResult>,
    /// What Pylint's cross-file checks gathered, per file.
    pub(crate) gathered: Option<pylint::Gathered>,
    /// Pylint's duplicate-code comparisons, for the next run.
    pub(crate) pairs: Option<Box<serde_json::value::RawValue>>,
}

impl From<Vec<Finding>> for Interpreted {
    fn from(findings: Vec<Finding>) -> Self {
        Interpreted {
            findings,
            ..Interpreted::default()
        }
    }
}

/// The tool's output understood, or why it shows the tool did not do its job.
pub(crate) type Interpretation = Result<Interpreted, String>;

trait Runner: Sync {
    /// The files this tool checks, relative to the root.
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str>;
    /// Arguments after `python -m <tool>`; file names come after `--`.
    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString>;
    /// Findings, or why the output shows the tool did not do its job.
    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation;
    /// Whether it imports and runs the repository's code, and so needs the
    /// environment of the tool folder it checks.
    fn runs_repository_code(&self) -> bool {
        false
    }
    /// Arguments for `python` instead of `-m <tool>`.
    fn interpreter_args(&self, _ctx: &RunContext) -> Option<Vec<OsString>> {
        None
    }
    /// Environment variables the tool needs set.
    fn env(&self, _ctx: &RunContext) -> Vec<(OsString, OsString)> {
        Vec::new()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ToolStatus {
    /// Ran and its output was understood.
    Ok,
    /// Nothing to check (no files of its kind); not an error.
    Skipped,
    /// Turned off in the configuration.
    Disabled,
    NotInstalled,
    Failed,
    TimedOut,
}

impl ToolStatus {
    /// Whether the gate may judge with this tool in this state.
    pub(crate) fn is_error(self) -> bool {
        matches!(
            self,
            ToolStatus::NotInstalled | ToolStatus::Failed | ToolStatus::TimedOut
        )
    }
}

/// A tool's name, one of `ToolKind`'s. A path type rather than `&'static
/// str`, which serde would borrow from the input (`opsgate merge` reads
/// reports back and maps the name to the static one).
pub(crate) type ToolName = &'static str;

/// One tool's part of a run, as the reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ToolRun {
    #[serde(deserialize_with = "ToolKind::deserialize_name")]
    pub(crate) name: ToolName,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<String>,
    pub(crate) pinned_version: String,
    pub(crate) status: ToolStatus,
    pub(crate) duration_ms: u64,
    pub(crate) files: usize,
    /// Files (for pytest: folders of tests) whose result came from the cache.
    pub(crate) cached: usize,
    /// Processes of the tool this run started.
    pub(crate) processes: usize,
    pub(crate) findings: usize,
    /// The exit code of its (last) process; `None` when it did not run or a
    /// signal ended it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exit_code: Option<i32>,
    /// The files it checked, relative to the root: reports count those
    /// that passed.
    pub(crate) checked_files: Vec<String>,
    /// Why the tool failed, with the tail of its stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

impl ToolRun {
    /// A tool's record before it runs: nothing done, nothing found.
    fn starting(tool: &ToolSettings, version: Option<String>, files: usize) -> ToolRun {
        ToolRun {
            name: tool.kind.name(),
            version,
            pinned_version: tool.version.clone(),
            status: ToolStatus::Ok,
            duration_ms: 0,
            files,
            cached: 0,
            processes: 0,
            findings: 0,
            exit_code: None,
            checked_files: Vec::new(),
            error: None,
        }
    }
}

/// The interpreter and environment the tools run with.
pub(crate) struct Toolbox {
    pub(crate) python: PathBuf,
    pub(crate) python_version: String,
    /// Installed version per tool name; `None` when not installed.
    pub(crate) versions: std::collections::BTreeMap<String, Option<String>>,
    pub(crate) env: Vec<(OsString, OsString)>,
    /// Tool folders whose tests run in an environment of their own.
    pub(crate) isolated: Vec<IsolatedEnv>,
}

/// A tool folder whose declared pins conflict with the rest of the repository.
pub(crate) struct IsolatedEnv {
    /// Relative to the root.
    pub(crate) folder: String,
    pub(crate) python: PathBuf,
}

/// What a run of the tools needs besides the tools' settings.
pub(crate) struct Session<'a> {
    /// What the tools check: the repository, or a shard's part of it.
    pub(crate) repo: &'a Repo,
    /// The whole repository, whose imports the cache keys follow.
    pub(crate) whole: &'a Repo,
    /// The whole repository's contents and imports, read once; `None` when
    /// neither the cache nor `--changed` needs them.
    pub(crate) keys: Option<&'a KeyInputs>,
    pub(crate) toolbox: &'a Toolbox,
    /// Processes at once.
    pub(crate) slots: usize,
    pub(crate) scratch: &'a Path,
    pub(crate) progress: &'a Progress,
    pub(crate) cache: &'a ResultCache,
    /// Each file's size in bytes as the tree guard found it, for the cost
    /// estimates of the tools that run.
    pub(crate) sizes: &'a HashMap<&'a str, u64>,
    /// `--changed`: the files each tool checks; `None` checks everything.
    pub(crate) focus: Option<&'a Focus>,
    /// How many processes Pylint's files go to; `None`: as pays best
    /// (forked copies of one process, where processes fork).
    pub(crate) pylint_parts: Option<usize>,
    /// `--explain-cache`: say per tool what was served and why the rest ran.
    pub(crate) explain: bool,
}

/// What the tools found, and what of it the cache may keep.
pub(crate) struct Results {
    pub(crate) tools: Vec<(ToolRun, Interpreted)>,
    pub(crate) pending: Pending,
    /// What `--explain-cache` prints.
    pub(crate) explained: Option<String>,
}

/// Fresh results waiting to be stored, once the run is known to be sound.
pub(crate) struct Pending {
    units: Vec<(ToolKind, Vec<plan::Unit>, Interpreted)>,
    /// What Pylint's cross-file checks gathered per file, by key.
    facts: Vec<(String, Box<serde_json::value::RawValue>)>,
    measured: Vec<(ToolKind, u64, Duration)>,
    rates: HashMap<ToolKind, (f64, f64)>,
    /// The repository's record of measured costs.
    costs: String,
    /// What the run looked up, for the ledger `--explain-cache` reads;
    /// `None` when it has nothing new to learn.
    observed: Option<explain::Observed>,
}

impl Pending {
    /// Stores the results (only call when nothing changed the tree while
    /// the tools ran) and the measured costs, then trims the cache. Returns,
    /// per tool whose results could not be stored, why.
    pub(crate) fn commit(self, cache: &ResultCache) -> Vec<String> {
        let outcomes: HashMap<ToolKind, Result<Vec<String>, String>> = self
            .units
            .iter()
            .map(|(kind, units, output)| (*kind, plan::store(cache, *kind, units, output)))
            .collect();
        let unstored = outcomes
            .values()
            .filter_map(|outcome| outcome.as_ref().err().cloned())
            .collect();
        if let Some(observed) = self.observed {
            observed.record(cache, &outcomes);
        }
        for (key, facts) in &self.facts {
            cache.put(key, facts);
        }
        costs::record(cache, &self.costs, &self.measured, &self.rates);
        cache.finish();
        unstored
    }
}

/// Runs every tool in `tools`: looks up what the cache holds, then runs the
/// rest as jobs, the costliest first, `slots` processes at a time.
pub(crate) fn run_all(tools: &[ToolSettings], session: &Session) -> Results {
    let Session {
        repo,
        toolbox,
        cache,
        ..
    } = *session;
    let sizes = session.sizes;
    let costs = costs::record_name(&session.whole.root);
    let rates = costs::load(cache, &costs);
    let planner = Planner {
        repo,
        toolbox,
        cache,
        keys: session.keys.filter(|_| cache.enabled()),
        sizes,
        rates: &rates,
    };
    // In parallel: on a warm run this is every file's lookup in the cache,
    // tens of thousands of small reads in a large repository.
    let mut prepared: Vec<Prepared> = tools
        .par_iter()
        .map(|tool| prepare(tool, session, &planner))
        .collect();
    for tool in &mut prepared {
        if let Some(plan) = tool.plan.as_mut().filter(|plan| !plan.jobs.is_empty()) {
            plan.pairs_in = kept_pairs(cache, plan.pairs_key.as_deref(), session.scratch);
        }
    }
    let (observed, explained) = observe(session, &planner, &prepared);
    let jobs = schedule::split(&mut prepared, session, &planner);
    let mut outcomes = schedule::run(&jobs, session, &prepared, sizes);
    outcomes.extend(conclude::run(session, &prepared, &outcomes));
    let facts = gathered_facts(&prepared, &outcomes);
    let mut measured = Vec::new();
    let mut units = Vec::new();
    let tools = prepared
        .into_iter()
        .enumerate()
        .map(|(index, prepared)| {
            let ran: Vec<&schedule::Outcome> =
                outcomes.iter().filter(|o| o.tool == index).collect();
            for outcome in &ran {
                if let Ok(done) = &outcome.result
                    && outcome.every_check
                {
                    measured.push((prepared.kind, outcome.bytes, done.duration));
                }
            }
            let (record, interpreted, fresh) = finish(prepared, &ran);
            units.extend(fresh);
            (record, interpreted)
        })
        .collect();
    Results {
        tools,
        pending: Pending {
            units,
            facts,
            measured,
            rates,
            costs,
            observed,
        },
        explained,
    }
}

/// What the run looked up, for the ledger (when there is something new to
/// keep), and with `--explain-cache` what is printed of it.
fn observe(
    session: &Session,
    planner: &Planner,
    prepared: &[Prepared],
) -> (Option<explain::Observed>, Option<String>) {
    let Some(keys) = planner.keys else {
        let why = if session.cache.enabled() {
            "opsgate: cache: no tool runs, so nothing is looked up\n"
        } else {
            "opsgate: cache: off (--no-cache or OPSGATE_NO_CACHE): every tool checks every file\n"
        };
        return (None, session.explain.then(|| why.to_owned()));
    };
    let with_plans: Vec<(&Prepared, &ToolPlan)> = prepared
        .iter()
        .filter_map(|p| Some((p, p.plan.as_ref()?)))
        .collect();
    let root = &session.whole.root;
    let learned = with_plans
        .iter()
        .flat_map(|(_, plan)| &plan.visits)
        .any(|visit| !matches!(visit.seen, plan::Seen::Served));
    // A warm run served whole has nothing to record or explain: it copies
    // no visit (tens of thousands in a large repository).
    let keep = learned || !explain::Ledger::exists(session.cache, root);
    if !keep && !session.explain {
        return (None, None);
    }
    let tools: Vec<explain::ObservedTool> = with_plans
        .iter()
        .map(|(p, plan)| {
            let setup = keys.setup(p.settings, session.toolbox, session.repo);
            explain::ObservedTool::new(p.kind, setup, &plan.visits)
        })
        .collect();
    let explained = session.explain.then(|| {
        let ledger = explain::Ledger::load(session.cache, root);
        let explainer = explain::Explainer {
            ledger: ledger.as_ref(),
            keys,
            repo: session.whole,
        };
        let mut out = String::from("opsgate: cache: what was served, and why the rest ran\n");
        for (observed, (_, plan)) in tools.iter().zip(&with_plans) {
            explainer.tool(observed, &plan.visits, &mut out);
        }
        out
    });
    (
        keep.then(|| explain::Observed::new(root, keys, tools)),
        explained,
    )
}

/// Pylint's duplicate-code comparisons kept from an earlier run, in a file
/// its processes read; `None` when none are kept (or cannot be written).
fn kept_pairs(cache: &ResultCache, key: Option<&str>, scratch: &Path) -> Option<PathBuf> {
    let kept = cache.get::<Box<serde_json::value::RawValue>>(key?)?;
    let path = scratch.join("pylint-pairs-kept.json");
    // Only a speed-up: without it every pair is compared.
    std::fs::write(&path, kept.get()).ok()?;
    Some(path)
}

/// What Pylint's cross-file checks gathered on each file, with the key to
/// keep it under.
fn gathered_facts(
    prepared: &[Prepared],
    outcomes: &[schedule::Outcome],
) -> Vec<(String, Box<serde_json::value::RawValue>)> {
    let mut facts = Vec::new();
    for outcome in outcomes {
        let Some(plan) = prepared[outcome.tool].plan.as_ref() else {
            continue;
        };
        let Ok(Some(gathered)) = outcome
            .result
            .as_ref()
            .map(|ran| ran.interpreted.gathered.as_ref())
        else {
            continue;
        };
        for (path, value) in &gathered.files {
            if let Some(key) = plan.fact_keys.get(path.as_str()) {
                facts.push((key.clone(), value.clone()));
            }
        }
    }
    // The comparisons of the run's last concluding process, for the next.
    for outcome in outcomes.iter().rev() {
        let plan = prepared[outcome.tool].plan.as_ref();
        if let (Some(key), Ok(ran)) = (plan.and_then(|p| p.pairs_key.as_ref()), &outcome.result)
            && let Some(pairs) = &ran.interpreted.pairs
        {
            facts.push((key.clone(), pairs.clone()));
            break;
        }
    }
    facts
}

/// One tool before its jobs run.
struct Prepared<'a> {
    kind: ToolKind,
    settings: &'a ToolSettings,
    record: ToolRun,
    /// `None` when the tool does not run (disabled, missing, nothing to check).
    plan: Option<ToolPlan<'a>>,
}

fn prepare<'a>(
    tool: &'a ToolSettings,
    session: &Session<'a>,
    planner: &Planner<'a>,
) -> Prepared<'a> {
    let (repo, toolbox) = (session.repo, session.toolbox);
    let name = tool.kind.name();
    let runner = tool.kind.runner();
    let found = runner.files(repo);
    // Files of folders an override turns the tool off for never reach it.
    let mut files: Vec<&str> = found
        .iter()
        .copied()
        .filter(|file| !tool.excluded.contains(*file))
        .collect();
    let turned_off = files.is_empty() && !found.is_empty();
    if let Some(focus) = session.focus {
        files.retain(|file| focus.includes(tool.kind, file));
    }
    let version = toolbox.versions.get(name).cloned().flatten();
    let mut prepared = Prepared {
        kind: tool.kind,
        settings: tool,
        record: ToolRun::starting(tool, version.clone(), files.len()),
        plan: None,
    };
    if !tool.enabled || turned_off {
        prepared.record.status = ToolStatus::Disabled;
        return prepared;
    }
    if version.is_none() {
        prepared.record.status = ToolStatus::NotInstalled;
        prepared.record.error = Some(format!(
            "{name} is not installed for `{python}`: run `{python} -m pip install {name}=={pinned}`, \
             or drop --python (and `python` in the configuration) to use the managed environment",
            python = toolbox.python.display(),
            pinned = tool.version,
        ));
        return prepared;
    }
    if files.is_empty() {
        prepared.record.status = ToolStatus::Skipped;
        return prepared;
    }
    prepared.record.checked_files = files.iter().map(|f| (*f).to_owned()).collect();
    prepared.plan = Some(planner.plan(tool, groups(runner, toolbox, &files)));
    prepared
}

/// What one tool ended with: its record, its findings, and its fresh
/// results for the cache.
type Finished = (
    ToolRun,
    Interpreted,
    Option<(ToolKind, Vec<plan::Unit>, Interpreted)>,
);

/// The tool's record and findings once its jobs ran; a failed job fails
/// the tool and nothing of it is stored.
fn finish(prepared: Prepared, ran: &[&schedule::Outcome]) -> Finished {
    let mut record = prepared.record;
    let Some(plan) = prepared.plan else {
        return (record, Interpreted::default(), None);
    };
    record.cached = plan.cached;
    record.processes = ran.len();
    let mut fresh = Interpreted::default();
    let mut duration = Duration::ZERO;
    for outcome in ran {
        match &outcome.result {
            Ok(done) => {
                duration += done.duration;
                record.exit_code = combined_exit(record.name, record.exit_code, done.exit_code);
                fresh
                    .findings
                    .extend(done.interpreted.findings.iter().cloned());
                fresh.tests.extend(done.interpreted.tests.iter().cloned());
            }
            Err((status, error, elapsed)) => {
                record.duration_ms = millis(duration + *elapsed);
                record.status = *status;
                record.error = Some(error.clone());
                record.checked_files.clear();
                return (record, Interpreted::default(), None);
            }
        }
    }
    let mut interpreted = plan.hits;
    interpreted.findings.extend(fresh.findings.iter().cloned());
    interpreted.tests.extend(fresh.tests.iter().cloned());
    record.duration_ms = millis(duration);
    record.findings = interpreted.findings.len();
    (
        record,
        interpreted,
        Some((prepared.kind, plan.units, fresh)),
    )
}

/// Which of Pylint's cross-file checks the repository's configuration
/// enables, from `pylint --list-msgs-enabled` (a command-line `--enable`
/// would override the configuration's `disable`).
pub(crate) fn enabled_cross_file(
    tool: &ToolSettings,
    toolbox: &Toolbox,
    root: &Path,
) -> Result<Vec<&'static str>, (String, Duration)> {
    let mut command = Command::new(&toolbox.python);
    command
        .args(["-m", "pylint", "--list-msgs-enabled"])
        .current_dir(root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));
    match process::run(command, tool.timeout) {
        Ok(output) => match output.code {
            Some(0) => pylint::enabled_cross_file(&output.stdout_text()),
            _ => Err("it could not list its enabled messages".to_owned()),
        }
        .map_err(|reason| (failure_message("pylint", &reason, &output), output.duration)),
        Err(err) => {
            let reason = match err {
                ProcessError::Spawn(err) => format!("cannot start it: {err}"),
                ProcessError::TimedOut { after, .. } => format!(
                    "it did not finish within {}",
                    humantime::format_duration(after)
                ),
                ProcessError::OutputTooLarge => "it printed too much".to_owned(),
            };
            Err((
                format!("pylint could not list its enabled messages: {reason}"),
                Duration::ZERO,
            ))
        }
    }
}

/// Pylint's cross-file checks (duplicate-code, cyclic-import) over every
/// file of `repo`, for the shard designated to run them. `None` when Pylint
/// does not run or its configuration turns both checks off.
pub(crate) fn run_pylint_cross_file(
    tools: &[ToolSettings],
    repo: &Repo,
    toolbox: &Toolbox,
    scratch: &Path,
) -> Option<(ToolRun, Interpreted)> {
    let tool = tools
        .iter()
        .find(|t| t.kind == ToolKind::Pylint && t.enabled)?;
    let name = tool.kind.name();
    let version = toolbox.versions.get(name).cloned().flatten()?;
    let files = python_paths(repo);
    if files.is_empty() {
        return None;
    }
    let mut record = ToolRun::starting(tool, Some(version), files.len());
    record.checked_files = files.iter().map(|f| (*f).to_owned()).collect();
    let enable = match enabled_cross_file(tool, toolbox, &repo.root) {
        Ok(enable) if enable.is_empty() => return None,
        Ok(enable) => enable,
        Err((error, duration)) => {
            record.status = ToolStatus::Failed;
            record.duration_ms = millis(duration);
            record.checked_files.clear();
            record.error = Some(error);
            return Some((record, Interpreted::default()));
        }
    };
    let runner = pylint::CrossFile { enable };
    let invocation = Invocation {
        name,
        runner: &runner,
        python: &toolbox.python,
        env: &toolbox.env,
        timeout: tool.timeout,
        pass_env: &tool.pass_env,
    };
    let ctx = RunContext {
        repo,
        jobs: 1,
        forks: 1,
        pass: Pass::All,
        severity: &tool.severity,
        scratch: &scratch.join("pylint-cross-file"),
        pairs_in: None,
        keeps: false,
    };
    record.processes = 1;
    match invocation.run(&ctx, &files) {
        Ok(ran) => {
            record.duration_ms = millis(ran.duration);
            record.exit_code = ran.exit_code;
            record.findings = ran.interpreted.findings.len();
            Some((record, ran.interpreted))
        }
        Err((status, error, elapsed)) => {
            record.status = status;
            record.duration_ms = millis(elapsed);
            record.checked_files.clear();
            record.error = Some(error);
            Some((record, Interpreted::default()))
        }
    }
}

/// The exit code of several processes of one tool, as one: Pylint's bit
/// masks of the kinds of messages found add up, others' worst wins.
pub(crate) fn combined_exit(tool: &str, a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) if tool == "pylint" => Some(a | b),
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A process that ran and whose output was understood.
pub(crate) struct Ran {
    pub(crate) interpreted: Interpreted,
    pub(crate) duration: Duration,
    pub(crate) exit_code: Option<i32>,
}

/// The files per interpreter: tools that run the repository's code run the
/// files of an isolated tool folder with that folder's environment.
fn groups<'f>(
    runner: &dyn Runner,
    toolbox: &'f Toolbox,
    files: &[&'f str],
) -> Vec<(&'f Path, Vec<&'f str>)> {
    let mut shared = Vec::new();
    let mut isolated: Vec<(&Path, Vec<&str>)> = Vec::new();
    for &file in files {
        let home = runner.runs_repository_code().then(|| {
            toolbox
                .isolated
                .iter()
                .find(|env| crate::repo::within(file, &env.folder))
        });
        match home.flatten() {
            Some(env) => match isolated.iter_mut().find(|(p, _)| *p == env.python) {
                Some((_, group)) => group.push(file),
                None => isolated.push((&env.python, vec![file])),
            },
            None => shared.push(file),
        }
    }
    let mut all = Vec::new();
    if !shared.is_empty() {
        all.push((toolbox.python.as_path(), shared));
    }
    all.extend(isolated);
    all
}

/// One process of one tool.
struct Invocation<'a> {
    name: &'static str,
    runner: &'a dyn Runner,
    python: &'a Path,
    env: &'a [(OsString, OsString)],
    timeout: Duration,
    /// Credentials let through to a tool that runs repository code.
    pass_env: &'a [String],
}

pub(crate) type Failure = (ToolStatus, String, Duration);

impl Invocation<'_> {
    fn run(&self, ctx: &RunContext, files: &[&str]) -> Result<Ran, Failure> {
        let name = self.name;
        std::fs::create_dir_all(ctx.scratch).map_err(|err| {
            (
                ToolStatus::Failed,
                format!(
                    "cannot create scratch folder `{}`: {err}",
                    ctx.scratch.display()
                ),
                Duration::ZERO,
            )
        })?;
        let mut command = Command::new(self.python);
        match self.runner.interpreter_args(ctx) {
            Some(args) => command.args(args),
            None => command.arg("-m").arg(name),
        };
        command
            .args(self.runner.args(ctx, files))
            .current_dir(&ctx.repo.root)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .envs(self.runner.env(ctx));
        if self.runner.runs_repository_code() {
            credentials::scrub(&mut command, self.pass_env);
        }
        match process::run(command, self.timeout) {
            Ok(output) => match self.runner.interpret(ctx, &output) {
                Ok(interpreted) => Ok(Ran {
                    interpreted,
                    duration: output.duration,
                    exit_code: output.code,
                }),
                Err(reason) => Err((
                    ToolStatus::Failed,
                    failure_message(name, &reason, &output),
                    output.duration,
                )),
            },
            Err(ProcessError::TimedOut { after, stderr }) => {
                let stderr = tail(&String::from_utf8_lossy(&stderr), 10);
                Err((
                    ToolStatus::TimedOut,
                    format!(
                        "{name} did not finish within {}; it was killed. Raise `timeout` under \
                         [tools.{name}] if it needs longer.{}",
                        humantime::format_duration(after),
                        indent_stderr(&stderr)
                    ),
                    after,
                ))
            }
            Err(ProcessError::Spawn(err)) => Err((
                ToolStatus::Failed,
                format!("cannot start `{}`: {err}", self.python.display()),
                Duration::ZERO,
            )),
            Err(ProcessError::OutputTooLarge) => Err((
                ToolStatus::Failed,
                format!("{name} printed more output than opsgate accepts"),
                Duration::ZERO,
            )),
        }
    }
}

fn failure_message(name: &str, reason: &str, output: &ProcessOutput) -> String {
    format!(
        "{name} failed ({}): {reason}{}",
        output.describe_exit(),
        indent_stderr(&output.stderr_tail(15))
    )
}

fn indent_stderr(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        return String::new();
    }
    let lines: Vec<String> = stderr.lines().map(|l| format!("    {l}")).collect();
    format!("\n  stderr (last lines):\n{}", lines.join("\n"))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The Python files a linter checks: every one the walk found.
fn python_paths(repo: &Repo) -> Vec<&str> {
    repo.python_files().map(|f| f.path.as_str()).collect()
}

impl RunContext<'_> {
    /// Whether this Pylint process reports what its cross-file checks
    /// gathered: a part must (its conclusion reads it); a whole run and a
    /// conclusion only for the cache to keep.
    pub(crate) fn gathers(&self) -> bool {
        match self.pass {
            Pass::Part => true,
            Pass::All | Pass::Conclude { .. } => self.keeps,
            Pass::PerFile => false,
        }
    }

    /// A path as a tool printed it (relative, `./`-prefixed or absolute),
    /// made relative to the repository root.
    pub(crate) fn relative_path(&self, printed: &str) -> String {
        let path = Path::new(printed);
        let path = path.strip_prefix(&self.repo.root).unwrap_or(path);
        let path = path.strip_prefix(".").unwrap_or(path);
        path.to_string_lossy().into_owned()
    }
}

/// `["--", files…]`, so that no file name is ever read as an option.
fn file_args(files: &[&str]) -> impl Iterator<Item = OsString> {
    std::iter::once(OsString::from("--")).chain(files.iter().map(OsString::from))
}

/// How many testcases a `JUnit` document holds, read with pytest's parser.
#[cfg(test)]
pub(crate) fn parse_junit_cases(xml: &str) -> Result<usize, quick_xml::DeError> {
    pytest::parse_junit(xml).map(|cases| cases.len())
}

/// A repository in a temporary folder and a context to interpret output in.
#[cfg(test)]
pub(crate) struct TestRepo {
    pub(crate) dir: tempfile::TempDir,
    repo: Repo,
    severity: SeverityMap,
}

#[cfg(test)]
impl TestRepo {
    /// Discovers `dir` as it is (the caller wrote its files).
    pub(crate) fn discover(dir: tempfile::TempDir) -> TestRepo {
        let layout = crate::config::Layout {
            libraries: Vec::new(),
            not_domains: Vec::new(),
        };
        let repo = Repo::discover(dir.path(), &layout, 1);
        TestRepo {
            dir,
            repo,
            severity: SeverityMap::uniform(crate::finding::Severity::Error),
        }
    }

    pub(crate) fn ctx(&self) -> RunContext<'_> {
        RunContext {
            repo: &self.repo,
            jobs: 1,
            forks: 1,
            pass: Pass::All,
            severity: &self.severity,
            scratch: self.dir.path(),
            pairs_in: None,
            keeps: false,
        }
    }
}

/// A finished process's output, as a tool would leave it.
#[cfg(test)]
pub(crate) fn test_output(code: i32, stdout: &[u8], stderr: &[u8]) -> ProcessOutput {
    ProcessOutput {
        code: Some(code),
        signal: None,
        stdout: stdout.to_vec(),
        stderr: stderr.to_vec(),
        duration: Duration::ZERO,
    }
}
