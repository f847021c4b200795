//! Bounded resources: a test that prints without end, or whose captured
//! output makes pytest's report huge, is exit 2 naming pytest, and opsgate's
//! own memory stays bounded however much the tool prints.

use crate::{CliTest, exit_code, stderr, tools_python};

/// Only pytest runs: the others have nothing to do with the flood.
const PYTEST_ONLY: &str = "[tools.black]\nenabled = false\n[tools.flake8]\nenabled = false\n\
    [tools.pylint]\nenabled = false\n";

const MODULE: &str =
    "\"\"\"Floods.\"\"\"\n\n\ndef value():\n    \"\"\"Return one.\"\"\"\n    return 1\n";

/// The output cap per stream and per report file, in MiB (src/process).
const CAP_MIB: f64 = 64.0;

/// A repository whose one test is `body`.
fn repository(body: &str) -> CliTest {
    let test = CliTest::empty();
    test.write("opsgate.toml", PYTEST_ONLY);
    test.write("networking/flood/flood.py", MODULE);
    test.write(
        "networking/flood/test_flood.py",
        &format!("\"\"\"Floods.\"\"\"\n\nimport subprocess\nimport sys\n\nfrom flood import value\n\n\n{body}"),
    );
    test
}

/// Runs `check` with timings on; (exit code, stderr, opsgate's own peak MiB).
fn check(test: &CliTest) -> (i32, String, f64) {
    let output = test
        .command()
        .env("OPSGATE_TIMINGS", "1")
        .arg("check")
        .arg(test.root())
        .output()
        .unwrap();
    let err = stderr(&output);
    let peak = err
        .lines()
        .find_map(|line| line.strip_prefix("opsgate: memory: peak "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|mib| mib.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line:\n{err}"));
    (exit_code(&output), err, peak)
}

#[test]
fn a_test_printing_without_end_is_exit_2_and_opsgate_keeps_only_the_cap() {
    if tools_python().is_none() {
        return;
    }
    // Past pytest's capture, `yes` writes to opsgate's pipe until cut off.
    let test = repository(
        "def test_floods(capfd):\n    \"\"\"Prints without end.\"\"\"\n    \
         with capfd.disabled():\n        subprocess.run([\"yes\", \"opsgate\"], check=False)\n    \
         assert value() == 1\n",
    );
    let (code, err, peak) = check(&test);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("opsgate: error: pytest printed more than 64 MiB on stdout"),
        "{err}"
    );
    // The cap, and what a run of a tiny repository needs besides.
    assert!(
        peak < CAP_MIB + 64.0,
        "opsgate's own peak was {peak} MiB:\n{err}"
    );
}

#[test]
fn a_report_made_huge_by_captured_output_is_refused_unread() {
    if tools_python().is_none() {
        return;
    }
    // Captured, so it goes into pytest's JUnit report (`junit_logging=all`).
    let test = repository(
        "def test_prints_a_lot():\n    \"\"\"Prints 80 MiB and passes.\"\"\"\n    \
         sys.stdout.write(\"x\" * (80 << 20))\n    assert value() == 1\n",
    );
    let (code, err, peak) = check(&test);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("it wrote more than 64 MiB into its JUnit report"),
        "{err}"
    );
    assert!(err.contains("pytest failed"), "{err}");
    // Refused from its size: not read at all.
    assert!(peak < CAP_MIB, "opsgate's own peak was {peak} MiB:\n{err}");
}
