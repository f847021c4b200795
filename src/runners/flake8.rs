//! Flake8 with a fixed, machine-readable line format. Each finding line
//! starts with a marker and separates fields with ASCII unit separators, so
//! lines the repository's own configuration adds (`--count`, `--statistics`,
//! `--benchmark`) are told apart and paths or messages with colons parse.
//! Exit 0 clean, 1 findings; anything else, or exit 1 without a finding line,
//! means flake8 itself failed. Without a Flake8 configuration in the
//! repository it runs with Black's settings (`flake8_defaults`).

use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;

use super::runner::{AskTool, CodeMatch, Explained, Tool};
use super::{Interpretation, ProcessOutput, RunContext, Runner, file_args, python_paths};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct Flake8;

const TOOL: ToolKind = ToolKind::Flake8;
const SPEC: ToolSpec = ToolSpec {
    package: "flake8",
    role: Role::Linter,
    planning: Planning::PerFile,
    homepage: "https://flake8.pycqa.org/",
    suppression: "`# noqa: {id}` on the line, as Flake8 defines it",
    cost: (2.6 / 1_048_576.0, 0.3),
};
const MARKER: &str = "\u{1e}opsgate\u{1f}";
const SEP: char = '\u{1f}';

impl Tool for Flake8 {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    /// `E501`, `W291`, `F401`, `C901`.
    fn owns_code(&self, id: &str) -> CodeMatch {
        let mut chars = id.chars();
        let first = chars.next();
        let digits = chars.as_str();
        let shaped = matches!(first, Some('E' | 'W' | 'F' | 'C'))
            && digits.len() == 3
            && digits.bytes().all(|b| b.is_ascii_digit());
        if shaped {
            CodeMatch::Shape
        } else {
            CodeMatch::No
        }
    }

    fn explain_code(&self, code: &str, _tool: &dyn AskTool) -> Result<Option<Explained>> {
        let checker = match code.chars().next() {
            Some('F') => "pyflakes, through Flake8",
            Some('C') => "mccabe, through Flake8",
            _ => "pycodestyle, through Flake8",
        };
        let url =
            help_url(code).unwrap_or("https://flake8.pycqa.org/en/latest/user/error-codes.html");
        let text = format!(
            "# {code} ({checker})\n\nFlake8 cannot explain its codes itself: {url} lists \
             {code} with what it means.\n\nWithout a Flake8 configuration in the repository \
             (`.flake8`, or `[flake8]` in `setup.cfg` or `tox.ini`), opsgate runs Flake8 with \
             Black's settings: `max-line-length = 88`, `extend-ignore = E203, E701, E704`. A \
             configuration of the repository's own replaces them."
        );
        Ok(Some(Explained {
            text,
            code: code.to_owned(),
        }))
    }

    /// Black's settings, or none, as found above the root too.
    fn implied_settings(&self, root: &Path) -> (&'static str, String) {
        let args = super::flake8_defaults::args(root).join(std::ffi::OsStr::new(" "));
        (
            "Flake8's settings without a configuration",
            args.to_string_lossy().into_owned(),
        )
    }
}

impl Runner for Flake8 {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let format = format!("{MARKER}%(path)s{SEP}%(row)d{SEP}%(col)d{SEP}%(code)s{SEP}%(text)s");
        let mut args: Vec<OsString> = vec![
            format!("--format={format}").into(),
            "--no-show-source".into(),
            format!("--jobs={}", ctx.jobs).into(),
        ];
        args.extend(super::flake8_defaults::args(&ctx.repo.root));
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        if !is_text(&output.stdout) {
            return Err("it printed bytes that are not Flake8's text output".to_owned());
        }
        let mut findings = Vec::new();
        let stdout = output.stdout_text();
        let lines: Vec<&str> = stdout.lines().collect();
        // No record spans more lines than the file names checked hold.
        let spread = python_paths(ctx.repo)
            .iter()
            .map(|path| path.matches('\n').count())
            .max()
            .unwrap_or(0);
        let mut next = 0;
        while let Some(line) = lines.get(next) {
            next += 1;
            let Some(first) = line.strip_prefix(MARKER) else {
                continue;
            };
            // A file name holding newlines spreads its record over several lines.
            let mut record = first.to_owned();
            let last = next + spread;
            while parse_record(&record).is_none()
                && next < last
                && let Some(more) = lines.get(next).filter(|l| !l.starts_with(MARKER))
            {
                record.push('\n');
                record.push_str(more);
                next += 1;
            }
            let finding = parse_record(&record)
                .ok_or_else(|| format!("cannot parse this output line: {first:?}"))?;
            let (path, line, column, code, text) = finding;
            let mut finding = Finding::new(
                TOOL,
                code,
                ctx.severity.severity_of(code),
                ctx.relative_path(path),
                Span::at(line, Some(column)),
                text,
            );
            finding.help_url = help_url(code).map(str::to_owned);
            findings.push(finding);
        }
        match output.code {
            Some(0) => Ok(findings.into()),
            Some(1) if !findings.is_empty() => Ok(findings.into()),
            Some(1) => Err("exit code 1 without any finding".to_owned()),
            _ => Err("unexpected exit".to_owned()),
        }
    }
}

/// Flake8 prints UTF-8 text: its findings, and the `--count`, `--statistics`
/// or `--benchmark` lines a configuration may add. Anything else (binary
/// output, control characters besides our separators) is not Flake8 talking.
fn is_text(stdout: &[u8]) -> bool {
    std::str::from_utf8(stdout).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{1e}' | '\u{1f}'))
    })
}

/// Where the codes of Flake8's own checkers are documented.
fn help_url(code: &str) -> Option<&'static str> {
    match code.chars().next() {
        Some('F') => Some("https://flake8.pycqa.org/en/latest/user/error-codes.html"),
        Some('E' | 'W') => Some("https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes"),
        Some('C') if code.starts_with("C90") => Some("https://github.com/PyCQA/mccabe#readme"),
        _ => None,
    }
}

/// `path␟row␟col␟code␟text`; the path may not contain the separator.
fn parse_record(record: &str) -> Option<(&str, u32, u32, &str, &str)> {
    let mut fields = record.splitn(5, SEP);
    let path = fields.next()?;
    let row = fields.next()?.parse().ok()?;
    // Flake8 reports column 0 for some whole-line checks; columns are 1-based.
    let col = fields.next()?.parse::<u32>().ok()?.max(1);
    let code = fields.next()?;
    let text = fields.next()?;
    (!code.is_empty()).then_some((path, row, col, code, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_record_with_colons_in_the_message() {
        let record = "net/a.py\u{1f}3\u{1f}1\u{1f}F401\u{1f}'os.path' imported but unused: really";
        assert_eq!(
            parse_record(record),
            Some((
                "net/a.py",
                3,
                1,
                "F401",
                "'os.path' imported but unused: really"
            ))
        );
    }

    #[test]
    fn text_output_is_told_from_garbage() {
        assert!(is_text(
            b"\x1eopsgate\x1fa.py\x1f1\x1f1\x1fF401\x1fm\n3     F401 x\n"
        ));
        assert!(is_text("\u{e9}t\u{e9}\r\n".as_bytes()));
        assert!(!is_text(b"\x00\x01"));
        assert!(!is_text(b"\xff\xfe"));
    }

    #[test]
    fn a_file_name_with_newlines_is_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/two\nlines\n.py"), "import os\n").unwrap();
        let test = crate::runners::TestRepo::discover(dir);
        let stdout = format!(
            "{MARKER}a/two\nlines\n.py{SEP}1{SEP}1{SEP}F401{SEP}'os' imported but unused\n\
             {MARKER}b.py{SEP}2{SEP}1{SEP}E225{SEP}m\n"
        );
        let output = crate::runners::test_output(1, stdout.as_bytes(), b"");
        let ctx = test.ctx();
        let findings = Flake8.interpret(&ctx, &output).unwrap().findings;
        let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a/two\nlines\n.py", "b.py"]);
    }

    #[test]
    fn rejects_a_truncated_record() {
        assert_eq!(parse_record("net/a.py\u{1f}3"), None);
        assert_eq!(
            parse_record("net/a.py\u{1f}x\u{1f}1\u{1f}F401\u{1f}m"),
            None
        );
    }
}
