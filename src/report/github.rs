//! `--format github`: workflow commands that GitHub Actions turns into
//! annotations on the diff (`::error file=…,line=…,col=…,title=…::message`).
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per
//! step, so the most severe are emitted up to that cap, followed by one line
//! saying how many more there are.

use std::io::Write;

use anyhow::Result;

use super::{Emitter, RunResult};
use crate::model::{Finding, Severity};

pub(crate) struct Github;

/// Annotations GitHub displays per step, per level.
const SHOWN_PER_LEVEL: usize = 10;

impl Emitter for Github {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        write_annotations(out, run)
    }
}

pub(crate) fn write_annotations(out: &mut dyn Write, run: &RunResult) -> Result<()> {
    let mut omitted = 0;
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let of_level: Vec<&Finding> = run
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        for finding in of_level.iter().take(SHOWN_PER_LEVEL) {
            writeln!(out, "{}", annotation(run, finding))?;
        }
        omitted += of_level.len().saturating_sub(SHOWN_PER_LEVEL);
    }
    if omitted > 0 {
        writeln!(
            out,
            "::notice title=opsgate::{}",
            escape_data(&format!(
                "{omitted} more findings are not annotated (GitHub shows {SHOWN_PER_LEVEL} per level \
                 and step); see the full report"
            ))
        )?;
    }
    Ok(())
}

fn annotation(run: &RunResult, finding: &Finding) -> String {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties = Vec::new();
    if !finding.path.is_empty() {
        properties.push(format!(
            "file={}",
            escape_property(&run.platform_path(&finding.path))
        ));
    }
    if let Some(line) = finding.span.line {
        properties.push(format!("line={line}"));
        if let Some(end) = finding.span.end_line {
            properties.push(format!("endLine={end}"));
        }
    }
    if let Some(column) = finding.span.column {
        properties.push(format!("col={column}"));
        if let Some(end) = finding.span.end_column {
            properties.push(format!("endColumn={end}"));
        }
    }
    properties.push(format!(
        "title={}",
        escape_property(&format!("{} {}", finding.tool, finding.rule))
    ));
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&finding.message)
    )
}

/// The message part: `%`, CR and LF are escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render(run: &RunResult) -> String {
        let mut out = Vec::new();
        Github.emit(&mut out, run).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn annotations_are_escaped_as_github_requires() {
        let text = render(&fixtures::run());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "::error file=net/a.py,line=1,col=5,title=flake8 F401::F401 says <this> & \"that\"%0Asecond line"
        );
        assert!(lines[2].starts_with("::notice "));
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn past_the_cap_one_line_says_how_many_more() {
        let mut run = fixtures::run();
        run.findings = (1..=13)
            .map(|line| fixtures::finding("pylint", "W0702", Severity::Warning, line))
            .collect();
        let text = render(&run);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("::warning")).count(),
            10
        );
        assert!(text.lines().last().unwrap().contains("3 more findings"));
    }
}
