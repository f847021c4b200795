//! Without a Flake8 configuration, the gate runs Flake8 with Black's
//! settings (line length 88; E203, E701, E704 ignored), so a file Black
//! formatted passes Flake8; the repository's own configuration still wins.
//! Each case is compared with Flake8 run directly with the same settings.

use std::collections::BTreeSet;

use crate::tools::direct;
use crate::{CliTest, exit_code, findings_of, stderr, tools_python};

const FILE: &str = "networking/ping-sweep/slices.py";

/// Black's own output: an 85-column line, and a slice spaced as Black spaces it.
const SOURCE: &str = "\"\"\"Slices.\"\"\"\n\n\
    HOSTS = [\"edge-router-01.example.net\", \"core-switch-02.example.net\", \"fw-03.example\"]\n\n\n\
    def window(items, lower, offset):\n    \
        \"\"\"Return a window.\"\"\"\n    \
        return items[lower + offset : lower + offset + 2]\n";

/// `line:code` of the gate's Flake8 findings in FILE.
fn gate(test: &CliTest) -> BTreeSet<String> {
    let (output, report) = test.check_json(&["--fail-on", "error"]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    findings_of(&report, "flake8")
        .iter()
        .filter(|f| f["path"] == FILE)
        .map(|f| format!("{}:{}", f["line"], f["rule"].as_str().unwrap()))
        .collect()
}

/// `line:code` of Flake8 run directly on FILE with `settings`.
fn flake8(test: &CliTest, python: &std::path::Path, settings: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["flake8", "--format=%(row)d:%(code)s"];
    args.extend_from_slice(settings);
    args.push(FILE);
    let output = direct(python, &test.root(), &args);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn black_formatted_code_passes_flake8_without_a_configuration() {
    let Some(python) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    test.write(FILE, SOURCE);
    assert_eq!(
        SOURCE.lines().nth(2).map(str::len),
        Some(85),
        "the long line"
    );
    // What Black makes of the file is the file itself.
    let black = direct(&python, &test.root(), &["black", "--check", FILE]);
    assert_eq!(black.status.code(), Some(0), "{}", stderr(&black));

    // Flake8's own defaults disagree with Black on both lines.
    let own = flake8(&test, &python, &[]);
    assert_eq!(own, BTreeSet::from(["3:E501".into(), "8:E203".into()]));
    // The gate gives Flake8 Black's settings: nothing to report, as a
    // direct run with those settings finds.
    let black_settings = ["--max-line-length=88", "--extend-ignore=E203,E701,E704"];
    assert_eq!(flake8(&test, &python, &black_settings), BTreeSet::new());
    assert_eq!(gate(&test), BTreeSet::new());
}

#[test]
fn the_repositorys_own_flake8_configuration_wins() {
    let Some(python) = tools_python() else { return };
    for (file, text) in [
        (".flake8", "[flake8]\nmax-line-length = 79\n"),
        (
            "setup.cfg",
            "[metadata]\nname = ops\n\n[flake8]\nmax-line-length = 79\n",
        ),
        (
            "tox.ini",
            "[tox]\nenvlist = py3\n\n[flake8]\nmax-line-length = 79\n",
        ),
    ] {
        let test = CliTest::with_fixture("clean");
        test.write(FILE, SOURCE);
        test.write(file, text);
        // Flake8 reads the file itself: a direct run with no options.
        let expected = flake8(&test, &python, &[]);
        assert_eq!(
            expected,
            BTreeSet::from(["3:E501".into(), "8:E203".into()]),
            "{file}"
        );
        assert_eq!(gate(&test), expected, "{file}");
    }
}
