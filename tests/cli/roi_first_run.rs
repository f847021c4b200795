//! `opsgate roi` before any audit history exists: zero hours read as "0 h",
//! never "-0 h", and the report says how to start the history.

use crate::{CliTest, all_output, exit_code};

#[test]
fn roi_without_history_shows_no_negative_zero_and_how_to_start() {
    // One tool that declares no inputs: nothing saved, nothing audited.
    let test = CliTest::empty();
    test.write("net/dns-check/dns_check.py", "X = 1\n");
    for format in ["markdown", "html"] {
        let output = test
            .command()
            .arg("roi")
            .arg(test.root())
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        let report = String::from_utf8(output.stdout).unwrap();
        assert!(report.contains("0 h"), "{format}: {report}");
        assert!(report.contains("≈ 0.0 working days"), "{format}: {report}");
        for negative in ["-0", "−0"] {
            assert!(
                !report.contains(negative),
                "{format}: `{negative}` in {report}"
            );
        }
        assert!(
            report.contains("No audit history yet"),
            "{format}: {report}"
        );
        assert!(
            report.contains("`opsgate roi --audit opsgate-audit.jsonl`"),
            "{format}: {report}"
        );
    }
}
