//! `--format gitlab`: GitLab Code Quality (a JSON array of Code Climate
//! issues) for the merge-request widget. Severity mapping: error -> major,
//! warning -> minor, note -> info. The fingerprint is the finding's, which is
//! unique in a run and stable across runs, as GitLab's new/fixed comparison
//! needs. Paths are relative to `CI_PROJECT_DIR`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::{Emitter, RunResult};
use crate::model::{Role, Severity, ToolId};
use crate::runners::has_role;

pub(crate) struct Gitlab;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: String,
    description: String,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: &'a str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

pub(crate) fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Note => "info",
    }
}

impl Emitter for Gitlab {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let issues: Vec<Issue> = run
            .findings
            .iter()
            .map(|finding| Issue {
                kind: "issue",
                check_name: format!("{}/{}", finding.tool, finding.rule),
                description: format!("{}: {}", finding.rule, finding.message),
                categories: [category(finding.tool)],
                severity: severity(finding.severity),
                fingerprint: &finding.fingerprint,
                location: Location {
                    path: run.platform_path(&finding.path),
                    // Whole-file findings sit on the first line.
                    lines: Lines {
                        begin: finding.span.line.unwrap_or(1),
                    },
                },
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &issues)?;
        writeln!(out)?;
        Ok(())
    }
}

/// A formatter's finding is style; every other one a risk of a bug.
fn category(tool: ToolId) -> &'static str {
    if has_role(tool, Role::Formatter) {
        "Style"
    } else {
        "Bug Risk"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn every_finding_is_an_issue_with_the_fields_gitlab_reads() {
        let mut out = Vec::new();
        Gitlab.emit(&mut out, &fixtures::run()).unwrap();
        assert!(!out.starts_with(b"\xef\xbb\xbf"), "no BOM");
        let issues: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let issues = issues.as_array().unwrap();
        assert_eq!(issues.len(), 3);
        for issue in issues {
            for key in ["description", "check_name", "fingerprint", "severity"] {
                assert!(issue[key].is_string(), "{key}");
            }
            assert!(issue["location"]["lines"]["begin"].is_u64());
            assert_eq!(issue["location"]["path"], "net/a.py");
        }
        assert_eq!(issues[1]["severity"], "major");
        assert_eq!(issues[2]["severity"], "info");
    }
}
