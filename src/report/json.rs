//! `--format json`: `{"version":1,"verdict":…,"findings":[…],"tools":[…],
//! "tests":[…],"coverage":{…}}` — everything the other formats are made
//! from, and what `opsgate merge` reads back.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::coverage_figures::CoverageFigures;
use super::{Emitter, RunResult};
use crate::discover::shard::ShardInfo;
use crate::judge::adoption::AdoptionSummary;
use crate::judge::verdict::Verdict;
use crate::model::TestResult;
use crate::model::{Figure, FileCoverage, Finding, Severity};
use crate::runners::ToolRun;

pub(crate) struct Json;

/// Bumped only when a field changes meaning or disappears.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    verdict: Verdict,
    fail_on: Severity,
    duration_ms: u64,
    python: &'a str,
    python_version: &'a str,
    config: Option<&'a str>,
    domains: &'a [String],
    tool_folders: &'a [String],
    findings: &'a [Finding],
    tools: &'a [ToolRun],
    tests: &'a [TestResult],
    /// Under `--new-only` or with a baseline (absent otherwise).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    adoption: Option<&'a AdoptionSummary>,
    /// Present only in a shard's report, for `opsgate merge`.
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<&'a ShardInfo>,
    /// Present when coverage was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<CoverageReport<'a>>,
}

/// The repository's figure, each tool folder's, the other files', and every
/// file's lines (which `opsgate merge` adds up across shards).
#[derive(Serialize)]
struct CoverageReport<'a> {
    #[serde(flatten)]
    total: Share,
    tools: Vec<ToolShare>,
    /// Files outside every tool folder: shared libraries and the rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    other: Option<Share>,
    files: Vec<&'a FileCoverage>,
}

#[derive(Serialize)]
struct Share {
    percent: f64,
    covered: usize,
    statements: usize,
}

impl From<Figure> for Share {
    fn from(figure: Figure) -> Self {
        Share {
            percent: figure.percent(),
            covered: figure.covered,
            statements: figure.statements,
        }
    }
}

#[derive(Serialize)]
struct ToolShare {
    folder: String,
    #[serde(flatten)]
    figure: Share,
}

fn coverage_report(run: &RunResult) -> Option<CoverageReport<'_>> {
    let coverage = run.coverage.as_ref()?;
    let CoverageFigures { total, groups } = run.coverage_figures()?;
    let mut tools = Vec::new();
    let mut other = None;
    for group in groups {
        match group.folder {
            Some(folder) => tools.push(ToolShare {
                folder,
                figure: group.figure.into(),
            }),
            None => other = Some(group.figure.into()),
        }
    }
    Some(CoverageReport {
        total: total.into(),
        tools,
        other,
        files: coverage.files().collect(),
    })
}

impl Emitter for Json {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let report = Report {
            version: SCHEMA_VERSION,
            verdict: run.verdict,
            fail_on: run.fail_on,
            duration_ms: u64::try_from(run.duration.as_millis()).unwrap_or(u64::MAX),
            python: &run.python,
            python_version: &run.python_version,
            config: run.config.as_deref(),
            domains: &run.domains,
            tool_folders: &run.tool_folders,
            findings: &run.findings,
            tools: &run.tools,
            tests: &run.tests,
            adoption: run.adoption.as_ref(),
            shard: run.shard.as_ref(),
            coverage: coverage_report(run),
        };
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        Ok(())
    }
}
