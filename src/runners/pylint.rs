//! Pylint with its `json2` report on stdout, all files in one invocation so
//! that its cross-file checks (duplicate-code, cyclic-import) see them
//! together. opsgate does not pass `--jobs`: Pylint's parallel mode changes
//! what it infers (an assignment like `sys.stdout = StringIO()` in one module
//! feeds inference in the modules analysed by the same process), so the
//! repository's own `jobs` setting decides, exactly as when run directly.
//! The exit code is a bit mask: 1 fatal and 32 usage error mean Pylint could
//! not do its job; 2, 4, 8, 16 are the kinds of messages it found.
//!
//! A shard (`--shard`) checks only its part of the files, so it turns the
//! cross-file checks off there; the designated shard runs them once more
//! over every file (`CrossFile`), only those the configuration enables.

use std::ffi::OsString;

use serde::Deserialize;

use super::{Interpretation, Pass, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::finding::{Finding, Span};
use crate::repo::Repo;

pub(crate) struct Pylint;

const TOOL: &str = "pylint";
const FATAL: i32 = 1;
const USAGE_ERROR: i32 = 32;
const MESSAGE_BITS: i32 = 2 | 4 | 8 | 16;
/// The checks that need every file together, as (symbol, id).
const CROSS_FILE: [(&str, &str); 2] = [("duplicate-code", "R0801"), ("cyclic-import", "R0401")];

#[derive(Deserialize)]
struct Report {
    messages: Vec<Message>,
}

/// One entry of `messages`, named as Pylint names its fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    symbol: String,
    message: String,
    message_id: String,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    path: String,
}

impl Runner for Pylint {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--output-format=json2".into()];
        // A shard checks part of the files: the cross-file checks run apart.
        let pass = if ctx.repo.partial && ctx.pass == Pass::All {
            Pass::PerFile
        } else {
            ctx.pass
        };
        match pass {
            Pass::All => {}
            Pass::PerFile => {
                let symbols: Vec<&str> = CROSS_FILE.iter().map(|(symbol, _)| *symbol).collect();
                args.push(format!("--disable={}", symbols.join(",")).into());
            }
            Pass::Duplicates => {
                args.extend(["--disable=all".into(), "--enable=duplicate-code".into()]);
            }
        }
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        interpret(ctx, output)
    }
}

/// Pylint's cross-file checks alone, over every file: the designated
/// shard's extra run. `enable` holds the symbols the configuration enables.
pub(crate) struct CrossFile {
    pub(crate) enable: Vec<&'static str>,
}

impl Runner for CrossFile {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--output-format=json2".into(),
            "--disable=all".into(),
            format!("--enable={}", self.enable.join(",")).into(),
        ];
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        interpret(ctx, output)
    }
}

/// The cross-file checks the repository's Pylint configuration enables, from
/// the output of `pylint --list-msgs-enabled` (a command-line `--enable`
/// would otherwise override the configuration's `disable`).
pub(crate) fn enabled_cross_file(listing: &str) -> Result<Vec<&'static str>, String> {
    let enabled = listing
        .split_once("Enabled messages:")
        .and_then(|(_, rest)| rest.split_once("Disabled messages:"))
        .map(|(enabled, _)| enabled)
        .ok_or_else(|| "its list of enabled messages cannot be parsed".to_owned())?;
    Ok(CROSS_FILE
        .iter()
        .filter(|(_, id)| enabled.contains(&format!("({id})")))
        .map(|(symbol, _)| *symbol)
        .collect())
}

fn interpret(ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
    let Some(code) = output.code else {
        return Err("pylint did not exit normally".to_owned());
    };
    let report: Report = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("its JSON report cannot be parsed: {err}"))?;
    if code & (FATAL | USAGE_ERROR) != 0 || code & !(FATAL | USAGE_ERROR | MESSAGE_BITS) != 0 {
        let fatal: Vec<String> = report
            .messages
            .iter()
            .filter(|m| m.kind == "fatal")
            .map(|m| format!("{}: {} {}", m.path, m.message_id, m.message))
            .collect();
        return Err(if fatal.is_empty() {
            "it reported a fatal or usage error".to_owned()
        } else {
            format!("it could not analyse every file: {}", fatal.join("; "))
        });
    }
    // The reverse (messages with exit 0) is legitimate: `exit-zero` or
    // `fail-under` in the repository's configuration.
    if code & MESSAGE_BITS != 0 && report.messages.is_empty() {
        return Err(format!(
            "exit code {code} says it found problems, but its report lists none"
        ));
    }
    let findings: Vec<Finding> = report.messages.iter().map(|m| to_finding(ctx, m)).collect();
    Ok(findings.into())
}

fn to_finding(ctx: &RunContext, message: &Message) -> Finding {
    let span = Span {
        line: message.line.filter(|&l| l > 0),
        // Pylint columns are 0-based.
        column: message.line.and(message.column).map(|c| c + 1),
        end_line: message.end_line.filter(|&l| l > 0),
        end_column: message.end_line.and(message.end_column).map(|c| c + 1),
    };
    let mut finding = Finding::new(
        TOOL,
        message.message_id.clone(),
        ctx.severity.severity_of(&message.message_id),
        ctx.relative_path(&message.path),
        span,
        format!("{} ({})", message.message, message.symbol),
    );
    finding.rule_name = Some(message.symbol.clone());
    finding.help_url = Some(format!(
        "https://pylint.readthedocs.io/en/stable/user_guide/messages/{}/{}.html",
        message.kind, message.symbol
    ));
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_file_checks_are_those_the_configuration_enables() {
        let listing = "Enabled messages:\n  cyclic-import (R0401)\n  unused-import (W0611)\n\
                       Disabled messages:\n  duplicate-code (R0801)\n\
                       Non-emittable messages with current interpreter:\n";
        assert_eq!(enabled_cross_file(listing), Ok(vec!["cyclic-import"]));
        let both = "Enabled messages:\n  duplicate-code (R0801)\n  cyclic-import (R0401)\n\
                    Disabled messages:\n";
        assert_eq!(
            enabled_cross_file(both),
            Ok(vec!["duplicate-code", "cyclic-import"])
        );
        assert!(enabled_cross_file("usage: pylint").is_err());
    }
}
