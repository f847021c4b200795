//! pytest on the test files the walk found, writing its `JUnit` XML report into
//! opsgate's scratch folder (never the repository; no `.pytest_cache` either),
//! parsed back into one finding per failed or errored test. Exit 0 passed,
//! 1 tests failed, 2 interrupted (collection errors), 5 nothing collected;
//! 3 and 4 are pytest's own failures.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use anyhow::Result;

use super::pytest_coverage;
use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, Interpreted, ProcessOutput, RunContext, Runner, file_args};
use crate::config::ToolSettings;
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};
use crate::model::{TestOutcome, TestResult};

pub(crate) struct Pytest;

const TOOL: ToolKind = ToolKind::Pytest;
const SPEC: ToolSpec = ToolSpec {
    package: "pytest",
    role: Role::Tests,
    planning: Planning::TestFolders,
    homepage: "https://docs.pytest.org/",
    suppression: "pytest's own `skip` and `xfail` markers",
    cost: (8.0 / 1_048_576.0, 0.6),
};
pub(crate) const TEST_FAILED: &str = "test-failed";
pub(crate) const TEST_ERROR: &str = "test-error";
const REPORT: &str = "junit.xml";
const MESSAGE_LIMIT: usize = 2000;

impl Tool for Pytest {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn companions(&self, settings: &ToolSettings) -> &'static [&'static str] {
        if settings.coverage {
            pytest_coverage::PINS
        } else {
            &[]
        }
    }

    fn conveniences(&self, settings: &ToolSettings) -> &'static [&'static str] {
        if settings.coverage {
            pytest_coverage::CONVENIENCES
        } else {
            &[]
        }
    }

    fn owns_code(&self, id: &str) -> CodeMatch {
        if id == TEST_FAILED || id == TEST_ERROR {
            CodeMatch::Exact
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, id: &str, _tool: &dyn AskTool) -> Result<Option<Explained>> {
        let text = format!(
            "# {id} (pytest)\n\nA test of the tool folder failed (`{TEST_FAILED}`) or could not \
             run: a fixture or the collection failed (`{TEST_ERROR}`). The report carries \
             pytest's message.\n\nDocumentation: https://docs.pytest.org/en/stable/how-to/output.html"
        );
        Ok(Some(Explained {
            text,
            code: id.to_owned(),
        }))
    }
}

impl Runner for Pytest {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        repo.test_files().map(|f| f.path.as_str()).collect()
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut rootdir = OsString::from("--rootdir=");
        rootdir.push(&ctx.repo.root);
        let mut args: Vec<OsString> = vec![
            "-p".into(),
            "no:cacheprovider".into(),
            // xunit1 carries each test's file and line.
            "-o".into(),
            "junit_family=xunit1".into(),
            // Captured output goes into the report, for the JUnit we write.
            "-o".into(),
            "junit_logging=all".into(),
            rootdir,
        ];
        if ctx.coverage {
            // The driver's runs each add their report and test files.
            args.insert(0, pytest_coverage::spec(ctx, files));
        } else {
            let mut junit = OsString::from("--junitxml=");
            junit.push(ctx.scratch.join(REPORT));
            args.push(junit);
            args.extend(file_args(files));
        }
        args
    }

    fn interpreter_args(&self, ctx: &RunContext) -> Option<Vec<OsString>> {
        ctx.coverage
            .then(|| vec!["-c".into(), pytest_coverage::DRIVER.into()])
    }

    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        if ctx.coverage {
            pytest_coverage::env(ctx)
        } else {
            Vec::new()
        }
    }

    fn runs_repository_code(&self) -> bool {
        true
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let test_files = self.files(ctx.repo);
        if !ctx.coverage {
            let report = ctx.scratch.join(REPORT);
            return interpret_run(ctx, &test_files, output.code, &report, None);
        }
        // The driver's status is its own (the failure says it); each run's
        // is pytest's.
        if output.code != Some(0) {
            return Err("its coverage driver failed".to_owned());
        }
        let mut all = Interpreted::default();
        for (index, ended) in pytest_coverage::ended(ctx)?.into_iter().enumerate() {
            let run = pytest_coverage::Run(index);
            let measured = Some((run.report(ctx), ended.folder.as_str()));
            let one = if ended.status < 0 {
                Err(format!("its run was killed by signal {}", -ended.status))
            } else {
                interpret_run(
                    ctx,
                    &test_files,
                    Some(ended.status),
                    &run.junit(ctx),
                    measured,
                )
                .map_err(|err| format!("{err} (pytest's exit code {})", ended.status))
            }
            .map_err(|err| match ended.folder.as_str() {
                "" => format!("the tests at the root: {err}"),
                folder => format!("the tests of {folder}: {err}"),
            })?;
            all.findings.extend(one.findings);
            all.tests.extend(one.tests);
            all.coverage.extend(one.coverage);
        }
        Ok(all)
    }
}

/// One pytest process's outcome from its exit status and `JUnit` report,
/// and, where it measured coverage, its coverage report and folder.
fn interpret_run(
    ctx: &RunContext,
    test_files: &[&str],
    code: Option<i32>,
    report_path: &Path,
    measured: Option<(PathBuf, &str)>,
) -> Interpretation {
    if code == Some(5) {
        return Ok(Interpreted::default()); // the test files hold no tests
    }
    if !matches!(code, Some(0..=2)) {
        return Err(describe_code(code).to_owned());
    }
    // The tests' captured output goes into the report: a test that
    // prints gigabytes makes it that large, and it is not read then.
    let xml = crate::process::read_report(report_path, "into its JUnit report")
        .map_err(|err| format!("it wrote no readable JUnit report: {err}"))?
        .map_err(|too_large| {
            format!(
                "it wrote {too_large}, which opsgate does not read: the tests' captured \
                 output goes into it, and a test printing that much should write to a \
                 file instead"
            )
        })?;
    let xml =
        String::from_utf8(xml).map_err(|err| format!("its JUnit report is not UTF-8: {err}"))?;
    let cases = parse_junit(&xml).map_err(|err| format!("its JUnit report: {err}"))?;
    let findings: Vec<Finding> = cases
        .iter()
        .filter_map(|case| to_finding(ctx, case, test_files))
        .collect();
    let failures = findings.iter().filter(|f| f.rule == TEST_FAILED).count();
    let errors = findings.len() - failures;
    let tests: Vec<TestResult> = cases
        .iter()
        .map(|case| to_test_result(case, test_files))
        .collect();
    let coverage = match measured {
        Some((report, folder)) => pytest_coverage::read(ctx, &report, folder, &tests)?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let interpreted = Interpreted {
        findings,
        tests,
        gathered: None,
        pairs: None,
        coverage,
    };
    match code {
        Some(0) if failures + errors == 0 => Ok(interpreted),
        Some(1) if failures + errors > 0 => Ok(interpreted),
        Some(2) if errors > 0 => Ok(interpreted),
        _ => Err(format!(
            "{}, but its report lists {failures} failures and {errors} errors",
            describe_code(code)
        )),
    }
}

fn describe_code(code: Option<i32>) -> &'static str {
    match code {
        Some(0) => "all tests passed",
        Some(1) => "some tests failed",
        Some(2) => "the run was interrupted",
        Some(3) => "pytest hit an internal error",
        Some(4) => "pytest was misused (bad command line or configuration)",
        _ => "pytest ended unexpectedly",
    }
}

#[derive(Debug, Deserialize)]
struct TestSuites {
    #[serde(rename = "testsuite", default)]
    suites: Vec<TestSuite>,
}

#[derive(Debug, Deserialize)]
struct TestSuite {
    #[serde(rename = "testcase", default)]
    cases: Vec<TestCase>,
}

/// One test as pytest reports it, each kind of outcome and output once.
#[derive(Debug, Deserialize)]
#[serde(from = "ReportedCase")]
pub(crate) struct TestCase {
    pub(crate) classname: String,
    pub(crate) name: String,
    pub(crate) file: Option<String>,
    /// 0-based in pytest's xunit1 output.
    pub(crate) line: Option<u32>,
    pub(crate) time: f64,
    pub(crate) failure: Option<Outcome>,
    pub(crate) error: Option<Outcome>,
    pub(crate) skipped: Option<Outcome>,
    pub(crate) system_out: Option<String>,
    pub(crate) system_err: Option<String>,
}

/// A `<testcase>` as written: pytest repeats an element per phase of the
/// test that produced it (a skipped test's setup and teardown each write
/// `<system-out>`; a failing setup and teardown each write `<error>`).
#[derive(Deserialize)]
struct ReportedCase {
    #[serde(rename = "@classname", default)]
    classname: String,
    #[serde(rename = "@name")]
    name: String,
    #[serde(rename = "@file")]
    file: Option<String>,
    #[serde(rename = "@line")]
    line: Option<u32>,
    #[serde(rename = "@time", default)]
    time: f64,
    #[serde(default)]
    failure: Vec<Outcome>,
    #[serde(default)]
    error: Vec<Outcome>,
    #[serde(default)]
    skipped: Vec<Outcome>,
    #[serde(rename = "system-out", default)]
    system_out: Vec<String>,
    #[serde(rename = "system-err", default)]
    system_err: Vec<String>,
}

impl From<ReportedCase> for TestCase {
    fn from(case: ReportedCase) -> Self {
        let text = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join("\n"));
        TestCase {
            classname: case.classname,
            name: case.name,
            file: case.file,
            line: case.line,
            time: case.time,
            failure: Outcome::joined(case.failure),
            error: Outcome::joined(case.error),
            skipped: Outcome::joined(case.skipped),
            system_out: text(case.system_out),
            system_err: text(case.system_err),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Outcome {
    #[serde(rename = "@message", default)]
    pub(crate) message: String,
    #[serde(rename = "$text", default)]
    pub(crate) text: String,
}

impl Outcome {
    /// The outcomes of one kind a test's phases reported, as one.
    fn joined(outcomes: Vec<Outcome>) -> Option<Outcome> {
        let mut outcomes = outcomes.into_iter();
        let first = outcomes.next()?;
        Some(outcomes.fold(first, |joined, next| Outcome {
            message: format!("{}; {}", joined.message, next.message),
            text: format!("{}\n\n{}", joined.text, next.text),
        }))
    }
}

pub(crate) fn parse_junit(xml: &str) -> Result<Vec<TestCase>, quick_xml::DeError> {
    let suites: TestSuites = quick_xml::de::from_str(xml)?;
    Ok(suites.suites.into_iter().flat_map(|s| s.cases).collect())
}

fn to_test_result(case: &TestCase, test_files: &[&str]) -> TestResult {
    let (outcome, detail) = match (&case.failure, &case.error, &case.skipped) {
        (Some(failure), _, _) => (TestOutcome::Failed, Some(failure)),
        (None, Some(error), _) => (TestOutcome::Error, Some(error)),
        (None, None, Some(skipped)) => (TestOutcome::Skipped, Some(skipped)),
        (None, None, None) => (TestOutcome::Passed, None),
    };
    let non_empty = |text: &str| (!text.trim().is_empty()).then(|| text.to_owned());
    TestResult {
        tool: TOOL.into(),
        classname: case.classname.clone(),
        name: case.name.clone(),
        file: test_file(case, test_files),
        line: case.line.map(|l| l + 1),
        time: case.time,
        outcome,
        message: detail.and_then(|d| non_empty(&d.message)),
        details: detail.and_then(|d| non_empty(&d.text)),
        system_out: case.system_out.as_deref().and_then(non_empty),
        system_err: case.system_err.as_deref().and_then(non_empty),
    }
}

/// The test's file; a collection error names only the module.
fn test_file(case: &TestCase, test_files: &[&str]) -> Option<String> {
    case.file
        .clone()
        .or_else(|| file_of_collection_error(case, test_files))
}

fn to_finding(ctx: &RunContext, case: &TestCase, test_files: &[&str]) -> Option<Finding> {
    let (rule, outcome, verb) = match (&case.failure, &case.error) {
        (Some(failure), _) => (TEST_FAILED, failure, "failed"),
        (None, Some(error)) => (TEST_ERROR, error, "errored"),
        (None, None) => return None,
    };
    let path = test_file(case, test_files).unwrap_or_default();
    let span = case.line.map(|l| Span::at(l + 1, None)).unwrap_or_default();
    // The first line of pytest's message; the full text stays in its report.
    let detail = if outcome.message.trim().is_empty() {
        outcome.text.lines().last().unwrap_or_default()
    } else {
        outcome.message.lines().next().unwrap_or_default()
    };
    let class = short_class(&case.classname, &path);
    let name = if class.is_empty() {
        case.name.clone()
    } else {
        format!("{class}::{}", case.name)
    };
    let message = truncate(&format!("test {name} {verb}: {}", detail.trim()));
    Some(Finding::new(
        TOOL,
        rule,
        ctx.severity.severity_of(rule),
        path,
        span,
        message,
    ))
}

/// A collection error names the module (`net.check.test_x`), not the file.
fn file_of_collection_error(case: &TestCase, test_files: &[&str]) -> Option<String> {
    test_files
        .iter()
        .find(|file| {
            file.strip_suffix(".py")
                .is_some_and(|stem| stem.replace('/', ".") == case.name)
        })
        .map(|file| (*file).to_owned())
}

/// `net.check.test_x.TestClass` -> `TestClass`; the module is the path already.
fn short_class<'a>(classname: &'a str, path: &str) -> &'a str {
    let module = path.trim_end_matches(".py").replace('/', ".");
    classname
        .strip_prefix(module.as_str())
        .map_or(classname, |rest| rest.trim_start_matches('.'))
}

fn truncate(text: &str) -> String {
    if text.len() <= MESSAGE_LIMIT {
        return text.to_owned();
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="0" tests="3" time="0.1"><testcase classname="net.vlan.test_vlan" name="test_ok" file="net/vlan/test_vlan.py" line="3" time="0.001" /><testcase classname="net.vlan.test_vlan" name="test_bad" file="net/vlan/test_vlan.py" line="7" time="0.002"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2
E       assert 1 == 2</failure></testcase><testcase classname="" name="db.vac.test_vac" time="0.000"><error message="collection failure">ImportError: nope</error></testcase></testsuite></testsuites>"#;

    #[test]
    fn reads_cases_with_their_outcomes() {
        let cases = parse_junit(XML).unwrap();
        assert_eq!(cases.len(), 3);
        assert!(cases[0].failure.is_none() && cases[0].error.is_none());
        let failure = cases[1].failure.as_ref().unwrap();
        assert_eq!(failure.message, "assert 1 == 2");
        assert!(failure.text.contains("E       assert 1 == 2"));
        assert_eq!(cases[1].line, Some(7));
        assert_eq!(
            cases[2].error.as_ref().unwrap().message,
            "collection failure"
        );
    }

    #[test]
    fn collection_errors_are_traced_to_their_file() {
        let cases = parse_junit(XML).unwrap();
        assert_eq!(
            file_of_collection_error(&cases[2], &["db/vac/test_vac.py", "x/test_y.py"]).as_deref(),
            Some("db/vac/test_vac.py")
        );
    }

    #[test]
    fn short_class_drops_the_module() {
        assert_eq!(short_class("a.b.test_c.TestX", "a/b/test_c.py"), "TestX");
        assert_eq!(short_class("a.b.test_c", "a/b/test_c.py"), "");
    }

    #[test]
    fn elements_repeated_per_phase_are_joined() {
        let xml = r#"<testsuites><testsuite>
<testcase classname="t" name="skips" file="t.py" line="3"><skipped message="not here">why</skipped><system-out>setup</system-out><system-err>e1</system-err><system-out>teardown</system-out><system-err>e2</system-err></testcase>
<testcase classname="t" name="breaks" file="t.py" line="9"><error message="setup failed">one</error><error message="teardown failed">two</error></testcase>
</testsuite></testsuites>"#;
        let cases = parse_junit(xml).unwrap();
        assert_eq!(cases[0].system_out.as_deref(), Some("setup\nteardown"));
        assert_eq!(cases[0].system_err.as_deref(), Some("e1\ne2"));
        assert_eq!(cases[0].skipped.as_ref().unwrap().message, "not here");
        let error = cases[1].error.as_ref().unwrap();
        assert_eq!(error.message, "setup failed; teardown failed");
        assert_eq!(error.text, "one\n\ntwo");
    }

    #[test]
    fn malformed_report_is_an_error() {
        assert!(parse_junit("<testsuites><testsuite><testcase>").is_err());
    }
}
