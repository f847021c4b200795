//! The judgement of a run. An error (a check that could not run) wins over a
//! failure, which wins over a pass: the gate fails closed.

use serde::{Deserialize, Serialize};

use crate::model::{Finding, Severity};
use crate::runners::ToolRun;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    Passed,
    Failed,
    Error,
}

pub(crate) fn judge(findings: &[Finding], tools: &[ToolRun], fail_on: Severity) -> Verdict {
    if tools.iter().any(|t| t.status.is_error()) {
        Verdict::Error
    } else if findings.iter().any(|f| f.fails(fail_on)) {
        Verdict::Failed
    } else {
        Verdict::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Span, ToolKind};
    use crate::runners::ToolStatus;

    fn tool(status: ToolStatus) -> ToolRun {
        ToolRun {
            status,
            ..crate::report::fixtures::tool("pylint", 0)
        }
    }

    fn finding(severity: Severity) -> Finding {
        Finding::new(
            ToolKind::Pylint,
            "W0702",
            severity,
            "a.py",
            Span::at(1, None),
            "m",
        )
    }

    #[test]
    fn threshold_decides_between_pass_and_fail() {
        let ok = [tool(ToolStatus::Ok)];
        let notes = [finding(Severity::Note)];
        assert_eq!(judge(&notes, &ok, Severity::Warning), Verdict::Passed);
        assert_eq!(judge(&notes, &ok, Severity::Note), Verdict::Failed);
        assert_eq!(judge(&[], &ok, Severity::Note), Verdict::Passed);
    }

    #[test]
    fn a_findings_own_threshold_wins_over_the_runs() {
        let ok = [tool(ToolStatus::Ok)];
        let mut legacy = finding(Severity::Warning);
        legacy.fail_on = Some(Severity::Error);
        assert_eq!(
            judge(&[legacy.clone()], &ok, Severity::Warning),
            Verdict::Passed
        );
        legacy.fail_on = Some(Severity::Note);
        assert_eq!(judge(&[legacy], &ok, Severity::Error), Verdict::Failed);
    }

    #[test]
    fn a_tool_that_did_not_run_is_an_error_whatever_the_findings() {
        for status in [
            ToolStatus::Failed,
            ToolStatus::TimedOut,
            ToolStatus::NotInstalled,
        ] {
            let tools = [tool(ToolStatus::Ok), tool(status)];
            assert_eq!(judge(&[], &tools, Severity::Error), Verdict::Error);
            let errors = [finding(Severity::Error)];
            assert_eq!(judge(&errors, &tools, Severity::Error), Verdict::Error);
        }
    }

    #[test]
    fn skipped_and_disabled_tools_do_not_block() {
        let tools = [tool(ToolStatus::Skipped), tool(ToolStatus::Disabled)];
        assert_eq!(judge(&[], &tools, Severity::Note), Verdict::Passed);
    }
}
