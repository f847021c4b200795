//! What the runners' unit tests share: a repository in a temporary folder,
//! a context to interpret output in, a finished process's output.

use super::*;
use crate::config::SeverityMap;

/// How many testcases a `JUnit` document holds, read with pytest's parser.
pub(crate) fn parse_junit_cases(xml: &str) -> Result<usize, quick_xml::DeError> {
    pytest::parse_junit(xml).map(|cases| cases.len())
}

/// A repository in a temporary folder and a context to interpret output in.
pub(crate) struct TestRepo {
    pub(crate) dir: tempfile::TempDir,
    repo: Repo,
    severity: SeverityMap,
}

impl TestRepo {
    /// Discovers `dir` as it is (the caller wrote its files).
    pub(crate) fn discover(dir: tempfile::TempDir) -> TestRepo {
        let layout = crate::model::Layout {
            libraries: Vec::new(),
            not_domains: Vec::new(),
        };
        let repo = Repo::discover(dir.path(), &layout, 1);
        TestRepo {
            dir,
            repo,
            severity: SeverityMap::uniform(crate::model::Severity::Error),
        }
    }

    pub(crate) fn ctx(&self) -> RunContext<'_> {
        RunContext {
            repo: &self.repo,
            whole: &self.repo,
            jobs: 1,
            forks: 1,
            pass: Pass::All,
            severity: &self.severity,
            scratch: self.dir.path(),
            pairs_in: None,
            keeps: false,
            coverage: false,
            sysmon: false,
        }
    }
}

/// A finished process's output, as a tool would leave it.
pub(crate) fn test_output(code: i32, stdout: &[u8], stderr: &[u8]) -> ProcessOutput {
    ProcessOutput {
        code: Some(code),
        signal: None,
        stdout: stdout.to_vec(),
        stderr: stderr.to_vec(),
        duration: Duration::ZERO,
    }
}
