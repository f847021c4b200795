//! One line of the audit trail: a run of the gate as data. Written by
//! `check --audit`, read back by `opsgate roi`; fields are only ever added,
//! and readers ignore what they do not know.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::incident::Incident;
use super::origin::{CiRun, Origin};
use crate::judge::verdict::Verdict;
use crate::model::Severity;
use crate::model::TestOutcome;
use crate::report::RunResult;
use crate::rules::ToolStandards;

/// Bumped only when a field changes meaning or disappears.
pub(crate) const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) version: u32,
    /// When the run ended, RFC 3339 UTC.
    pub(crate) time: String,
    #[serde(default)]
    pub(crate) who: Option<String>,
    #[serde(default)]
    pub(crate) ci: Option<CiRun>,
    #[serde(default)]
    pub(crate) commit: Option<String>,
    #[serde(default)]
    pub(crate) branch: Option<String>,
    pub(crate) verdict: Gate,
    #[serde(default)]
    pub(crate) duration_ms: u64,
    /// opsgate, Python and each tool that ran, with their versions.
    #[serde(default)]
    pub(crate) versions: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) findings: Counts,
    /// `tool/rule` (`flake8/F401`, `opsgate/OG101`) -> findings.
    #[serde(default)]
    pub(crate) rules: BTreeMap<String, usize>,
    /// Tool folder -> what the run found there.
    #[serde(default)]
    pub(crate) folders: BTreeMap<String, Folder>,
    #[serde(default)]
    pub(crate) standards: Standards,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) incident: Option<Incident>,
    /// Shell and Python in the repository; absent from older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) languages: Option<super::Languages>,
    /// The percentage of statements the tests executed, when measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) coverage: Option<f64>,
}

/// The verdict, as the audit trail spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Gate {
    Passed,
    Failed,
    Error,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Counts {
    pub(crate) total: usize,
    /// At or above the threshold: what failed the gate.
    pub(crate) blocking: usize,
    pub(crate) error: usize,
    pub(crate) warning: usize,
    pub(crate) note: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Folder {
    pub(crate) findings: usize,
    pub(crate) blocking: usize,
    pub(crate) tests: usize,
    pub(crate) failed_tests: usize,
    /// Summed duration of the folder's tests: a floor for the tool's run time.
    pub(crate) test_seconds: f64,
    pub(crate) readme: bool,
    pub(crate) owners: usize,
    pub(crate) tested: bool,
    pub(crate) pinned: bool,
    /// The percentage of the tool's statements its tests executed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) coverage: Option<f64>,
}

/// How many tools meet each standard, out of `tools`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Standards {
    pub(crate) tools: usize,
    pub(crate) readme: usize,
    /// At least `min_owners` (two by default) in CODEOWNERS.
    pub(crate) owners: usize,
    pub(crate) tests: usize,
    pub(crate) pinned: usize,
}

impl Standards {
    pub(crate) fn of(tools: &[ToolStandards]) -> Standards {
        let count = |meets: fn(&ToolStandards) -> bool| tools.iter().filter(|t| meets(t)).count();
        Standards {
            tools: tools.len(),
            readme: count(|t| t.readme),
            owners: count(|t| t.owned),
            tests: count(|t| t.tested),
            pinned: count(|t| t.pinned),
        }
    }
}

impl Record {
    pub(crate) fn new(
        run: &RunResult,
        standards: &[ToolStandards],
        origin: Origin,
        incident: Option<Incident>,
        now: SystemTime,
    ) -> Record {
        let mut versions = BTreeMap::from([
            ("opsgate".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
            ("python".to_owned(), run.python_version.clone()),
        ]);
        for tool in &run.tools {
            if let Some(version) = &tool.version {
                versions.insert(tool.name.name().to_owned(), version.clone());
            }
        }
        let mut rules = BTreeMap::new();
        let mut folders: BTreeMap<String, Folder> = standards
            .iter()
            .map(|t| {
                let folder = Folder {
                    readme: t.readme,
                    owners: t.owners,
                    tested: t.tested,
                    pinned: t.pinned,
                    ..Folder::default()
                };
                (t.path.clone(), folder)
            })
            .collect();
        for finding in &run.findings {
            *rules
                .entry(format!("{}/{}", finding.tool, finding.rule))
                .or_insert(0) += 1;
            if let Some(folder) = folder_of(&mut folders, &finding.path) {
                folder.findings += 1;
                folder.blocking += usize::from(run.is_blocking(finding));
            }
        }
        for test in &run.tests {
            let Some(folder) = test
                .file
                .as_deref()
                .and_then(|f| folder_of(&mut folders, f))
            else {
                continue;
            };
            folder.tests += 1;
            folder.failed_tests += usize::from(matches!(
                test.outcome,
                TestOutcome::Failed | TestOutcome::Error
            ));
            folder.test_seconds += test.time;
        }
        // Whole milliseconds: sums of floats would print as 0.037000000000000005.
        for folder in folders.values_mut() {
            folder.test_seconds = (folder.test_seconds * 1000.0).round() / 1000.0;
        }
        if let Some(coverage) = &run.coverage {
            for (path, folder) in &mut folders {
                let figure = coverage.figure_below(path);
                folder.coverage = (figure.statements > 0).then(|| tenths(figure.percent()));
            }
        }
        Record {
            version: RECORD_VERSION,
            time: humantime::format_rfc3339_seconds(now).to_string(),
            who: origin.who,
            ci: origin.ci,
            commit: origin.commit,
            branch: origin.branch,
            verdict: match run.verdict {
                Verdict::Passed => Gate::Passed,
                Verdict::Failed => Gate::Failed,
                Verdict::Error => Gate::Error,
            },
            duration_ms: u64::try_from(run.duration.as_millis()).unwrap_or(u64::MAX),
            versions,
            findings: Counts {
                total: run.findings.len(),
                blocking: run.blocking(),
                error: run.count(Severity::Error),
                warning: run.count(Severity::Warning),
                note: run.count(Severity::Note),
            },
            rules,
            folders,
            standards: Standards::of(standards),
            incident,
            languages: None,
            coverage: run.coverage.as_ref().map(|c| tenths(c.figure().percent())),
        }
    }
}

/// A percentage to a tenth, as the trail keeps it.
fn tenths(percent: f64) -> f64 {
    (percent * 10.0).round() / 10.0
}

/// The tool folder holding `path` (the deepest, should folders nest).
fn folder_of<'a>(folders: &'a mut BTreeMap<String, Folder>, path: &str) -> Option<&'a mut Folder> {
    let key = folders
        .keys()
        .filter(|folder| crate::discover::repo::within(path, folder))
        .max_by_key(|folder| folder.len())?
        .clone();
    folders.get_mut(&key)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::report::fixtures;
    use crate::rules::ToolMetadata;

    fn tool(path: &str, tested: bool) -> ToolStandards {
        ToolStandards {
            path: path.into(),
            readme: true,
            owners: 2,
            owned: true,
            tested,
            pinned: false,
            metadata: ToolMetadata::default(),
        }
    }

    #[test]
    fn counts_per_rule_folder_and_standard() {
        let run = fixtures::run();
        let tools = [tool("net", true), tool("db/x", false)];
        let now = SystemTime::UNIX_EPOCH + Duration::from_hours(490_000);
        let record = Record::new(&run, &tools, Origin::default(), None, now);
        assert_eq!(record.time, "2025-11-24T16:00:00Z");
        assert_eq!(record.verdict, Gate::Failed);
        assert_eq!(
            record.findings,
            Counts {
                total: 3,
                blocking: 2,
                error: 2,
                warning: 0,
                note: 1
            }
        );
        assert_eq!(record.rules["flake8/F401"], 1);
        assert_eq!(record.rules["black/would-reformat"], 1);
        let net = &record.folders["net"];
        assert_eq!((net.findings, net.blocking), (3, 2));
        assert_eq!((net.tests, net.failed_tests), (2, 1));
        assert!((net.test_seconds - 0.75).abs() < 1e-9);
        assert_eq!(record.folders["db/x"].findings, 0);
        assert_eq!(
            record.standards,
            Standards {
                tools: 2,
                readme: 2,
                owners: 2,
                tests: 1,
                pinned: 0
            }
        );
        assert_eq!(record.versions["black"], "1.0.0");
        assert_eq!(record.versions["python"], "3.11.7");
    }

    #[test]
    fn a_record_reads_back_and_unknown_fields_are_ignored() {
        let run = fixtures::run();
        let record = Record::new(&run, &[], Origin::default(), None, SystemTime::now());
        let line = serde_json::to_string(&record).unwrap();
        let back: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(back, record);
        let newer: Record = serde_json::from_str(
            r#"{"version":1,"time":"2026-01-01T00:00:00Z","verdict":"passed","later":1}"#,
        )
        .unwrap();
        assert_eq!(newer.findings, Counts::default());
    }
}
