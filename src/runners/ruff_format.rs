//! Ruff's formatter, `ruff format --check --diff`, as Black is run: every
//! file it would reformat is one finding at the first changed line, with
//! the diff as the fix; every file it cannot parse is one finding. Exit 0
//! clean, 1 would reformat, 2 failed (on files it cannot parse, or on
//! everything). Also `opsgate fmt` when Black is off: the same Ruff, in place.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};

use super::black::{PARSE_ERROR, WOULD_REFORMAT, formatter_code, parse_diff, would_reformat};
use super::black_fmt::run_formatter;
use super::runner::{AskTool, CodeMatch, Explained, Formatted, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, Toolbox, file_args, python_paths};
use crate::config::ToolSettings;
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct RuffFormat;

const TOOL: ToolKind = ToolKind::RuffFormat;
const SPEC: ToolSpec = ToolSpec {
    package: "ruff",
    role: Role::Formatter,
    planning: Planning::PerFile,
    homepage: "https://docs.astral.sh/ruff/formatter/",
    suppression: "`# fmt: off` / `# fmt: on` around a block, or `# fmt: skip` on a line, as \
                  Ruff's formatter defines them",
    cost: (0.3 / 1_048_576.0, 0.05),
};
const STYLE_URL: &str = "https://docs.astral.sh/ruff/formatter/";

impl Tool for RuffFormat {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn cache_env(&self, cache: &Path) -> Vec<(&'static str, PathBuf)> {
        vec![("RUFF_CACHE_DIR", cache.join("ruff"))]
    }

    fn owns_code(&self, id: &str) -> CodeMatch {
        formatter_code(id)
    }

    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> Result<Option<Explained>> {
        let text = format!(
            "# {id} (Ruff's formatter)\n\nRuff, pinned at {}, finds this file not formatted as \
             `ruff format` formats it (`{WOULD_REFORMAT}`, with the diff), or cannot parse it \
             (`{PARSE_ERROR}`). `opsgate fmt FILE` formats it with that Ruff when Black is off.\
             \n\nDocumentation: {STYLE_URL}",
            tool.version()
        );
        Ok(Some(Explained {
            text,
            code: id.to_owned(),
        }))
    }

    fn format_in_place(
        &self,
        toolbox: &Toolbox,
        repo: &Repo,
        settings: &ToolSettings,
        _jobs: usize,
        files: &[&str],
    ) -> Option<Result<Formatted>> {
        Some(format(toolbox, repo, settings, files))
    }
}

impl Runner for RuffFormat {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn interpreter_args(&self, _ctx: &RunContext) -> Option<Vec<OsString>> {
        Some(vec!["-m".into(), "ruff".into()])
    }

    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        super::ruff::without_user_config(ctx.scratch)
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["format", "--check", "--diff", "--no-cache"]
            .into_iter()
            .chain(["--force-exclude"])
            .map(OsString::from)
            .collect();
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let stdout = output.stdout_text();
        let mut findings: Vec<Finding> = parse_diff(&stdout)
            .into_iter()
            .map(|file| {
                // Ruff ends each file's diff with an empty line, no line of a diff.
                let end = file.diff.trim_end_matches('\n').len() + 1;
                let mut diff = file.diff.clone();
                diff.truncate(end.min(diff.len()));
                would_reformat(ctx, TOOL, "Ruff", &file, diff, STYLE_URL)
            })
            .collect();
        let errors = parse_errors(&output.stderr_text());
        let Ok(errors) = errors else {
            return Err("it reported an error that is not a file it cannot parse".to_owned());
        };
        let reformats = findings.len();
        let unparsable = errors.len();
        findings.extend(errors.into_iter().map(|error| {
            Finding::new(
                TOOL,
                PARSE_ERROR,
                ctx.severity.severity_of(PARSE_ERROR),
                ctx.relative_path(&error.path),
                Span::at(error.line, Some(error.column)),
                format!("Ruff cannot parse this file: {}", error.message),
            )
        }));
        // `--check --diff` prints nothing but diffs.
        let quiet = output.stdout.iter().all(u8::is_ascii_whitespace);
        match output.code {
            Some(0) if findings.is_empty() && quiet => Ok(findings.into()),
            Some(1) if reformats > 0 && unparsable == 0 => Ok(findings.into()),
            Some(2) if unparsable > 0 => Ok(findings.into()),
            _ => Err(format!(
                "unexpected result: {reformats} files to reformat and {unparsable} unparsable \
                 files"
            )),
        }
    }
}

struct ParseError {
    path: String,
    line: u32,
    column: u32,
    message: String,
}

/// Ruff's `error: Failed to parse PATH:LINE:COL: MESSAGE` lines (column
/// 1-based); `Err` when stderr holds another error, which means Ruff failed
/// on more than a file it cannot parse.
fn parse_errors(stderr: &str) -> Result<Vec<ParseError>, ()> {
    let mut errors = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("error: ") else {
            continue;
        };
        let parsed = rest
            .strip_prefix("Failed to parse ")
            .and_then(parse_position);
        errors.push(parsed.ok_or(())?);
    }
    Ok(errors)
}

/// `PATH:LINE:COL: MESSAGE`, at the first `:LINE:COL: ` (a path may hold colons).
fn parse_position(rest: &str) -> Option<ParseError> {
    let mut from = 0;
    while let Some(offset) = rest[from..].find(':') {
        let at = from + offset;
        let mut parts = rest[at + 1..].splitn(3, ':');
        if let (Some(line), Some(column), Some(message)) =
            (parts.next(), parts.next(), parts.next())
            && let (Ok(line), Ok(column)) = (line.parse(), column.parse())
            && let Some(message) = message.strip_prefix(' ')
        {
            return Some(ParseError {
                path: rest[..at].to_owned(),
                line,
                column,
                message: message.to_owned(),
            });
        }
        from = at + 1;
    }
    None
}

/// `ruff format` on `files` (relative to the root), in place, with the
/// variables and exclusions of the check.
fn format(
    toolbox: &Toolbox,
    repo: &Repo,
    settings: &ToolSettings,
    files: &[&str],
) -> Result<Formatted> {
    let mut command = Command::new(&toolbox.python);
    command
        .args(["-m", "ruff", "format", "--no-cache", "--force-exclude"])
        .args(file_args(files).collect::<Vec<OsString>>())
        .current_dir(&repo.root)
        .envs(toolbox.env.iter().map(|(k, v)| (k, v)));
    // As the check: never the user's own configuration (the folder is not created).
    let nowhere = std::env::temp_dir().join("opsgate-no-user-configuration");
    command.envs(super::ruff::without_user_config(&nowhere));
    let output = run_formatter(command, settings, &toolbox.python)?;
    let errors = output.stderr_text();
    let report = format!("{}{errors}", output.stdout_text());
    match (output.code, parse_errors(&errors)) {
        (Some(0), Ok(parsed)) if parsed.is_empty() => Ok(Formatted {
            unparsable: 0,
            report,
        }),
        // Files it cannot parse are left; the others are formatted.
        (Some(2), Ok(parsed)) if !parsed.is_empty() => Ok(Formatted {
            unparsable: parsed.len(),
            report,
        }),
        _ => bail!(
            "ruff format failed ({}):\n{}",
            output.describe_exit(),
            output.stderr_tail(15)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_carry_path_position_and_reason() {
        let errors = parse_errors(
            "warning: ignored\nerror: Failed to parse net/a:b.py:3:7: Expected `)`, found newline\n",
        )
        .unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "net/a:b.py");
        assert_eq!((errors[0].line, errors[0].column), (3, 7));
        assert_eq!(errors[0].message, "Expected `)`, found newline");
        assert!(parse_errors("error: Failed to read a.py: denied\n").is_err());
    }

    #[test]
    fn diffs_and_exits_are_read_as_black_s() {
        let test = crate::runners::TestRepo::discover(tempfile::tempdir().unwrap());
        let ctx = test.ctx();
        let run = |code, stdout: &[u8], stderr: &[u8]| {
            RuffFormat.interpret(&ctx, &crate::runners::test_output(code, stdout, stderr))
        };
        let diff = b"--- d.py\n+++ d.py\n@@ -1 +1 @@\n-x=1\n+x = 1\n\n";
        let findings = run(1, diff, b"1 file would be reformatted\n")
            .unwrap()
            .findings;
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].path, "d.py");
        assert_eq!(findings[0].span.line, Some(1));
        assert!(
            findings[0]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("--- d.py\n+++ d.py\n@@")
        );
        assert!(run(0, b"\n", b"").is_ok());
        assert!(run(0, b"garbage", b"").is_err());
        assert!(run(1, b"", b"").is_err());
        assert!(run(2, b"", b"error: Failed to parse b.py:1:7: bad\n").is_ok());
        assert!(run(2, b"", b"error: Failed to read ruff.toml\n").is_err());
    }
}
