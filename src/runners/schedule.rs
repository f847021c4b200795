//! Running the jobs: Black's and Flake8's files cut into batches small
//! enough that no core idles while work remains, Pylint's cut into parts
//! only when its one process would hold the whole run back (each part
//! repeats work, and a last process concludes the cross-file checks over
//! every part: see `pylint.rs`), then every job on a pool of `slots`
//! processes, the costliest first (longest-processing-time order), so that
//! the long jobs start at once and the short ones fill the cores around them.

// Estimates: rounding a count of files or seconds changes no decision.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::Session;
use super::plan::{Conclusion, Job, Pass, Planner};
use super::{Failure, Invocation, Prepared, Ran, RunContext};
use crate::model::{Planning, ToolKind};

/// A job with the tool it belongs to.
pub(crate) struct Scheduled<'a> {
    pub(crate) tool: usize,
    pub(crate) job: Job<'a>,
}

pub(crate) struct Outcome {
    pub(crate) tool: usize,
    /// The bytes of source the job checked, for the recorded costs.
    pub(crate) bytes: u64,
    /// Whether it ran every check (a Pylint pass of some checks costs
    /// otherwise per byte, and is not recorded).
    pub(crate) every_check: bool,
    /// The files whose findings the job reports (`Job::owns`).
    pub(crate) owns: Option<super::plan::Owned>,
    pub(crate) result: Result<Ran, Failure>,
}

/// Every job of every tool, with Black's and Flake8's cut into batches of
/// about a third of one core's fair share of the whole run (no smaller than
/// a few process starts' worth).
pub(super) fn split<'a>(
    prepared: &mut [Prepared<'a>],
    session: &Session,
    planner: &Planner<'a>,
) -> Vec<Scheduled<'a>> {
    let slots = session.slots;
    let total: f64 = prepared
        .iter()
        .filter_map(|p| p.plan.as_ref())
        .flat_map(|plan| plan.jobs.iter().map(|job| job.cost))
        .sum();
    let target = (total / (slots as f64 * 3.0)).max(1.5);
    let mut scheduled = Vec::new();
    for (tool, prepared) in prepared.iter_mut().enumerate() {
        let kind = prepared.kind;
        let planning = super::spec(kind).planning;
        let Some(plan) = prepared.plan.as_mut() else {
            continue;
        };
        let folder_batches = plan.folder_batches;
        for job in std::mem::take(&mut plan.jobs) {
            if folder_batches {
                scheduled.extend(
                    folder_cut(&job, slots, planner, kind).map(|job| Scheduled { tool, job }),
                );
                continue;
            }
            if planning == Planning::CrossFile
                && let Some(parts) = pylint_parts(&job, kind, total, session, planner)
            {
                if job.pass == Pass::All {
                    // The parts gather; one more process concludes.
                    plan.conclude = Some(Conclusion {
                        python: job.python,
                        order: job.files.clone(),
                    });
                }
                let pass = if job.pass == Pass::All {
                    Pass::Part
                } else {
                    job.pass
                };
                scheduled.extend(
                    cut(&job, parts, pass, planner, kind).map(|job| Scheduled { tool, job }),
                );
                continue;
            }
            let splittable = planning == Planning::PerFile;
            if !splittable || job.cost <= target * 1.5 || job.files.len() < 2 {
                scheduled.push(Scheduled { tool, job });
                continue;
            }
            let batches = ((job.cost / target).ceil() as usize).clamp(2, job.files.len());
            scheduled.extend(
                cut(&job, batches, Pass::All, planner, kind).map(|job| Scheduled { tool, job }),
            );
        }
    }
    // Costliest first; ties in a fixed order so that runs are repeatable.
    scheduled.sort_by(|a, b| b.job.cost.total_cmp(&a.job.cost).then(a.tool.cmp(&b.tool)));
    scheduled
}

/// How many parts to cut a Pylint job into, if any: as many as give the
/// shortest estimated run, and only if that beats one process by a tenth.
/// Each part repeats work (starting Pylint, and inferring the modules the
/// parts all import: measured on netmiko, two parts cost a third more CPU
/// than one process), and the conclusion is one more process.
fn pylint_parts(
    job: &Job,
    kind: ToolKind,
    total: f64,
    session: &Session,
    planner: &Planner,
) -> Option<usize> {
    if job.files.len() < 2 || !matches!(job.pass, Pass::All | Pass::PerFile) {
        return None;
    }
    if let Some(parts) = session.pylint_parts {
        return (parts > 1).then(|| parts.min(job.files.len()));
    }
    // Where processes fork, one Pylint process checks its files in copies
    // that share what it read: better than parts, which each read again.
    if cfg!(unix) {
        return None;
    }
    let (_, per_process) = planner.rates[&kind];
    let best = best_parts(job.cost, total - job.cost, per_process, session.slots);
    (best > 1).then(|| best.min(job.files.len()))
}

/// The number of parts (1 for none) with the shortest estimated run of
/// `slots` cores, for Pylint work of `pylint` seconds beside `others`.
fn best_parts(pylint: f64, others: f64, per_process: f64, slots: usize) -> usize {
    const REPEATED: f64 = 0.4;
    let single = pylint.max((pylint + others) / slots as f64);
    let (parts, time) = (2..=slots)
        .map(|parts| {
            let extra = parts as f64 - 1.0;
            let work = pylint * (1.0 + REPEATED * extra) + per_process * (extra + 1.0) + others;
            let part = pylint * (1.0 + REPEATED * extra) / parts as f64;
            (parts, part.max(work / slots as f64))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((1, single));
    if time < single * 0.9 { parts } else { 1 }
}

/// A job's files cut into `count` jobs of `pass`, each of neighbouring
/// files and about equal size.
fn cut<'a, 'j>(
    job: &'j Job<'a>,
    count: usize,
    pass: Pass,
    planner: &'j Planner<'a>,
    kind: ToolKind,
) -> impl Iterator<Item = Job<'a>> + 'j {
    balanced_chunks(&job.files, count, planner.sizes)
        .into_iter()
        .map(move |files| Job {
            python: job.python,
            cost: planner.cost(kind, &files),
            files,
            pass,
            facts: None,
            owns: job.owns.clone(),
        })
}

/// A job of folders of tests, each a process of its own in it, cut between
/// folders into up to `slots` jobs of about equal size: every core runs
/// folders, and each job starts its interpreter once.
fn folder_cut<'a, 'j>(
    job: &'j Job<'a>,
    slots: usize,
    planner: &'j Planner<'a>,
    kind: ToolKind,
) -> impl Iterator<Item = Job<'a>> + 'j {
    let folders = super::pytest_coverage::by_folder(planner.repo, &job.files);
    let count = slots.clamp(1, folders.len().max(1));
    let bytes = |files: &[&str]| -> u64 { files.iter().map(|f| size(planner.sizes, f)).sum() };
    balanced(folders, count, |(_, files)| bytes(files))
        .into_iter()
        .map(move |batch| {
            let files: Vec<&str> = batch.into_iter().flat_map(|(_, files)| files).collect();
            Job {
                python: job.python,
                cost: planner.cost(kind, &files),
                files,
                pass: job.pass,
                facts: None,
                owns: job.owns.clone(),
            }
        })
}

/// `files` in `count` runs of neighbouring files of about equal size.
fn balanced_chunks<'a>(
    files: &[&'a str],
    count: usize,
    sizes: &HashMap<&str, u64>,
) -> Vec<Vec<&'a str>> {
    balanced(files.to_vec(), count, |file| size(sizes, file))
}

/// A file's size in bytes for balancing (at least 1: every file costs).
fn size(sizes: &HashMap<&str, u64>, file: &str) -> u64 {
    sizes.get(file).copied().unwrap_or(0).max(1)
}

/// `items` in `count` runs of neighbouring items of about equal `size`.
fn balanced<T>(items: Vec<T>, count: usize, size: impl Fn(&T) -> u64) -> Vec<Vec<T>> {
    let total: u64 = items.iter().map(&size).sum::<u64>().max(1);
    let mut chunks: Vec<Vec<T>> = (0..count).map(|_| Vec::new()).collect();
    let mut before = 0u64;
    for item in items {
        // The chunk whose share of the total this item starts in.
        let index = usize::try_from(u128::from(before) * count as u128 / u128::from(total))
            .unwrap_or(count - 1)
            .min(count - 1);
        before += size(&item);
        chunks[index].push(item);
    }
    chunks.retain(|chunk| !chunk.is_empty());
    chunks
}

/// Runs every job, `slots` at a time, in the order given.
pub(super) fn run(
    jobs: &[Scheduled],
    session: &Session,
    prepared: &[Prepared],
    sizes: &HashMap<&str, u64>,
) -> Vec<Outcome> {
    let queue = Mutex::new(jobs.iter().enumerate().collect::<VecDeque<_>>());
    let outcomes = Mutex::new(Vec::with_capacity(jobs.len()));
    let progress = session.progress;
    progress.planned(jobs.iter().map(|s| s.job.files.len()).sum());
    std::thread::scope(|scope| {
        for _ in 0..session.slots.min(jobs.len()) {
            scope.spawn(|| {
                loop {
                    // An interrupted run starts nothing more.
                    if crate::interrupt::interrupted().is_some() {
                        break;
                    }
                    let next = queue
                        .lock()
                        .expect("the queue is never poisoned")
                        .pop_front();
                    let Some((index, scheduled)) = next else {
                        break;
                    };
                    let tool = &prepared[scheduled.tool];
                    let name = tool.kind.name();
                    progress.started(name);
                    let result = run_job(session, tool, &scheduled.job, index);
                    progress.finished(name, scheduled.job.files.len());
                    let bytes = scheduled
                        .job
                        .files
                        .iter()
                        .map(|f| sizes.get(f).copied().unwrap_or(0))
                        .sum();
                    outcomes.lock().expect("outcomes are never poisoned").push((
                        index,
                        Outcome {
                            tool: scheduled.tool,
                            bytes,
                            every_check: matches!(scheduled.job.pass, Pass::All | Pass::Part),
                            owns: scheduled.job.owns.clone(),
                            result,
                        },
                    ));
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().expect("outcomes are never poisoned");
    // The order the jobs were planned in, so that output is merged the same
    // way whatever finished first.
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

fn run_job(session: &Session, tool: &Prepared, job: &Job, index: usize) -> Result<Ran, Failure> {
    let name = tool.kind.name();
    let invocation = Invocation {
        name,
        runner: super::runner(tool.kind),
        python: job.python,
        env: &session.toolbox.env,
        timeout: tool.settings.timeout,
        pass_env: &tool.settings.pass_env,
    };
    let plan = tool.plan.as_ref();
    let (jobs, forks) =
        super::runner(tool.kind).pool(session.slots, session.pylint_parts.is_some());
    let ctx = RunContext {
        repo: session.repo,
        whole: session.whole,
        jobs,
        forks,
        pass: job.pass,
        severity: &tool.settings.severity,
        scratch: &session.scratch.join(format!("{name}-{index}")),
        pairs_in: plan.and_then(|p| p.pairs_in.as_deref()),
        keeps: plan.is_some_and(|p| p.pairs_key.is_some()),
        coverage: tool.settings.coverage,
        sysmon: super::pytest_coverage::has_sysmon(&session.toolbox.python_version),
    };
    if let (Pass::Conclude { similar, cyclic }, Some(facts)) = (job.pass, &job.facts) {
        let kept = facts
            .kept
            .iter()
            .map(|(path, f)| (*path, f.as_ref()))
            .collect();
        super::pylint::write_merge_input(ctx.scratch, similar, cyclic, &facts.order, &kept)
            .map_err(|err| (super::ToolStatus::Failed, err, std::time::Duration::ZERO))?;
    }
    invocation.run(&ctx, &job.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pylint_is_cut_only_where_parts_pay_for_what_they_repeat() {
        // Two cores, Pylint a little over half the work (netmiko): one process.
        assert_eq!(best_parts(22.0, 13.0, 0.8, 2), 1);
        // One core, or little Pylint work: one process.
        assert_eq!(best_parts(22.0, 13.0, 0.8, 1), 1);
        assert_eq!(best_parts(2.0, 13.0, 0.8, 8), 1);
        // Eight cores and the same work: parts, but not one per core (each
        // repeats work).
        let parts = best_parts(22.0, 13.0, 0.8, 8);
        assert!((2..8).contains(&parts), "{parts}");
        // Pylint all the work on two cores: two parts.
        assert_eq!(best_parts(60.0, 1.0, 0.8, 2), 2);
    }

    #[test]
    fn chunks_keep_every_file_once_in_order_and_balance_bytes() {
        let files: Vec<String> = (0..10).map(|n| format!("f{n}.py")).collect();
        let names: Vec<&str> = files.iter().map(String::as_str).collect();
        let sizes = names.iter().map(|n| (*n, 100)).collect();
        let chunks = balanced_chunks(&names, 3, &sizes);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks.concat(), names);
        assert!(
            chunks.iter().all(|c| (3..=4).contains(&c.len())),
            "{chunks:?}"
        );
    }
}
