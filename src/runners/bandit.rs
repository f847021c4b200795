//! Bandit, the security linter, with its JSON report on stdout. It reads the
//! repository's `[tool.bandit]` (`-c pyproject.toml`) and `.bandit` (`--ini`)
//! at the root, as a direct run given those options does. Each finding is
//! levelled by Bandit's severity × confidence (`level`), which the severity
//! map may re-level per code.
//!
//! Exit 0 clean, 1 findings. A file Bandit cannot parse is listed under
//! `errors` with a syntax error and becomes an `unparsed-file` finding (the
//! file went unchecked; Flake8 and Pylint name the syntax error itself); any
//! other error (a file it could not read, a check that crashed), another
//! exit code or output that is not its report means Bandit did not do its
//! job: the run fails closed.

use std::ffi::OsString;

use anyhow::Result;
use serde::Deserialize;

use super::bandit_codes::{doc_url, name_of};
use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Severity, Span, ToolKind, ToolSpec};

pub(crate) struct Bandit;

const TOOL: ToolKind = ToolKind::Bandit;
const SPEC: ToolSpec = ToolSpec {
    package: "bandit",
    role: Role::Linter,
    planning: Planning::PerFile,
    homepage: "https://bandit.readthedocs.io/",
    suppression: "`# nosec {id}` on the line, as Bandit defines it",
    cost: (6.0 / 1_048_576.0, 0.4),
};
/// A file Bandit could not parse, and so did not check.
pub(crate) const UNPARSED: &str = "unparsed-file";
/// The reason Bandit gives for a file it cannot parse.
const SYNTAX_ERROR: &str = "syntax error while parsing AST from file";
const INI: &str = ".bandit";

#[derive(Deserialize)]
struct Report {
    errors: Vec<ReportError>,
    results: Vec<Found>,
}

#[derive(Deserialize)]
struct ReportError {
    filename: String,
    reason: String,
}

#[derive(Deserialize)]
struct Found {
    filename: String,
    test_id: String,
    test_name: String,
    issue_severity: Level,
    issue_confidence: Level,
    issue_text: String,
    line_number: u32,
    #[serde(default)]
    col_offset: Option<u32>,
    #[serde(default)]
    more_info: Option<String>,
}

/// Bandit's scale for both severity and confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
enum Level {
    Undefined,
    Low,
    Medium,
    High,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Undefined => "undefined",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// opsgate's severity of a finding of Bandit's `severity` and `confidence`
/// (docs/reports.md): sure high-severity findings fail the gate as errors,
/// the rest of high and all of medium as warnings, low severity is a note.
fn level(severity: Level, confidence: Level) -> Severity {
    match (severity, confidence) {
        (Level::High, Level::High | Level::Medium) => Severity::Error,
        (Level::High | Level::Medium, _) => Severity::Warning,
        (Level::Low | Level::Undefined, _) => Severity::Note,
    }
}

impl Tool for Bandit {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    /// Bandit's own checks exactly; another `B` and three digits (a plugin's)
    /// by shape.
    fn owns_code(&self, id: &str) -> CodeMatch {
        if id == UNPARSED || name_of(id).is_some() {
            return CodeMatch::Exact;
        }
        let digits = id.strip_prefix('B').unwrap_or_default();
        if digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()) {
            CodeMatch::Shape
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> Result<Option<Explained>> {
        let version = tool.version();
        let text = if id == UNPARSED {
            format!(
                "# {UNPARSED} (Bandit)\n\nBandit, pinned at {version}, could not parse this \
                 file, so none of its checks ran on it. Flake8 (E999) and Pylint (E0001) report \
                 the syntax error itself; fix it and Bandit checks the file again."
            )
        } else if let Some(name) = name_of(id) {
            format!(
                "# {id} {name} (Bandit)\n\nBandit's check `{name}`, pinned at {version}. Each \
                 finding carries Bandit's severity and confidence, and opsgate levels it by \
                 both (docs/reports.md).\n\nDocumentation: {}",
                doc_url(id, name, version)
            )
        } else {
            format!(
                "# {id} (Bandit)\n\n{id} is not one of Bandit {version}'s own checks: a Bandit \
                 plugin installed beside it may report it. Bandit's checks: \
                 https://bandit.readthedocs.io/en/{version}/plugins/index.html"
            )
        };
        Ok(Some(Explained {
            text,
            code: id.to_owned(),
        }))
    }
}

impl Runner for Bandit {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--format".into(), "json".into(), "--quiet".into()];
        if configures_bandit(&ctx.repo.root.join("pyproject.toml")) {
            args.extend(["--configfile".into(), "pyproject.toml".into()]);
        }
        if ctx.repo.root.join(INI).is_file() {
            args.extend(["--ini".into(), INI.into()]);
        }
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let report: Report = serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("its output is not Bandit's JSON report: {err}"))?;
        let mut findings = Vec::with_capacity(report.results.len() + report.errors.len());
        for error in report.errors {
            if error.reason != SYNTAX_ERROR {
                return Err(format!(
                    "it could not check `{}`: {}",
                    ctx.relative_path(&error.filename),
                    error.reason
                ));
            }
            findings.push(Finding::new(
                TOOL,
                UNPARSED,
                ctx.severity.severity_or(UNPARSED, Severity::Error),
                ctx.relative_path(&error.filename),
                Span::default(),
                "Bandit cannot parse this file, so none of its checks ran on it",
            ));
        }
        let issues = report.results.len();
        for issue in report.results {
            let own = level(issue.issue_severity, issue.issue_confidence);
            let mut finding = Finding::new(
                TOOL,
                &issue.test_id,
                ctx.severity.severity_or(&issue.test_id, own),
                ctx.relative_path(&issue.filename),
                Span::at(issue.line_number, issue.col_offset.map(|c| c + 1)),
                format!(
                    "{} (severity {}, confidence {})",
                    issue.issue_text,
                    issue.issue_severity.word(),
                    issue.issue_confidence.word()
                ),
            );
            finding.rule_name = Some(issue.test_name);
            finding.help_url = issue.more_info;
            findings.push(finding);
        }
        match output.code {
            Some(0) => Ok(findings.into()),
            Some(1) if issues > 0 => Ok(findings.into()),
            Some(1) => Err("exit code 1 without any finding".to_owned()),
            _ => Err("unexpected exit".to_owned()),
        }
    }
}

/// Whether `pyproject.toml` holds a `[tool.bandit]` table (Bandit reads it
/// only when named; an unreadable or invalid file configures nothing here,
/// and opsgate's own reading of it reports the error).
fn configures_bandit(path: &std::path::Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    toml::from_str::<toml::Table>(&text).is_ok_and(|table| {
        table
            .get("tool")
            .and_then(|tool| tool.get("bandit"))
            .is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runners::{TestRepo, test_output};

    fn interpret(code: i32, stdout: &str) -> Interpretation {
        let test = TestRepo::discover(tempfile::tempdir().unwrap());
        Bandit.interpret(&test.ctx(), &test_output(code, stdout.as_bytes(), b""))
    }

    const ISSUE: &str = r#"{"errors": [], "results": [{"filename": "./a.py",
        "test_id": "B113", "test_name": "request_without_timeout",
        "issue_severity": "MEDIUM", "issue_confidence": "LOW",
        "issue_text": "Call to requests without timeout", "line_number": 9,
        "col_offset": 4, "more_info": "https://bandit.readthedocs.io/x.html"}]}"#;

    #[test]
    fn levels_by_severity_and_confidence() {
        assert_eq!(level(Level::High, Level::High), Severity::Error);
        assert_eq!(level(Level::High, Level::Medium), Severity::Error);
        assert_eq!(level(Level::High, Level::Low), Severity::Warning);
        assert_eq!(level(Level::Medium, Level::High), Severity::Warning);
        assert_eq!(level(Level::Medium, Level::Low), Severity::Warning);
        assert_eq!(level(Level::Low, Level::High), Severity::Note);
        assert_eq!(level(Level::Undefined, Level::High), Severity::Note);
    }

    #[test]
    fn reads_a_finding_with_its_rule_page() {
        let findings = interpret(1, ISSUE).unwrap().findings;
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(
            (finding.rule.as_str(), finding.path.as_str()),
            ("B113", "a.py")
        );
        assert_eq!(finding.span, Span::at(9, Some(5)));
        assert_eq!(
            finding.help_url.as_deref(),
            Some("https://bandit.readthedocs.io/x.html")
        );
    }

    #[test]
    fn fails_closed_on_what_is_not_its_report() {
        assert!(interpret(1, "Traceback (most recent call last):").is_err());
        assert!(interpret(2, ISSUE).is_err());
        assert!(interpret(1, r#"{"errors": [], "results": []}"#).is_err());
        let crashed = r#"{"errors": [{"filename": "./a.py",
            "reason": "exception while scanning file"}], "results": []}"#;
        let err = interpret(0, crashed).unwrap_err();
        assert!(
            err.contains("`a.py`: exception while scanning file"),
            "{err}"
        );
    }

    #[test]
    fn a_file_it_cannot_parse_is_a_finding() {
        let unparsed = format!(
            r#"{{"errors": [{{"filename": "./b.py", "reason": "{SYNTAX_ERROR}"}}], "results": []}}"#
        );
        let findings = interpret(0, &unparsed).unwrap().findings;
        assert_eq!(findings[0].rule, UNPARSED);
        assert_eq!(findings[0].path, "b.py");
    }
}
