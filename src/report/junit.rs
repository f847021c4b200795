//! `--format junit`: `JUnit` XML for GitLab's test widget, Jenkins and the
//! GitHub test reporters. One suite per tool. pytest's suite holds every
//! test it ran, with its time, message and captured output. A linter's
//! suite holds one testcase per finding — GitLab reads one failure per
//! testcase and keys testcases by classname + name, so each finding gets a
//! unique `path:line:col RULE` name — and one passing testcase per file it
//! checked without a finding. Findings below the threshold pass, with the
//! finding as their output. A tool that could not run is an `<error>`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::Result;
use junit_report::{Report, TestCase, TestSuite};
use time::{Duration, OffsetDateTime};

use super::{Emitter, RunResult};
use crate::model::{Finding, Role, TestOutcome, TestResult, ToolId};
use crate::runners::{ToolRun, ToolStatus, has_role};

pub(crate) struct Junit;

impl Emitter for Junit {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let started = OffsetDateTime::now_utc() - Duration::seconds_f64(run.duration.as_secs_f64());
        let mut report = Report::new();
        for (tool, record) in suites(run) {
            let mut suite = TestSuite::new(tool.as_str());
            suite.set_timestamp(started);
            if has_role(tool, Role::Tests) {
                suite.add_testcases(run.tests.iter().filter(|t| t.tool == tool).map(test_case));
            } else {
                suite.add_testcases(finding_cases(run, tool, record));
            }
            if let Some(record) = record {
                suite.add_testcases(status_case(record));
            }
            report.add_testsuite(suite);
        }
        report.write_xml(&mut *out)?;
        writeln!(out)?;
        Ok(())
    }
}

/// Every tool that ran, then any other producer of findings (`opsgate`).
fn suites(run: &RunResult) -> Vec<(ToolId, Option<&ToolRun>)> {
    let mut suites: Vec<(ToolId, Option<&ToolRun>)> = run
        .tools
        .iter()
        .map(|t| (ToolId::Tool(t.name), Some(t)))
        .collect();
    let others: BTreeSet<ToolId> = run
        .findings
        .iter()
        .map(|f| f.tool)
        .filter(|tool| !run.tools.iter().any(|t| ToolId::Tool(t.name) == *tool))
        .collect();
    suites.extend(others.into_iter().map(|tool| (tool, None)));
    suites
}

fn test_case(test: &TestResult) -> TestCase {
    let time = Duration::seconds_f64(test.time);
    let message = clean(test.message.as_deref().unwrap_or_default());
    let mut case = match test.outcome {
        TestOutcome::Passed => TestCase::success(&clean(&test.name), time),
        TestOutcome::Failed => TestCase::failure(&clean(&test.name), time, "test-failed", &message),
        TestOutcome::Error => TestCase::error(&clean(&test.name), time, "test-error", &message),
        TestOutcome::Skipped => {
            TestCase::skipped_with_cause(&clean(&test.name), "skipped", &message)
        }
    };
    if let Some(details) = &test.details {
        set_cause(&mut case, &clean(details));
    }
    case.set_classname(&clean(&test.classname));
    if let Some(file) = &test.file {
        case.set_filepath(&clean(file));
    }
    if let Some(out) = &test.system_out {
        case.set_system_out(&clean(out));
    }
    if let Some(err) = &test.system_err {
        case.set_system_err(&clean(err));
    }
    case
}

fn finding_cases(run: &RunResult, tool: ToolId, record: Option<&ToolRun>) -> Vec<TestCase> {
    let classname = format!("opsgate.{tool}");
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut flagged: BTreeSet<&str> = BTreeSet::new();
    let mut cases = Vec::new();
    for finding in run.findings.iter().filter(|f| f.tool == tool) {
        flagged.insert(&finding.path);
        let mut name = format!("{} {}", location(finding), finding.rule);
        let seen = names.entry(name.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            name = format!("{name} ({seen})");
        }
        let text = clean(&describe(finding));
        let mut case = if run.is_blocking(finding) {
            let message = clean(&format!(
                "{}: {}",
                finding.rule,
                first_line(&finding.message)
            ));
            let mut case =
                TestCase::failure(&clean(&name), Duration::ZERO, &finding.rule, &message);
            set_cause(&mut case, &text);
            case
        } else {
            let mut case = TestCase::success(&clean(&name), Duration::ZERO);
            case.set_system_out(&text);
            case
        };
        case.set_classname(&classname);
        if !finding.path.is_empty() {
            case.set_filepath(&clean(&run.platform_path(&finding.path)));
        }
        cases.push(case);
    }
    // Files checked without a finding are counted as passed tests.
    if let Some(record) = record {
        for file in record
            .checked_files
            .iter()
            .filter(|f| !flagged.contains(f.as_str()))
        {
            let mut case = TestCase::success(&clean(file), Duration::ZERO);
            case.set_classname(&classname);
            case.set_filepath(&clean(&run.platform_path(file)));
            cases.push(case);
        }
    }
    cases
}

/// A tool that could not run is an error; one with nothing to do is skipped.
fn status_case(record: &ToolRun) -> Option<TestCase> {
    let name = format!("{} run", record.name);
    let mut case = match record.status {
        ToolStatus::Ok => return None,
        ToolStatus::Skipped => TestCase::skipped_with_cause(&name, "skipped", "nothing to check"),
        ToolStatus::Disabled => {
            TestCase::skipped_with_cause(&name, "disabled", "disabled in the configuration")
        }
        ToolStatus::NotInstalled | ToolStatus::Failed | ToolStatus::TimedOut => {
            let error = clean(record.error.as_deref().unwrap_or("did not run"));
            let mut case = TestCase::error(
                &name,
                Duration::ZERO,
                &format!("{:?}", record.status).to_lowercase(),
                first_line(&error),
            );
            set_cause(&mut case, &error);
            case
        }
    };
    case.set_classname(&format!("opsgate.{}", record.name));
    Some(case)
}

fn location(finding: &Finding) -> String {
    match (finding.span.line, finding.span.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", finding.path),
        (Some(line), None) => format!("{}:{line}", finding.path),
        _ => finding.path.clone(),
    }
}

/// `path:line:col RULE message`, then the fix, for the failure's text.
fn describe(finding: &Finding) -> String {
    let mut text = format!(
        "{} {} [{}] {}",
        location(finding),
        finding.rule,
        finding.severity,
        finding.message
    );
    if let Some(fix) = &finding.fix {
        text.push_str("\n\n");
        text.push_str(fix);
    }
    text
}

fn set_cause(case: &mut TestCase, text: &str) {
    use junit_report::TestResult as Outcome;
    match &mut case.result {
        Outcome::Failure { cause: slot, .. }
        | Outcome::Error { cause: slot, .. }
        | Outcome::SkippedWithCause { cause: slot, .. } => *slot = Some(text.to_owned()),
        Outcome::Success | Outcome::Skipped => {}
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// Text XML 1.0 can hold: no control characters but tab and newlines, and no
/// `]]>`, which would end the CDATA section the crate writes bodies in.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
        })
        .collect::<String>()
        .replace("]]>", "]] >")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render(run: &RunResult) -> String {
        let mut out = Vec::new();
        Junit.emit(&mut out, run).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_test_and_finding_is_its_own_testcase() {
        let xml = render(&fixtures::run());
        assert!(xml.contains(r#"<testsuite id="0" name="black""#), "{xml}");
        assert!(xml.contains(r#"name="net/a.py:1:5 F401""#), "{xml}");
        assert!(xml.contains(r#"name="test_bad""#), "{xml}");
        assert!(xml.contains(r#"name="test_ok""#), "{xml}");
        // The note passes; the error fails; the clean file passes.
        assert!(xml.contains(r#"name="net/a.py:7:5 E501" time="0" classname="opsgate.flake8" file="net/a.py"><system-out>"#), "{xml}");
        assert!(xml.contains(r#"name="net/b.py""#), "{xml}");
        assert!(!xml.contains('\u{1b}'));
        assert!(!xml.contains("2 ]]> "));
    }

    #[test]
    fn parses_back_with_one_testcase_per_item() {
        let xml = render(&fixtures::run());
        let cases = crate::runners::parse_junit_cases(&xml).unwrap();
        // black: 1 finding + 1 clean file; flake8: 2 findings + 1 clean file; pytest: 2 tests.
        assert_eq!(cases, 7, "{xml}");
    }

    #[test]
    fn clean_strips_what_xml_cannot_hold() {
        assert_eq!(clean("a\u{1b}[0mb\u{0}c]]>d\te"), "a[0mbc]] >d\te");
    }
}
