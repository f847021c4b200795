//! mypy with `--output=json`: one JSON object per line (file, line, column,
//! message, hint, code, severity). It reads the repository's own
//! configuration (`mypy.ini`, `.mypy.ini`, `[tool.mypy]` in `pyproject.toml`,
//! `[mypy]` in `setup.cfg`), finds the shared libraries through `MYPYPATH`
//! (it does not read `PYTHONPATH`: there they would be untyped packages), and
//! writes no incremental cache (`--cache-dir=/dev/null`, which beats a
//! `cache_dir` of the configuration).
//!
//! Exit 0 clean, 1 errors found; 2 is a crash, a usage error or a blocking
//! error (a syntax error, a module found twice), after which mypy checked
//! nothing else: that fails closed, with the blocking errors in the message.
//! So does exit 1 without an error line, and any line that is not mypy's JSON.
//!
//! A note mypy prints once per run (the link to its page on missing imports
//! under the first import error) would hang on whichever file came first: it
//! is dropped, so that a file's findings do not depend on which files were
//! checked with it.

use std::ffi::OsString;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Deserialize;

use super::mypy_codes;
use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct Mypy;

const TOOL: ToolKind = ToolKind::Mypy;
const SPEC: ToolSpec = ToolSpec {
    package: "mypy",
    role: Role::Linter,
    planning: Planning::Closure,
    homepage: "https://mypy.readthedocs.io/",
    suppression: "`# type: ignore[{id}]` on the line, as mypy defines it",
    cost: (20.0 / 1_048_576.0, 1.0),
};

/// Where mypy looks for its configuration in each folder, in its order.
const CONFIG_NAMES: [&str; 4] = ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"];
/// The user's own configuration, read when the repository has none.
const USER_CONFIG: [&str; 2] = [".config/mypy/config", ".mypy.ini"];

/// Hints mypy gives once per run, whichever file comes first.
const ONCE_PER_RUN: [&str; 3] = [
    "See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports",
    "(or run \"mypy --install-types\" to install all missing stub packages)",
    "See https://mypy.rtfd.io/en/stable/_refs.html#code-",
];

/// One line of `--output=json`, named as mypy names its fields.
#[derive(Debug, Deserialize)]
#[allow(clippy::struct_field_names)]
struct Message {
    file: String,
    line: i64,
    column: i64,
    #[serde(default)]
    end_line: Option<i64>,
    #[serde(default)]
    end_column: Option<i64>,
    message: String,
    hint: Option<String>,
    code: Option<String>,
    severity: Level,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Note,
}

impl Tool for Mypy {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    /// mypy's codes are a known list with Pylint's shape (`arg-type`):
    /// an exact match wins over Pylint's guess.
    fn owns_code(&self, id: &str) -> CodeMatch {
        if mypy_codes::is_known(id) {
            CodeMatch::Exact
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, code: &str, tool: &dyn AskTool) -> Result<Option<Explained>> {
        if !mypy_codes::is_known(code) {
            return Ok(None);
        }
        let when = if mypy_codes::is_optional(code) {
            "It is one of the optional checks: an option of mypy's configuration (or \
             `strict`) turns it on."
        } else {
            "mypy checks it by default."
        };
        let text = format!(
            "# {code} (mypy {})\n\nmypy cannot explain its codes itself: {} describes \
             `{code}` with an example. {when}\n\nmypy reads the repository's `mypy.ini`, \
             `.mypy.ini`, `[tool.mypy]` in `pyproject.toml` or `[mypy]` in `setup.cfg`; \
             `disable_error_code = {code}` there turns it off.",
            tool.version(),
            mypy_codes::help_url(code)
        );
        Ok(Some(Explained {
            text,
            code: code.to_owned(),
        }))
    }

    /// The configuration mypy finds outside the repository: in a folder
    /// above a root that is not a checkout's (mypy stops at `.git` or
    /// `.hg`), and the user's own.
    fn implied_settings(&self, root: &Path) -> (&'static str, String) {
        let mut found = Vec::new();
        let mut dir = root.parent().filter(|_| !is_checkout(root));
        while let Some(folder) = dir {
            found.extend(CONFIG_NAMES.iter().map(|name| folder.join(name)));
            dir = folder.parent().filter(|_| !is_checkout(folder));
        }
        let xdg = crate::environment::snapshot().os("XDG_CONFIG_HOME");
        found.extend(xdg.map(|dir| Path::new(&dir).join("mypy/config")));
        if let Some(home) = dirs::home_dir() {
            found.extend(USER_CONFIG.iter().map(|name| home.join(name)));
        }
        let read: Vec<String> = found
            .iter()
            .filter_map(|path| {
                let bytes = std::fs::read(path).ok()?;
                let digest = crate::hash::short_digest([&bytes], 16);
                Some(format!("{}={digest}", path.display()))
            })
            .collect();
        (
            "mypy's configuration outside the repository",
            read.join(","),
        )
    }
}

fn is_checkout(dir: &Path) -> bool {
    dir.join(".git").exists() || dir.join(".hg").exists()
}

impl Runner for Mypy {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, _ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--output=json".into()];
        // No cache at all: mypy's is not safe for concurrent writers (the
        // run's programs check at once, and so may two runs of one
        // repository) — a cache another process half wrote lost errors (exit
        // 1, nothing printed) or crashed mypy — and one private to a process
        // would be thrown away with it after costing its writes. opsgate's
        // result cache serves what did not change. The flag wins over the
        // configuration's `cache_dir`; `/dev/null` is mypy's way to write none.
        args.push("--cache-dir=/dev/null".into());
        args.extend(file_args(files));
        args
    }

    /// The shared libraries on mypy's search path, before any the user set.
    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        let mut path: Vec<PathBuf> = ctx
            .repo
            .import_roots
            .iter()
            .map(|root| ctx.repo.root.join(root))
            .collect();
        if let Some(existing) = crate::environment::snapshot().os("MYPYPATH") {
            path.extend(std::env::split_paths(&existing));
        }
        // A path holding the separator cannot be passed: mypy then finds the
        // library as it finds any other folder, through its configuration.
        std::env::join_paths(path)
            .map(|joined| vec![("MYPYPATH".into(), joined)])
            .unwrap_or_default()
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let stdout = std::str::from_utf8(&output.stdout)
            .map_err(|_| "it printed bytes that are not mypy's JSON output".to_owned())?;
        let mut messages = Vec::new();
        for line in stdout
            .lines()
            .filter(|line| !line.trim().is_empty() && !is_unused_section_note(line))
        {
            let message: Message = serde_json::from_str(line)
                .map_err(|err| format!("cannot parse this output line ({err}): {line:?}"))?;
            messages.push(message);
        }
        let errors: Vec<&Message> = messages
            .iter()
            .filter(|m| m.severity == Level::Error)
            .collect();
        let findings = || messages.iter().map(|m| to_finding(ctx, m)).collect();
        match output.code {
            Some(0) => Ok(Vec::into(findings())),
            Some(1) if !errors.is_empty() => Ok(Vec::into(findings())),
            Some(1) => Err("exit code 1 without any error".to_owned()),
            Some(2) if !errors.is_empty() => {
                let blocking: Vec<String> = errors.into_iter().map(describe).collect();
                Err(format!(
                    "it stopped at a blocking error and checked nothing else: {}",
                    blocking.join("; ")
                ))
            }
            _ => Err("a crash or a usage error".to_owned()),
        }
    }
}

/// `path:line:column: message [code]`, for a failure's message.
fn describe(message: &Message) -> String {
    let mut place = message.file.clone();
    if message.line > 0 {
        let _ = write!(place, ":{}", message.line);
        if message.column >= 0 {
            let _ = write!(place, ":{}", message.column + 1);
        }
    }
    let code = message
        .code
        .as_deref()
        .map_or(String::new(), |code| format!(" [{code}]"));
    format!("{place}: {}{code}", message.message)
}

fn to_finding(ctx: &RunContext, message: &Message) -> Finding {
    let code = message.code.as_deref().unwrap_or("misc");
    // mypy's lines are 1-based, its columns 0-based; -1 is unknown.
    let line = u32::try_from(message.line).ok().filter(|&l| l > 0);
    let column = |c: Option<i64>| c.and_then(|c| u32::try_from(c).ok()).map(|c| c + 1);
    let end_line = message
        .end_line
        .and_then(|l| u32::try_from(l).ok())
        .filter(|&l| l > 0);
    let span = Span {
        line,
        column: line.and(column(Some(message.column))),
        end_line,
        end_column: end_line.and(column(message.end_column)),
    };
    let hints: Vec<&str> = message
        .hint
        .iter()
        .flat_map(|hint| hint.lines())
        .filter(|hint| !ONCE_PER_RUN.iter().any(|once| hint.starts_with(once)))
        .collect();
    let mut text = message.message.clone();
    for hint in hints {
        text.push('\n');
        text.push_str(hint);
    }
    // Errors and notes alike take the severity map by code, as every
    // finding is settled later: `annotation-unchecked`, only ever a note,
    // maps to note by default.
    let mut finding = Finding::new(
        TOOL,
        code,
        ctx.severity.severity_of(code),
        ctx.relative_path(&message.file),
        span,
        text,
    );
    finding.help_url = Some(mypy_codes::help_url(code));
    finding
}

/// `pyproject.toml: note: unused section(s): module = [...]`, which mypy
/// prints in text under `warn_unused_configs` when a `[[tool.mypy.overrides]]`
/// names no module of this process: with one process per tool folder, a
/// section for another folder's modules is unused in every process but its
/// own. It says nothing about the code, so it is not a finding.
fn is_unused_section_note(line: &str) -> bool {
    !line.starts_with('{') && line.contains(": note: unused section(s): ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unused_configuration_section_is_not_output_to_read() {
        let note = "pyproject.toml: note: unused section(s): module = ['a.b']";
        assert!(is_unused_section_note(note));
        let finding = r#"{"file": "a.py", "message": "note: unused section(s): x"}"#;
        assert!(!is_unused_section_note(finding));
        assert!(!is_unused_section_note("a.py:1: error: x"));
    }
    use crate::model::Severity;
    use crate::runners::{TestRepo, test_output};

    const ARG_TYPE: &str = r#"{"file": "tools/a/run.py", "line": 8, "column": 5, "end_line": 8, "end_column": 14, "message": "Argument 1 to \"show\" has incompatible type \"int\"; expected \"str\"", "hint": null, "code": "arg-type", "severity": "error"}"#;
    const REVEAL: &str = r#"{"file": "tools/a/run.py", "line": 10, "column": 12, "end_line": 10, "end_column": 16, "message": "Revealed type is \"int\"", "hint": null, "code": "misc", "severity": "note"}"#;
    const UNTYPED: &str = r#"{"file": "tools/a/run.py", "line": 1, "column": 0, "end_line": 1, "end_column": 1, "message": "Skipping analyzing \"yaml\"", "hint": "Hint: \"python3 -m pip install types-PyYAML\"\n(or run \"mypy --install-types\" to install all missing stub packages)\nSee https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports", "code": "import-untyped", "severity": "error"}"#;

    fn interpret(code: i32, stdout: &str) -> Interpretation {
        let test = TestRepo::discover(tempfile::tempdir().unwrap());
        let output = test_output(code, stdout.as_bytes(), b"");
        Mypy.interpret(&test.ctx(), &output)
    }

    #[test]
    fn errors_and_notes_take_the_map_by_code() {
        let findings = interpret(1, &format!("{ARG_TYPE}\n{REVEAL}\n"))
            .unwrap()
            .findings;
        assert_eq!(findings.len(), 2);
        let (error, note) = (&findings[0], &findings[1]);
        assert_eq!(
            (error.rule.as_str(), error.severity),
            ("arg-type", Severity::Error)
        );
        assert_eq!(
            error.span,
            Span {
                line: Some(8),
                column: Some(6),
                end_line: Some(8),
                end_column: Some(15)
            }
        );
        assert_eq!(
            (note.rule.as_str(), note.severity),
            ("misc", Severity::Error)
        );
        assert_eq!(
            error.help_url.as_deref(),
            Some("https://mypy.readthedocs.io/en/stable/error_code_list.html#code-arg-type")
        );
    }

    #[test]
    fn hints_given_once_per_run_are_dropped() {
        let findings = interpret(1, UNTYPED).unwrap().findings;
        assert_eq!(
            findings[0].message,
            "Skipping analyzing \"yaml\"\nHint: \"python3 -m pip install types-PyYAML\""
        );
    }

    #[test]
    fn fails_closed() {
        assert!(interpret(0, "").unwrap().findings.is_empty());
        assert!(interpret(0, REVEAL).is_ok());
        assert!(interpret(1, "").is_err());
        assert!(interpret(1, REVEAL).is_err());
        assert!(interpret(1, &format!("{ARG_TYPE}\nFound 1 error\n")).is_err());
        assert!(interpret(2, "").is_err());
        let blocked = interpret(2, ARG_TYPE).unwrap_err();
        assert!(
            blocked.contains("tools/a/run.py:8:6: Argument 1"),
            "{blocked}"
        );
        assert!(interpret(3, "").is_err());
    }
}
