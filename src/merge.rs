//! `opsgate merge`: the JSON reports of the shards of one run made into the
//! report and the verdict the unsharded run gives. It fails closed: a shard
//! missing or given twice, or shards that did not check the same commit with
//! the same configuration and plan, exit 2 before anything is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::ci::CiContext;
use crate::cli::MergeArgs;
use crate::discover::shard::ShardInfo;
use crate::judge::verdict::{self, Verdict};
use crate::model::TestResult;
use crate::model::{Coverage, FileCoverage, Finding, Severity, sort_findings};
use crate::report::json::SCHEMA_VERSION;
use crate::report::{self, Destinations, RunResult};
use crate::runners::ToolRun;

/// The parts of a shard's JSON report that the merged report is made from.
#[derive(Deserialize)]
struct ShardReport {
    version: u32,
    fail_on: Severity,
    duration_ms: u64,
    python: String,
    python_version: String,
    config: Option<String>,
    domains: Vec<String>,
    tool_folders: Vec<String>,
    findings: Vec<Finding>,
    tools: Vec<ToolRun>,
    tests: Vec<TestResult>,
    shard: Option<ShardInfo>,
    /// Absent when the shard measured no coverage.
    #[serde(default)]
    coverage: Option<ShardCoverage>,
}

/// The lines a shard's tests ran, file by file; the figures beside them in
/// the report are recomputed from the merged files.
#[derive(Deserialize)]
struct ShardCoverage {
    files: Vec<FileCoverage>,
}

/// A shard's report and where it was read from.
struct Part {
    path: PathBuf,
    shard: ShardInfo,
    report: ShardReport,
}

impl Part {
    fn name(&self) -> String {
        format!(
            "`{}` (shard {}/{})",
            self.path.display(),
            self.shard.index,
            self.shard.total
        )
    }
}

pub(crate) fn run(args: &MergeArgs) -> Result<Verdict> {
    let destinations = Destinations::new(args.format, &args.output)?;
    let parts = args
        .reports
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<Part>>>()?;
    let parts = complete(parts)?;
    let root = std::fs::canonicalize(&args.root)
        .with_context(|| format!("--root `{}`", args.root.display()))?;
    let result = combine(parts, CiContext::from_env(&root))?;
    report::write_all(&destinations, &result)?;
    Ok(result.verdict)
}

fn read(path: &Path) -> Result<Part> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading the report `{}`", path.display()))?;
    let report: ShardReport = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "`{}` is not a JSON report of `opsgate check --format json`",
            path.display()
        )
    })?;
    if report.version != SCHEMA_VERSION {
        bail!(
            "`{}` is a version {} report; this opsgate merges version {SCHEMA_VERSION}",
            path.display(),
            report.version
        );
    }
    let Some(shard) = report.shard.clone() else {
        bail!(
            "`{}` is the report of a whole run, not of a shard: merge the reports of \
             `opsgate check --shard I/N --format json`",
            path.display()
        );
    };
    Ok(Part {
        path: path.to_path_buf(),
        shard,
        report,
    })
}

/// Every shard 1..=N exactly once, all of one run; sorted by index.
fn complete(parts: Vec<Part>) -> Result<Vec<Part>> {
    let first = parts.first().context("no report to merge")?;
    let total = first.shard.total;
    if let Some(other) = parts.iter().find(|p| p.shard.total != total) {
        bail!(
            "{} and {} belong to runs cut into different numbers of shards",
            first.name(),
            other.name()
        );
    }
    let mut by_index: BTreeMap<usize, Part> = BTreeMap::new();
    for part in parts {
        if let Some(earlier) = by_index.get(&part.shard.index) {
            bail!(
                "shard {}/{total} is given twice: `{}` and `{}`",
                part.shard.index,
                earlier.path.display(),
                part.path.display()
            );
        }
        by_index.insert(part.shard.index, part);
    }
    let missing: Vec<String> = (1..=total)
        .filter(|index| !by_index.contains_key(index))
        .map(|index| format!("{index}/{total}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard {} missing: merge needs the JSON report of every shard of the run",
            missing.join(", ")
        );
    }
    let parts: Vec<Part> = by_index.into_values().collect();
    let first = &parts[0];
    for part in &parts[1..] {
        let differs = [
            ("commit", first.shard.commit != part.shard.commit),
            ("configuration", first.shard.config != part.shard.config),
            (
                "files (their plans differ)",
                first.shard.plan != part.shard.plan,
            ),
            (
                "fail-on threshold",
                first.report.fail_on != part.report.fail_on,
            ),
            (
                "Python",
                first.report.python_version != part.report.python_version,
            ),
            (
                "layout",
                first.report.domains != part.report.domains
                    || first.report.tool_folders != part.report.tool_folders,
            ),
        ];
        if let Some((what, _)) = differs.iter().find(|(_, differs)| *differs) {
            bail!(
                "{} and {} did not check the same {what}: every shard of a run must check \
                 the same commit with the same configuration",
                first.name(),
                part.name()
            );
        }
    }
    Ok(parts)
}

fn combine(parts: Vec<Part>, ci: CiContext) -> Result<RunResult> {
    let mut parts = parts.into_iter();
    let first = parts.next().context("no report to merge")?;
    let first_name = first.name();
    let mut run = first.report;
    // Shards share a configuration: those whose tests ran measured, and the
    // run's coverage is the union of what each shard's tests executed.
    let mut coverage: Option<Coverage> = run.coverage.take().map(|c| c.files.into_iter().collect());
    for part in parts {
        let name = part.name();
        let report = part.report;
        if report.tools.len() != run.tools.len() {
            bail!("{first_name} and {name} ran different tools");
        }
        for tool in report.tools {
            let Some(merged) = run.tools.iter_mut().find(|t| t.name == tool.name) else {
                bail!("{first_name} and {name} ran different tools");
            };
            if merged.version != tool.version || merged.pinned_version != tool.pinned_version {
                bail!(
                    "{first_name} and {name} ran different versions of {}",
                    tool.name
                );
            }
            add_shard(merged, tool);
        }
        run.findings.extend(report.findings);
        run.tests.extend(report.tests);
        if let Some(shard) = report.coverage {
            coverage.get_or_insert_default().merge(shard.files);
        }
        run.duration_ms = run.duration_ms.max(report.duration_ms);
    }
    sort_findings(&mut run.findings);
    // Each shard ran its files in path order; so did the whole run.
    run.tests.sort_by(|a, b| a.file.cmp(&b.file));
    let verdict = verdict::judge(&run.findings, &run.tools, run.fail_on);
    Ok(RunResult {
        verdict,
        fail_on: run.fail_on,
        findings: run.findings,
        tests: run.tests,
        tools: run.tools,
        python: run.python,
        python_version: run.python_version,
        duration: Duration::from_millis(run.duration_ms),
        config: run.config,
        domains: run.domains,
        tool_folders: run.tool_folders,
        ci,
        // Each finding keeps its own `baseline_state`, so the verdict holds;
        // the shards' adoption summaries are not added up.
        adoption: None,
        shard: None,
        coverage,
    })
}

/// One shard's run of a tool added to the others': its files and findings.
fn add_shard(merged: &mut ToolRun, shard: ToolRun) {
    merged.files += shard.files;
    merged
        .checked_files
        .extend(shard.checked_files.iter().cloned());
    merged.checked_files.sort();
    merged.add_pass(shard);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::runners::ToolStatus;

    fn part(index: usize, total: usize) -> Part {
        Part {
            path: PathBuf::from(format!("shard-{index}.json")),
            shard: ShardInfo {
                index,
                total,
                plan: "plan".into(),
                commit: Some("abc".into()),
                config: "defaults".into(),
            },
            report: ShardReport {
                version: SCHEMA_VERSION,
                fail_on: Severity::Warning,
                duration_ms: 100,
                python: "/venv/bin/python".into(),
                python_version: "3.11.7".into(),
                config: None,
                domains: vec!["net".into()],
                tool_folders: vec![],
                findings: vec![],
                tools: vec![fixtures::tool("pylint", 0)],
                tests: vec![],
                shard: None,
                coverage: None,
            },
        }
    }

    fn error(parts: Vec<Part>) -> String {
        format!("{:#}", complete(parts).err().expect("an error"))
    }

    #[test]
    fn every_shard_once_of_the_same_run() {
        let merged = complete(vec![part(2, 2), part(1, 2)]).unwrap();
        assert_eq!(merged[0].shard.index, 1);
        assert!(error(vec![part(1, 3), part(3, 3)]).contains("shard 2/3 missing"));
        assert!(error(vec![part(1, 2), part(1, 2), part(2, 2)]).contains("given twice"));
        assert!(error(vec![part(1, 2), part(2, 3)]).contains("different numbers"));
        let mut other = part(2, 2);
        other.shard.commit = Some("def".into());
        assert!(error(vec![part(1, 2), other]).contains("same commit"));
        let mut other = part(2, 2);
        other.shard.plan = "other".into();
        assert!(error(vec![part(1, 2), other]).contains("plans differ"));
    }

    #[test]
    fn tool_records_add_up_and_the_worst_status_wins() {
        let mut merged = fixtures::tool("pylint", 2);
        merged.status = ToolStatus::Skipped;
        merged.exit_code = Some(4);
        let mut shard = fixtures::tool("pylint", 3);
        shard.exit_code = Some(16);
        shard.checked_files = vec!["a/b.py".into()];
        add_shard(&mut merged, shard);
        assert_eq!(merged.findings, 5);
        assert_eq!(merged.files, 4);
        assert_eq!(merged.duration_ms, 3000);
        assert_eq!(merged.exit_code, Some(20));
        assert_eq!(merged.status, ToolStatus::Ok);
        assert_eq!(merged.checked_files[0], "a/b.py");
        let mut failed = fixtures::tool("pylint", 0);
        failed.status = ToolStatus::Failed;
        failed.error = Some("crashed".into());
        merged.add_pass(failed);
        assert_eq!(merged.status, ToolStatus::Failed);
        assert_eq!(merged.error.as_deref(), Some("crashed"));
    }

    #[test]
    fn the_shards_coverage_merges_into_the_whole_run_s() {
        let whole: Coverage = [
            FileCoverage::of("lib/x.py", &[1, 2, 3, 4], &[1, 2, 4]),
            FileCoverage::of("a/run.py", &[1, 2], &[1]),
            FileCoverage::of("b/run.py", &[1], &[1]),
        ]
        .into_iter()
        .collect();
        // Both shards' tests import lib/x.py and run different lines of it.
        let mut one = part(1, 2);
        one.report.coverage = Some(ShardCoverage {
            files: vec![
                FileCoverage::of("lib/x.py", &[1, 2, 3, 4], &[1, 2]),
                FileCoverage::of("a/run.py", &[1, 2], &[1]),
            ],
        });
        let mut two = part(2, 2);
        two.report.coverage = Some(ShardCoverage {
            files: vec![
                FileCoverage::of("lib/x.py", &[1, 2, 3, 4], &[4]),
                FileCoverage::of("b/run.py", &[1], &[1]),
            ],
        });
        // A shard that ran no tests measured nothing.
        let three = part(3, 3);
        let merged = combine(vec![one, two, three], CiContext::default()).unwrap();
        assert_eq!(merged.coverage, Some(whole));
        let merged = combine(vec![part(1, 2), part(2, 2)], CiContext::default()).unwrap();
        assert!(merged.coverage.is_none());
    }

    #[test]
    fn a_shard_s_json_report_carries_its_coverage_to_merge() {
        let mut run = fixtures::covered_run();
        run.shard = Some(part(1, 2).shard);
        let mut json = Vec::new();
        report::emit(report::ReportFormat::Json, &mut json, &run).unwrap();
        let read: ShardReport = serde_json::from_slice(&json).unwrap();
        let files: Coverage = read.coverage.unwrap().files.into_iter().collect();
        assert_eq!(Some(files), run.coverage);
    }
}
