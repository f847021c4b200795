//! A module imported by a string (`importlib.import_module("opslib.net")`)
//! is in the key of the tests that import it: after it changes, the cached
//! run reports what an uncached one does.

use serde_json::Value;

use crate::cache::{private_cache, run, tool};
use crate::{CliTest, tools_python};

const LIBRARY: &str =
    "\"\"\"Ports.\"\"\"\n\n\ndef port():\n    \"\"\"The database port.\"\"\"\n    return 5432\n";
const TEST: &str = "\"\"\"Tests.\"\"\"\n\nimport importlib\n\n\ndef test_port():\n    \"\"\"The library gives the database port.\"\"\"\n    net = importlib.import_module(\"opslib.net\")\n    assert net.port() == 5432\n";

#[test]
fn a_change_to_a_module_imported_by_a_string_fails_the_cached_run_like_an_uncached_one() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::empty();
    test.write("lib/opslib/__init__.py", "\"\"\"Shared.\"\"\"\n");
    test.write("lib/opslib/net.py", LIBRARY);
    test.write("networking/dns-check/test_dns_check.py", TEST);
    let cache = private_cache(&test);
    let outcome = |report: &Value| report["tests"][0]["outcome"].clone();
    let cold = run(&test, &cache, &[]);
    assert_eq!(outcome(&cold), "passed", "{cold}");
    let warm = run(&test, &cache, &[]);
    assert_eq!(tool(&warm, "pytest")["processes"], 0, "{warm}");

    test.write("lib/opslib/net.py", &LIBRARY.replace("5432", "5433"));
    let cached = run(&test, &cache, &[]);
    assert_eq!(outcome(&cached), "failed", "{cached}");
    assert_eq!(tool(&cached, "pytest")["processes"], 1, "{cached}");
    let uncached = run(&test, &cache, &["--no-cache"]);
    assert_eq!(reported(&cached), reported(&uncached));
}

/// The verdict, the findings and each test's outcome (a failure's details
/// hold addresses that differ from one run to the next).
fn reported(report: &Value) -> (Value, Value, Vec<(Value, Value)>) {
    let tests = report["tests"].as_array().unwrap();
    let outcomes = tests
        .iter()
        .map(|t| (t["name"].clone(), t["outcome"].clone()))
        .collect();
    (
        report["verdict"].clone(),
        report["findings"].clone(),
        outcomes,
    )
}
