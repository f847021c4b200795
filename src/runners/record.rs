//! One tool's part of a run as the reports show it: its status, counts,
//! time and exit code, added up over every process of the tool.

use serde::{Deserialize, Serialize};

use crate::config::ToolSettings;
use crate::model::ToolKind;

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
    /// Which status a record of several processes shows: an error over a
    /// run over a skip.
    fn rank(self) -> u8 {
        match self {
            ToolStatus::Disabled => 0,
            ToolStatus::Skipped => 1,
            ToolStatus::Ok => 2,
            ToolStatus::NotInstalled | ToolStatus::Failed | ToolStatus::TimedOut => 3,
        }
    }

    /// Whether the gate may judge with this tool in this state.
    pub(crate) fn is_error(self) -> bool {
        matches!(
            self,
            ToolStatus::NotInstalled | ToolStatus::Failed | ToolStatus::TimedOut
        )
    }
}

/// One tool's part of a run, as the reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ToolRun {
    pub(crate) name: ToolKind,
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
    /// Another process of the same tool (a shard's, or Pylint's cross-file
    /// pass) added to this record: its findings, time and worst status.
    pub(crate) fn add_pass(&mut self, pass: ToolRun) {
        self.findings += pass.findings;
        self.duration_ms += pass.duration_ms;
        self.cached += pass.cached;
        self.processes += pass.processes;
        self.exit_code = combined_exit(self.name, self.exit_code, pass.exit_code);
        if pass.status.rank() > self.status.rank() {
            self.status = pass.status;
        }
        self.error = match (self.error.take(), pass.error) {
            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
            (a, b) => a.or(b),
        };
    }

    /// A tool's record before it runs: nothing done, nothing found.
    pub(super) fn starting(tool: &ToolSettings, version: Option<String>, files: usize) -> ToolRun {
        ToolRun {
            name: tool.kind,
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

/// The exit code of several processes of one tool, as one, as the tool
/// combines them (Pylint's bit masks add up; others' worst wins).
pub(crate) fn combined_exit(tool: ToolKind, a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(super::runner(tool).combine_exits(a, b)),
        (a, b) => a.or(b),
    }
}
