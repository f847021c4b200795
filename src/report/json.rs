//! `--format json`: `{"version":1,"verdict":…,"findings":[…],"tools":[…],
//! "tests":[…]}` — everything the other formats are made from.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{Emitter, RunResult};
use crate::discover::shard::ShardInfo;
use crate::judge::adoption::AdoptionSummary;
use crate::judge::verdict::Verdict;
use crate::model::TestResult;
use crate::model::{Coverage, Finding, Severity};
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
    coverage: Option<&'a Coverage>,
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
            coverage: run.coverage.as_ref(),
        };
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        Ok(())
    }
}
