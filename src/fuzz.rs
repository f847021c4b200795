//! Settings shared by the property tests that fuzz the parsers: a bounded
//! number of cases so `cargo test` (and so CI) stays fast, raised for a long
//! run with `OPSGATE_FUZZ_CASES=100000 cargo test --lib fuzz`.

use proptest::test_runner::{Config, FailurePersistence, FileFailurePersistence};

/// Cases per property in an ordinary `cargo test`.
const DEFAULT_CASES: u32 = 256;

pub(crate) fn config() -> Config {
    let cases = std::env::var("OPSGATE_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    Config {
        cases,
        failure_persistence: regressions(),
        ..Config::default()
    }
}

/// With `OPSGATE_FUZZ_REGRESSIONS=FILE` (the scheduled fuzzing job), the
/// seed of every minimised failure is written to FILE, and the seeds already
/// there are tried first: a failure found is kept and replayed. Otherwise
/// nothing is written beside the sources.
fn regressions() -> Option<Box<dyn FailurePersistence>> {
    let file = std::env::var("OPSGATE_FUZZ_REGRESSIONS").ok()?;
    // proptest keeps the path for the whole run; this is a test process.
    let file: &'static str = Box::leak(file.into_boxed_str());
    Some(Box::new(FileFailurePersistence::Direct(file)))
}
