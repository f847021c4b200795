//! External tools behind one interface. A runner says which files it checks,
//! builds its arguments and turns the tool's output into findings; running
//! the processes, concurrently and with a timeout, is done here for all.

mod bandit;
mod bandit_codes;
mod black;
mod black_fmt;
mod black_shared;
mod conclude;
mod costs;
mod credentials;
mod explain;
mod flake8;
mod flake8_defaults;
#[cfg(test)]
mod fuzz;
mod invocation;
mod keys;
mod mypy;
mod mypy_codes;
mod plan;
use crate::process;
mod pylint;
mod pylint_cross_file;
mod pylint_help;
mod pytest;
mod pytest_coverage;
mod record;
mod registry;
mod ruff;
mod ruff_format;
mod runner;
mod schedule;
mod shellcheck;
#[cfg(test)]
mod testing;

use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use process::{ProcessError, ProcessOutput, run as run_process, tail};

use crate::cache::ResultCache;
use crate::config::ToolSettings;
use crate::discover::changed::Focus;
use crate::discover::repo::Repo;
use crate::model::ToolKind;
use crate::progress::Progress;
use invocation::{Failure, Invocation, Ran, failure_message, groups, millis};
pub(crate) use keys::KeyInputs;
pub(crate) use plan::Pass;
use plan::{Planner, ToolPlan};
pub(crate) use pylint_cross_file::{enabled_cross_file, run_pylint_cross_file};
pub(crate) use record::{ToolRun, ToolStatus, combined_exit};
pub(crate) use registry::{has_role, runner, spec};
pub(crate) use runner::{AskTool, CodeMatch, Interpretation, Interpreted, RunContext};
use runner::{Runner, file_args, python_paths};
#[cfg(test)]
pub(crate) use testing::{TestRepo, parse_junit_cases, test_output};

/// The interpreter and environment the tools run with.
pub(crate) struct Toolbox {
    pub(crate) python: PathBuf,
    pub(crate) python_version: String,
    /// Installed version per tool name; `None` when not installed.
    pub(crate) versions: std::collections::BTreeMap<String, Option<String>>,
    /// `name==version` of every distribution installed for `python`.
    pub(crate) packages: Vec<String>,
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
    let runner = runner(tool.kind);
    let found = runner.files(repo);
    // Files of folders an override turns the tool off for never reach it.
    let mut files: Vec<&str> = found
        .iter()
        .copied()
        .filter(|file| !tool.excluded.contains(*file))
        .collect();
    let turned_off = files.is_empty() && !found.is_empty();
    if let Some(focus) = session.focus {
        let planning = spec(tool.kind).planning;
        files.retain(|file| focus.includes(planning, file));
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
    let missing = missing_companions(runner.companions(tool), &toolbox.packages);
    if !missing.is_empty() {
        prepared.record.status = ToolStatus::NotInstalled;
        prepared.record.error = Some(format!(
            "{name} runs with {} here, which {} not installed for `{python}`: run `{python} -m \
             pip install {}`, or drop --python (and `python` in the configuration) to use the \
             managed environment",
            missing.join(" and "),
            if missing.len() == 1 { "is" } else { "are" },
            missing.join(" "),
            python = toolbox.python.display(),
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

/// The pins among `pins` whose package is not installed.
fn missing_companions<'p>(pins: &[&'p str], packages: &[String]) -> Vec<&'p str> {
    pins.iter()
        .copied()
        .filter(|pin| installed(pin, packages).is_none())
        .collect()
}

/// The installed distribution (`name==version`, as the probe lists them)
/// of a pin's package; names compared as `PyPI` does.
pub(crate) fn installed<'a>(pin: &str, packages: &'a [String]) -> Option<&'a str> {
    let name = |text: &str| {
        let name = text.split("==").next().unwrap_or(text);
        name.to_ascii_lowercase().replace(['_', '.'], "-")
    };
    let wanted = name(pin);
    packages
        .iter()
        .find(|package| name(package) == wanted)
        .map(String::as_str)
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
                let findings = done.interpreted.findings.iter();
                fresh
                    .findings
                    .extend(findings.filter(|f| owned(outcome, &f.path)).cloned());
                fresh.tests.extend(done.interpreted.tests.iter().cloned());
                fresh
                    .coverage
                    .extend(done.interpreted.coverage.iter().cloned());
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
    interpreted.coverage.extend(fresh.coverage.iter().cloned());
    record.duration_ms = millis(duration);
    record.findings = interpreted.findings.len();
    (
        record,
        interpreted,
        Some((prepared.kind, plan.units, fresh)),
    )
}

/// Whether a job's finding on `path` is the job's to report.
fn owned(outcome: &schedule::Outcome, path: &str) -> bool {
    outcome.owns.as_ref().is_none_or(|owns| owns.contains(path))
}
