//! Black in `--check --diff` mode: every file it would reformat is one
//! finding at the first changed line, with the diff as the fix; every file it
//! cannot parse is one finding. Exit 0 clean, 1 would reformat, 123 failed
//! on some file.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::black_shared::{parse_errors, project_config};
use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct Black;

const TOOL: ToolKind = ToolKind::Black;
const SPEC: ToolSpec = ToolSpec {
    package: "black",
    role: Role::Formatter,
    planning: Planning::PerFile,
    homepage: "https://black.readthedocs.io/",
    suppression: "`# fmt: off` / `# fmt: on` around a block, as Black defines it",
    cost: (11.0 / 1_048_576.0, 0.25),
};
pub(crate) const WOULD_REFORMAT: &str = "would-reformat";
pub(crate) const PARSE_ERROR: &str = "parse-error";
const STYLE_URL: &str =
    "https://black.readthedocs.io/en/stable/the_black_code_style/current_style.html";

impl Tool for Black {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn cache_env(&self, cache: &Path) -> Vec<(&'static str, PathBuf)> {
        vec![("BLACK_CACHE_DIR", cache.join("black"))]
    }

    fn format_in_place(
        &self,
        toolbox: &super::Toolbox,
        repo: &Repo,
        settings: &crate::config::ToolSettings,
        jobs: usize,
        files: &[&str],
    ) -> Option<Result<super::runner::Formatted>> {
        Some(super::black_fmt::format(
            toolbox, repo, settings, jobs, files,
        ))
    }

    fn owns_code(&self, id: &str) -> CodeMatch {
        formatter_code(id)
    }

    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> Result<Option<Explained>> {
        let text = format!(
            "# {id} (Black)\n\nBlack, pinned at {}, finds this file not formatted as Black \
             formats it (`{WOULD_REFORMAT}`, with the diff), or cannot parse it (`{PARSE_ERROR}`). \
             `opsgate fmt FILE` formats it with that Black.\n\nDocumentation: {STYLE_URL}",
            tool.version()
        );
        Ok(Some(Explained {
            text,
            code: id.to_owned(),
        }))
    }
}

impl Runner for Black {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = ["--check", "--diff", "--no-color", "--workers"]
            .into_iter()
            .map(OsString::from)
            .collect();
        args.push(ctx.jobs.to_string().into());
        if let Some(config) = project_config(ctx.repo) {
            args.push("--config".into());
            args.push(config.into_os_string());
        }
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        let mut findings: Vec<Finding> = parse_diff(&output.stdout_text())
            .into_iter()
            .map(|file| {
                let diff = file.diff.clone();
                would_reformat(ctx, TOOL, "Black", &file, diff, STYLE_URL)
            })
            .collect();
        let parse_errors = parse_errors(&output.stderr_text());
        findings.extend(parse_errors.into_iter().map(|error| {
            Finding::new(
                TOOL,
                PARSE_ERROR,
                ctx.severity.severity_of(PARSE_ERROR),
                ctx.relative_path(&error.path),
                error
                    .line
                    .map(|l| Span::at(l, error.column))
                    .unwrap_or_default(),
                format!("Black cannot parse this file: {}", error.message),
            )
        }));
        let reformats = findings.iter().filter(|f| f.rule == WOULD_REFORMAT).count();
        let errors = findings.len() - reformats;
        // `--check --diff` prints nothing but diffs: exit 0 with other output
        // is not Black saying all is well.
        let quiet = output.stdout.iter().all(u8::is_ascii_whitespace);
        match output.code {
            Some(0) if findings.is_empty() && quiet => Ok(findings.into()),
            Some(0) if findings.is_empty() => {
                Err("exit 0, but it printed what is not a diff".to_owned())
            }
            Some(1) if reformats > 0 && errors == 0 => Ok(findings.into()),
            Some(123) if errors > 0 => Ok(findings.into()),
            _ => Err(format!(
                "unexpected result: {reformats} files to reformat and {errors} unparsable files"
            )),
        }
    }
}

/// The two codes a formatter reports, Black's and Ruff's alike.
pub(super) fn formatter_code(id: &str) -> CodeMatch {
    if id == WOULD_REFORMAT || id == PARSE_ERROR {
        CodeMatch::Exact
    } else {
        CodeMatch::No
    }
}

/// A formatter's finding on a file it would reformat: at the first line
/// it changes, with the diff as the fix.
pub(super) fn would_reformat(
    ctx: &RunContext,
    tool: ToolKind,
    formatter: &str,
    file: &FileDiff,
    diff: String,
    help_url: &str,
) -> Finding {
    let mut finding = Finding::new(
        tool,
        WOULD_REFORMAT,
        ctx.severity.severity_of(WOULD_REFORMAT),
        ctx.relative_path(&file.path),
        Span::at(file.first_changed_line, None),
        format!(
            "{formatter} would reformat this file ({} change{}); run `opsgate fmt {}`",
            file.hunks,
            if file.hunks == 1 { "" } else { "s" },
            file.quoted_path
        ),
    );
    finding.fix = Some(diff);
    finding.help_url = Some(help_url.to_owned());
    finding
}

pub(super) struct FileDiff {
    pub(super) path: String,
    pub(super) quoted_path: String,
    pub(super) first_changed_line: u32,
    pub(super) hunks: usize,
    pub(super) diff: String,
}

/// Splits Black's unified diff into one entry per file. Headers carry a
/// timestamp after a tab, dropped so that the fix is the same on every run.
/// Ruff's formatter prints the same shape, without timestamps.
pub(super) fn parse_diff(stdout: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut lines = stdout.lines().peekable();
    let mut old_line = 0u32;
    let mut seen_change = false;
    while let Some(line) = lines.next() {
        if let Some(header) = line.strip_prefix("--- ")
            && lines.peek().is_some_and(|next| next.starts_with("+++ "))
        {
            lines.next();
            let path = header
                .rsplit_once('\t')
                .map_or(header, |(p, _)| p)
                .to_owned();
            files.push(FileDiff {
                quoted_path: quote(&path),
                diff: format!("--- {path}\n+++ {path}\n"),
                path,
                first_changed_line: 1,
                hunks: 0,
            });
            seen_change = false;
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        file.diff.push_str(line);
        file.diff.push('\n');
        if let Some(start) = hunk_old_start(line) {
            file.hunks += 1;
            old_line = start;
        } else if !seen_change {
            match line.as_bytes().first() {
                Some(b'-' | b'+') => {
                    file.first_changed_line = old_line.max(1);
                    seen_change = true;
                }
                _ => old_line += 1,
            }
        }
    }
    files
}

/// `@@ -12,7 +12,8 @@` -> 12.
fn hunk_old_start(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find([',', ' '])?;
    rest[..end].parse().ok()
}

fn quote(path: &str) -> String {
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "--- net/a.py\t2026-01-01 00:00:00.000000+00:00\n\
+++ net/a.py\t2026-01-01 00:00:01.000000+00:00\n\
@@ -1,4 +1,4 @@\n import os\n \n-x = 'a'\n+x = \"a\"\n \n@@ -10,3 +10,3 @@\n-y=1\n+y = 1\n\
--- b.py\t2026-01-01 00:00:00.000000+00:00\n\
+++ b.py\t2026-01-01 00:00:01.000000+00:00\n\
@@ -5,2 +5,3 @@\n def f():\n+\n     pass\n";

    #[test]
    fn one_entry_per_file_at_the_first_changed_line() {
        let files = parse_diff(DIFF);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, "net/a.py");
        assert_eq!(files[0].first_changed_line, 3);
        assert_eq!(files[0].hunks, 2);
        assert!(files[0].diff.starts_with("--- net/a.py\n+++ net/a.py\n@@"));
        assert!(!files[0].diff.contains("2026"));
        assert_eq!(files[1].path, "b.py");
        assert_eq!(files[1].first_changed_line, 6);
    }

    #[test]
    fn exit_0_with_output_that_is_not_a_diff_is_a_failure() {
        let test = crate::runners::TestRepo::discover(tempfile::tempdir().unwrap());
        let ctx = test.ctx();
        let output = |stdout: &[u8]| crate::runners::test_output(0, stdout, b"All done!\n");
        assert!(Black.interpret(&ctx, &output(b"\n")).is_ok());
        let err = Black
            .interpret(&ctx, &output(b"\x00\xffgarbage"))
            .unwrap_err();
        assert!(err.contains("not a diff"), "{err}");
    }

    #[test]
    fn quotes_paths_for_the_shell_only_when_needed() {
        assert_eq!(quote("a/b_c.py"), "a/b_c.py");
        assert_eq!(quote("a b.py"), "'a b.py'");
    }
}
