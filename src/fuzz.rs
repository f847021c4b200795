//! Settings shared by the property tests that fuzz the parsers: a bounded
//! number of cases so `cargo test` (and so CI) stays fast, raised for a long
//! run with `OPSGATE_FUZZ_CASES=100000 cargo test --lib fuzz`.

use proptest::test_runner::Config;

/// Cases per property in an ordinary `cargo test`.
const DEFAULT_CASES: u32 = 256;

pub(crate) fn config() -> Config {
    let cases = std::env::var("OPSGATE_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    Config {
        cases,
        // Failures found are minimised and written down as regressions.
        failure_persistence: None,
        ..Config::default()
    }
}
