//! Ruff's linter, `ruff check`, with its JSON output: one finding per
//! diagnostic, with Ruff's rule name, its rule page and the fix it offers.
//! Ruff reads the repository's own `[tool.ruff]`, `ruff.toml` or
//! `.ruff.toml` (the closest to each file), honours its `exclude` for the
//! files opsgate names (`--force-exclude`), never fixes (`--no-fix`, whatever
//! the configuration's `fix`) and keeps no cache (`--no-cache`; opsgate's
//! cache serves unchanged files). Exit 0 clean, 1 findings, 2 Ruff failed.
//! Without a configuration in the repository Ruff would read the user's own
//! (`~/.config/ruff/ruff.toml`): not here, so that every machine judges
//! alike and the cache key holds everything Ruff reads.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Deserialize;

use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct Ruff;

const TOOL: ToolKind = ToolKind::Ruff;
const SPEC: ToolSpec = ToolSpec {
    package: "ruff",
    role: Role::Linter,
    planning: Planning::PerFile,
    homepage: "https://docs.astral.sh/ruff/",
    suppression: "`# noqa: {id}` on the line, as Ruff defines it",
    cost: (0.3 / 1_048_576.0, 0.05),
};
/// The code Ruff gives a file it cannot parse.
const SYNTAX: &str = "invalid-syntax";
const RULES_URL: &str = "https://docs.astral.sh/ruff/rules/";

/// One diagnostic of `ruff check --output-format=json`.
#[derive(Deserialize)]
struct Diagnostic {
    /// `None` for syntax errors in Ruff before 0.12.
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
    message: String,
    filename: String,
    location: Position,
    end_location: Option<Position>,
    url: Option<String>,
    fix: Option<Fix>,
}

#[derive(Deserialize)]
struct Position {
    row: u32,
    column: u32,
}

#[derive(Deserialize)]
struct Fix {
    applicability: String,
    message: Option<String>,
}

impl Tool for Ruff {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn cache_env(&self, cache: &Path) -> Vec<(&'static str, PathBuf)> {
        // `--no-cache` on every check; this keeps any other run out of the tree.
        vec![("RUFF_CACHE_DIR", cache.join("ruff"))]
    }

    fn owns_code(&self, id: &str) -> CodeMatch {
        if id == SYNTAX {
            CodeMatch::Exact
        } else if is_rule_code(id) {
            CodeMatch::Shape
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, id: &str, ruff: &dyn AskTool) -> Result<Option<Explained>> {
        if id == SYNTAX {
            let text = format!(
                "# {SYNTAX} (Ruff {})\n\nRuff cannot parse this file: the message says where \
                 and why. No other rule of Ruff's checks a file it cannot parse.",
                ruff.version()
            );
            return Ok(Some(Explained {
                text,
                code: id.to_owned(),
            }));
        }
        explain_rule(id, ruff)
    }
}

impl Runner for Ruff {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "check",
            "--output-format=json",
            "--no-fix",
            "--no-cache",
            "--force-exclude",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        args.extend(file_args(files));
        args
    }

    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        without_user_config(ctx.scratch)
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let diagnostics: Vec<Diagnostic> = serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("its output is not Ruff's JSON: {err}"))?;
        let findings: Vec<Finding> = diagnostics.into_iter().map(|d| finding(ctx, d)).collect();
        match output.code {
            Some(0) if findings.is_empty() => Ok(findings.into()),
            Some(1) if !findings.is_empty() => Ok(findings.into()),
            Some(code @ (0 | 1)) => Err(format!("exit {code} with {} findings", findings.len())),
            _ => Err("unexpected exit".to_owned()),
        }
    }
}

/// `XDG_CONFIG_HOME`, where Ruff looks for the user's configuration, set to
/// a folder that holds none (under `scratch`, opsgate's own, never created).
pub(super) fn without_user_config(scratch: &Path) -> Vec<(OsString, OsString)> {
    vec![(
        "XDG_CONFIG_HOME".into(),
        scratch.join("no-user-configuration").into_os_string(),
    )]
}

fn finding(ctx: &RunContext, d: Diagnostic) -> Finding {
    let code = d.code.unwrap_or_else(|| SYNTAX.to_owned());
    let span = Span {
        line: Some(d.location.row),
        column: Some(d.location.column.max(1)),
        end_line: d.end_location.as_ref().map(|end| end.row),
        end_column: d.end_location.as_ref().map(|end| end.column.max(1)),
    };
    let mut finding = Finding::new(
        TOOL,
        code.as_str(),
        ctx.severity.severity_of(&code),
        ctx.relative_path(&d.filename),
        span,
        d.message,
    );
    finding.rule_name = d.name.filter(|name| *name != code);
    finding.help_url = d.url;
    finding.fix = d.fix.and_then(|fix| {
        let how = match fix.applicability.as_str() {
            "safe" => "a safe fix: `ruff check --fix` applies it",
            "unsafe" => "an unsafe fix: `ruff check --fix --unsafe-fixes` applies it",
            _ => "shown by Ruff, never applied",
        };
        fix.message.map(|message| format!("{message} ({how})"))
    });
    finding
}

/// `E501`, `F401`, `S113`, `UP006`, `PLR0913`, `ASYNC100`: one to five
/// capital letters and three digits, or four after two or more letters
/// (Pylint's `W0702` is one letter and four).
fn is_rule_code(id: &str) -> bool {
    let letters = id.bytes().take_while(u8::is_ascii_uppercase).count();
    let digits = &id[letters..];
    let shaped = digits.bytes().all(|b| b.is_ascii_digit())
        && match letters {
            1 => digits.len() == 3,
            2..=5 => matches!(digits.len(), 3 | 4),
            _ => false,
        };
    shaped && !digits.is_empty()
}

/// `ruff rule CODE --output-format=json`, as Ruff documents the rule.
#[derive(Deserialize)]
struct RuleDoc {
    name: String,
    code: String,
    linter: String,
    summary: String,
    explanation: String,
}

/// Ruff's own explanation of a rule; `None` when Ruff knows no such rule.
fn explain_rule(id: &str, ruff: &dyn AskTool) -> Result<Option<Explained>> {
    let output = ruff.run(&["rule", id, "--output-format=json"])?;
    if output.code == Some(2) && output.stderr_text().contains("invalid value") {
        return Ok(None);
    }
    let doc: RuleDoc = match serde_json::from_slice(&output.stdout) {
        Ok(doc) if output.code == Some(0) => doc,
        _ => bail!(
            "Ruff could not explain `{id}` ({}):\n{}",
            output.describe_exit(),
            output.stderr_tail(10)
        ),
    };
    let text = format!(
        "# {} {} (Ruff {}, from {})\n\n{}\n\n{}\n\nDocumentation: {RULES_URL}{}/",
        doc.code,
        doc.name,
        ruff.version(),
        doc.linter,
        doc.summary,
        doc.explanation.trim(),
        doc.name
    );
    Ok(Some(Explained {
        text,
        code: doc.code,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_told_from_pylint_codes() {
        for code in [
            "E501", "F401", "S113", "UP006", "PLR0913", "ASYNC100", "C901",
        ] {
            assert!(is_rule_code(code), "{code}");
        }
        for code in [
            "W0702",
            "E50",
            "ABCDEF123",
            "e501",
            "F401x",
            "PLR",
            "bare-except",
        ] {
            assert!(!is_rule_code(code), "{code}");
        }
    }

    #[test]
    fn json_diagnostics_become_findings() {
        let test = crate::runners::TestRepo::discover(tempfile::tempdir().unwrap());
        let ctx = test.ctx();
        let stdout = br#"[{"cell":null,"code":"F401","end_location":{"column":10,"row":1},
            "filename":"/x/a.py","fix":{"applicability":"safe","edits":[],
            "message":"Remove unused import: `os`"},"location":{"column":8,"row":1},
            "message":"`os` imported but unused","name":"unused-import","noqa_row":1,
            "url":"https://docs.astral.sh/ruff/rules/unused-import"},
            {"code":null,"filename":"b.py","location":{"column":7,"row":1},
            "end_location":null,"message":"Expected `)`","url":null,"fix":null}]"#;
        let output = crate::runners::test_output(1, stdout, b"");
        let findings = Ruff.interpret(&ctx, &output).unwrap().findings;
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].rule, "F401");
        assert_eq!(findings[0].rule_name.as_deref(), Some("unused-import"));
        assert_eq!(
            (findings[0].span.line, findings[0].span.end_column),
            (Some(1), Some(10))
        );
        assert!(findings[0].fix.as_deref().unwrap().contains("safe fix"));
        assert_eq!(findings[1].rule, SYNTAX);
        assert_eq!(findings[1].help_url, None);
    }

    #[test]
    fn garbage_and_unexpected_exits_are_failures() {
        let test = crate::runners::TestRepo::discover(tempfile::tempdir().unwrap());
        let ctx = test.ctx();
        let run = |code, stdout: &[u8]| {
            Ruff.interpret(&ctx, &crate::runners::test_output(code, stdout, b""))
        };
        assert!(run(0, b"[]").is_ok());
        assert!(run(0, b"\x00garbage").is_err());
        assert!(run(1, b"[]").is_err());
        assert!(run(2, b"[]").is_err());
    }
}
