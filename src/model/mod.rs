//! The words every stage shares — who reported a finding, how much it
//! matters, the finding and test records, the repository's layout, a rule's
//! level — at the bottom of the house: nothing here imports a stage.

mod coverage;
mod finding;
mod layout;
mod rule_level;
mod severity;
mod test_result;
mod tool;

#[allow(unused_imports)] // taken up by the runner, judge and reports
pub(crate) use coverage::{Coverage, Figure, FileCoverage, MATURITIES, MinCoverage, ranges};
pub(crate) use finding::{BaselineState, Finding, Span, sort_findings};
pub(crate) use layout::Layout;
pub(crate) use rule_level::RuleLevel;
pub use severity::Severity;
pub(crate) use test_result::{TestOutcome, TestResult};
pub(crate) use tool::{Planning, Role, ToolId, ToolKind, ToolSpec};
