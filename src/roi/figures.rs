//! The figures of `opsgate roi`, computed once from the repository's tools
//! and the audit records; the Markdown and HTML views only lay them out.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::audit::{Gate, Languages, Record, Standards, parse_time};
use crate::rules::ToolStandards;

/// Where a tool's run time comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Runtime {
    /// `runtime_seconds` in its README.
    Declared(f64),
    /// The duration of its tests in the latest audit record that ran them.
    TestsFloor(f64),
    Unknown,
}

impl Runtime {
    pub(crate) fn seconds(self) -> f64 {
        match self {
            Runtime::Declared(s) | Runtime::TestsFloor(s) => s,
            Runtime::Unknown => 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolRoi {
    pub(crate) path: String,
    pub(crate) manual_minutes: Option<f64>,
    pub(crate) runs_per_month: Option<f64>,
    pub(crate) runtime: Runtime,
    /// `runs × (manual minutes − run time) / 60`; `None` without the inputs.
    pub(crate) hours_saved: Option<f64>,
    /// Findings in the folder: first and latest audit record.
    pub(crate) findings: Option<(usize, usize)>,
    pub(crate) standards: ToolStandards,
}

/// The runs of one week (Monday to Sunday, UTC).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Week {
    /// The Monday, `2026-11-02`.
    pub(crate) start: String,
    pub(crate) passed: usize,
    pub(crate) failed: usize,
    pub(crate) error: usize,
    /// Findings of the week's last run.
    pub(crate) findings: usize,
    pub(crate) blocking: usize,
    /// Standards as the week's last run found them.
    pub(crate) standards: Standards,
    /// Shell and Python as the week's last run that counted them found them.
    pub(crate) languages: Option<Languages>,
    /// The coverage the week's last run that measured it found.
    pub(crate) coverage: Option<f64>,
}

impl Week {
    pub(crate) fn runs(&self) -> usize {
        self.passed + self.failed + self.error
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IncidentTime {
    pub(crate) id: String,
    pub(crate) title: Option<String>,
    pub(crate) opened: String,
    /// `None` while no record resolves it.
    pub(crate) resolved: Option<String>,
    pub(crate) duration: Option<Duration>,
}

impl IncidentTime {
    /// The row both reports show: id, title, opened, resolved (or `open`),
    /// time to resolve (or `–`), as plain text for each format to escape.
    pub(crate) fn cells(&self) -> [String; 5] {
        [
            self.id.clone(),
            self.title.clone().unwrap_or_default(),
            self.opened.clone(),
            self.resolved.clone().unwrap_or_else(|| "open".to_owned()),
            self.duration
                .map_or_else(|| "–".to_owned(), super::duration),
        ]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Roi {
    pub(crate) tools: Vec<ToolRoi>,
    /// Sum over the tools that declare their inputs.
    pub(crate) hours_saved: f64,
    /// Tools with both `manual_minutes` and `runs_per_month`.
    pub(crate) tools_with_inputs: usize,
    pub(crate) standards: Standards,
    pub(crate) runs: usize,
    pub(crate) first_run: Option<String>,
    pub(crate) last_run: Option<String>,
    pub(crate) weeks: Vec<Week>,
    pub(crate) incidents: Vec<IncidentTime>,
    /// Mean time to resolve the resolved incidents.
    pub(crate) mttr: Option<Duration>,
}

impl Roi {
    /// The weeks whose runs counted shell and Python, with those counts.
    pub(crate) fn languages(&self) -> impl Iterator<Item = (&str, &Languages)> {
        self.weeks
            .iter()
            .filter_map(|w| Some((w.start.as_str(), w.languages.as_ref()?)))
    }

    /// First and latest run's findings.
    pub(crate) fn findings_trend(&self) -> Option<(usize, usize)> {
        Some((self.weeks.first()?.findings, self.weeks.last()?.findings))
    }
}

/// `records` in any order, from any number of files.
pub(crate) fn compute(tools: &[ToolStandards], records: &[Record]) -> Roi {
    let mut records: Vec<(SystemTime, &Record)> = records
        .iter()
        .filter_map(|r| Some((parse_time(&r.time)?, r)))
        .collect();
    records.sort_by_key(|(time, _)| *time);
    let tools: Vec<ToolRoi> = tools.iter().map(|t| tool_roi(t, &records)).collect();
    let with_inputs: Vec<f64> = tools.iter().filter_map(|t| t.hours_saved).collect();
    let incidents = incidents(&records);
    let resolved: Vec<Duration> = incidents.iter().filter_map(|i| i.duration).collect();
    let mttr = u32::try_from(resolved.len())
        .ok()
        .filter(|n| *n > 0)
        .map(|n| resolved.iter().sum::<Duration>() / n);
    Roi {
        // Folded from +0.0: `sum()` of nothing is -0.0.
        hours_saved: with_inputs.iter().fold(0.0, |total, h| total + h),
        tools_with_inputs: with_inputs.len(),
        standards: Standards::of(
            &tools
                .iter()
                .map(|t| t.standards.clone())
                .collect::<Vec<_>>(),
        ),
        tools,
        runs: records.len(),
        first_run: records.first().map(|(_, r)| r.time.clone()),
        last_run: records.last().map(|(_, r)| r.time.clone()),
        weeks: weeks(&records),
        incidents,
        mttr,
    }
}

fn tool_roi(tool: &ToolStandards, records: &[(SystemTime, &Record)]) -> ToolRoi {
    let meta = &tool.metadata;
    let folder = |r: &&Record| r.folders.get(&tool.path).cloned();
    let runtime = match meta.runtime_seconds {
        Some(seconds) => Runtime::Declared(seconds),
        None => records
            .iter()
            .rev()
            .filter_map(|(_, r)| folder(r))
            .find(|f| f.tests > 0)
            .map_or(Runtime::Unknown, |f| Runtime::TestsFloor(f.test_seconds)),
    };
    let hours_saved = match (meta.manual_minutes, meta.runs_per_month) {
        (Some(minutes), Some(runs)) => Some(runs * (minutes * 60.0 - runtime.seconds()) / 3600.0),
        _ => None,
    };
    let first = records.iter().find_map(|(_, r)| folder(r));
    let last = records.iter().rev().find_map(|(_, r)| folder(r));
    ToolRoi {
        path: tool.path.clone(),
        manual_minutes: meta.manual_minutes,
        runs_per_month: meta.runs_per_month,
        runtime,
        hours_saved,
        findings: first.zip(last).map(|(f, l)| (f.findings, l.findings)),
        standards: tool.clone(),
    }
}

const DAY: u64 = 86_400;

/// The Monday of `time`'s week, as `YYYY-MM-DD`.
fn week_of(time: SystemTime) -> String {
    let days = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / DAY);
    // 1970-01-01 was a Thursday: three days after a Monday.
    let monday = days - (days + 3) % 7;
    let stamp = humantime::format_rfc3339_seconds(
        SystemTime::UNIX_EPOCH + Duration::from_secs(monday * DAY),
    );
    stamp.to_string()[..10].to_owned()
}

fn weeks(records: &[(SystemTime, &Record)]) -> Vec<Week> {
    let mut weeks: BTreeMap<String, Week> = BTreeMap::new();
    for (time, record) in records {
        let start = week_of(*time);
        let week = weeks.entry(start.clone()).or_insert_with(|| Week {
            start,
            ..Week::default()
        });
        match record.verdict {
            Gate::Passed => week.passed += 1,
            Gate::Failed => week.failed += 1,
            Gate::Error => week.error += 1,
        }
        // Records are in time order: the last one of the week wins.
        week.findings = record.findings.total;
        week.blocking = record.findings.blocking;
        week.standards = record.standards.clone();
        if let Some(languages) = &record.languages {
            week.languages = Some(languages.clone());
        }
        if record.coverage.is_some() {
            week.coverage = record.coverage;
        }
    }
    weeks.into_values().collect()
}

fn incidents(records: &[(SystemTime, &Record)]) -> Vec<IncidentTime> {
    let mut ids: Vec<&str> = Vec::new();
    for (_, record) in records {
        if let Some(incident) = &record.incident
            && !ids.contains(&incident.id.as_str())
        {
            ids.push(&incident.id);
        }
    }
    ids.into_iter()
        .map(|id| {
            let runs: Vec<&(SystemTime, &Record)> = records
                .iter()
                .filter(|(_, r)| r.incident.as_ref().is_some_and(|i| i.id == id))
                .collect();
            let field = |pick: fn(&crate::audit::Incident) -> &Option<String>| {
                runs.iter()
                    .filter_map(|(_, r)| pick(r.incident.as_ref()?).as_deref())
                    .filter_map(|t| Some((parse_time(t)?, t.to_owned())))
                    .collect::<Vec<_>>()
            };
            let opened = field(|i| &i.opened_at)
                .into_iter()
                .min()
                .unwrap_or_else(|| (runs[0].0, runs[0].1.time.clone()));
            let resolved = field(|i| &i.resolved_at).into_iter().max().or_else(|| {
                runs.iter()
                    .find(|(time, r)| r.verdict == Gate::Passed && *time >= opened.0)
                    .map(|(time, r)| (*time, r.time.clone()))
            });
            IncidentTime {
                id: id.to_owned(),
                title: runs
                    .iter()
                    .find_map(|(_, r)| r.incident.as_ref()?.title.clone()),
                duration: resolved
                    .as_ref()
                    .and_then(|(time, _)| time.duration_since(opened.0).ok()),
                opened: opened.1,
                resolved: resolved.map(|(_, text)| text),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Incident;
    use crate::rules::ToolMetadata;

    fn tool(
        path: &str,
        minutes: Option<f64>,
        runs: Option<f64>,
        runtime: Option<f64>,
    ) -> ToolStandards {
        ToolStandards {
            path: path.into(),
            readme: true,
            owners: 2,
            owned: path != "db/c",
            tested: true,
            pinned: true,
            metadata: ToolMetadata {
                manual_minutes: minutes,
                runs_per_month: runs,
                runtime_seconds: runtime,
                ..ToolMetadata::default()
            },
        }
    }

    fn record(time: &str, verdict: Gate, findings: usize, incident: Option<Incident>) -> Record {
        let mut record: Record = serde_json::from_value(serde_json::json!({
            "version": 1, "time": time, "verdict": verdict,
            "findings": {"total": findings},
            "folders": {"net/b": {"tests": 2, "test_seconds": 30.0, "findings": findings}},
            "standards": {"tools": 3, "readme": 3, "owners": 1, "tests": 2, "pinned": 3},
        }))
        .unwrap();
        record.incident = incident;
        record
    }

    #[allow(clippy::unnecessary_wraps)] // reads as the record's field
    fn incident(id: &str, opened: Option<&str>, resolved: Option<&str>) -> Option<Incident> {
        Some(Incident {
            id: id.into(),
            opened_at: opened.map(Into::into),
            resolved_at: resolved.map(Into::into),
            title: None,
        })
    }

    fn known() -> Roi {
        let tools = [
            tool("net/a", Some(30.0), Some(20.0), Some(60.0)),
            tool("net/b", Some(15.0), Some(8.0), None),
            tool("db/c", None, Some(3.0), None),
        ];
        // Out of order, as several files would give them.
        let records = [
            record(
                "2026-11-10T08:00:00Z",
                Gate::Failed,
                3,
                incident(
                    "INC-2",
                    Some("2026-11-10T07:00:00Z"),
                    Some("2026-11-10T08:30:00Z"),
                ),
            ),
            record(
                "2026-11-02T10:00:00Z",
                Gate::Failed,
                10,
                incident("INC-1", Some("2026-11-02T09:00:00Z"), None),
            ),
            record(
                "2026-11-04T12:00:00Z",
                Gate::Passed,
                4,
                incident("INC-1", None, None),
            ),
            record(
                "2026-11-11T08:00:00Z",
                Gate::Error,
                3,
                incident("INC-3", None, None),
            ),
        ];
        compute(&tools, &records)
    }

    #[test]
    fn hours_saved_per_tool_and_in_total() {
        let roi = known();
        let hours: Vec<Option<f64>> = roi.tools.iter().map(|t| t.hours_saved).collect();
        // 20 × (30 min − 1 min) = 580 min; 8 × (15 min − 30 s) = 116 min.
        assert!((hours[0].unwrap() - 580.0 / 60.0).abs() < 1e-9);
        assert!((hours[1].unwrap() - 116.0 / 60.0).abs() < 1e-9);
        assert_eq!(hours[2], None);
        assert_eq!(roi.tools[1].runtime, Runtime::TestsFloor(30.0));
        assert!((roi.hours_saved - 11.6).abs() < 1e-9);
        assert_eq!(roi.tools_with_inputs, 2);
        assert_eq!(roi.tools[1].findings, Some((10, 3)));
        assert_eq!(roi.standards.owners, 2);
    }

    #[test]
    fn weeks_trend_and_gates() {
        let roi = known();
        assert_eq!(roi.runs, 4);
        assert_eq!(roi.first_run.as_deref(), Some("2026-11-02T10:00:00Z"));
        let weeks: Vec<(&str, usize, usize, usize, usize)> = roi
            .weeks
            .iter()
            .map(|w| (w.start.as_str(), w.passed, w.failed, w.error, w.findings))
            .collect();
        assert_eq!(
            weeks,
            [("2026-11-02", 1, 1, 0, 4), ("2026-11-09", 0, 1, 1, 3)]
        );
        assert_eq!(roi.findings_trend(), Some((4, 3)));
        assert_eq!(
            week_of(parse_time("2026-11-08T23:59:59Z").unwrap()),
            "2026-11-02"
        );
    }

    #[test]
    fn each_week_shows_the_coverage_its_last_measuring_run_found() {
        let mut measured = record("2026-11-03T08:00:00Z", Gate::Passed, 1, None);
        measured.coverage = Some(71.5);
        let later = record("2026-11-05T08:00:00Z", Gate::Passed, 1, None);
        let mut next = record("2026-11-10T08:00:00Z", Gate::Passed, 1, None);
        next.coverage = Some(80.2);
        let unmeasured = record("2026-11-17T08:00:00Z", Gate::Passed, 1, None);
        let roi = compute(&[], &[measured, later, next, unmeasured]);
        let coverage: Vec<Option<f64>> = roi.weeks.iter().map(|w| w.coverage).collect();
        // A run that did not measure it leaves the week's figure as it was.
        assert_eq!(coverage, [Some(71.5), Some(80.2), None]);
        let page = super::super::markdown::render("ROI", &roi);
        assert!(page.contains("| 71.5% |"), "{page}");
        assert!(page.contains("| - |"), "{page}");
    }

    #[test]
    fn mttr_from_incident_fields_and_passing_runs() {
        let roi = known();
        let found: Vec<(&str, Option<u64>)> = roi
            .incidents
            .iter()
            .map(|i| (i.id.as_str(), i.duration.map(|d| d.as_secs() / 60)))
            .collect();
        // INC-1: opened 09:00 Monday, first passing run 12:00 Wednesday: 51 h.
        // INC-2: resolved_at given: 90 min. INC-3: never passed.
        assert_eq!(
            found,
            [
                ("INC-1", Some(51 * 60)),
                ("INC-2", Some(90)),
                ("INC-3", None)
            ]
        );
        assert_eq!(
            roi.mttr,
            Some(Duration::from_mins(u64::midpoint(51 * 60, 90)))
        );
    }

    #[test]
    fn no_records_no_trend() {
        let roi = compute(&[tool("net/a", Some(1.0), Some(1.0), None)], &[]);
        assert_eq!(roi.runs, 0);
        assert_eq!(roi.findings_trend(), None);
        assert_eq!(roi.mttr, None);
        assert_eq!(roi.tools[0].runtime, Runtime::Unknown);
    }
}
