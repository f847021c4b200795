//! Reports: every format from one run of the `problems` fixture, validated
//! with the consumers' own schemas and parsers (`tests/fixtures/validators`),
//! and the same findings in every format.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::{
    CliTest, all_output, exit_code, fixture_path, npm_package, stderr, tools_python,
    validator_python,
};

/// One run writing every format, shared by the tests below.
struct Reports {
    _test: CliTest,
    dir: PathBuf,
    json: Value,
}

impl Reports {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

const FORMATS: [(&str, &str); 4] = [
    ("junit", "report.xml"),
    ("sarif", "report.sarif"),
    ("gitlab", "gl-code-quality.json"),
    ("github", "annotations.txt"),
];

fn reports() -> Option<&'static Reports> {
    static REPORTS: OnceLock<Option<Reports>> = OnceLock::new();
    REPORTS
        .get_or_init(|| {
            tools_python()?;
            let test = CliTest::with_fixture("problems");
            let dir = test.outside().join("reports");
            std::fs::create_dir(&dir).unwrap();
            let outputs: Vec<String> = FORMATS
                .iter()
                .map(|(format, file)| format!("{format}={}", dir.join(file).display()))
                .collect();
            let mut extra = Vec::new();
            for output in &outputs {
                extra.extend(["--output", output.as_str()]);
            }
            let (output, json) = test.check_json(&extra);
            assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
            Some(Reports {
                _test: test,
                dir,
                json,
            })
        })
        .as_ref()
}

/// Runs `validate.py KIND REPORT [SCHEMA]`; panics with its output if invalid.
pub(crate) fn validate(kind: &str, report: &Path, schema: Option<&str>) -> Option<Value> {
    let python = validator_python()?;
    let mut command = Command::new(python);
    command
        .arg(fixture_path("../validators/validate.py"))
        .arg(kind)
        .arg(report);
    if let Some(schema) = schema {
        command.arg(fixture_path("../schemas").join(schema));
    }
    let output = command.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{kind} rejects {}:\n{text}\n{}",
        report.display(),
        stderr(&output)
    );
    Some(serde_json::from_str(&text).unwrap())
}

fn findings(reports: &Reports) -> usize {
    reports.json["findings"].as_array().unwrap().len()
}

#[test]
fn sarif_passes_the_official_schema_and_the_upload_actions_schema() {
    let Some(reports) = reports() else { return };
    let sarif = reports.path("report.sarif");
    validate("sarif-schema", &sarif, Some("sarif-schema-2.1.0.json"));
    validate(
        "sarif-schema",
        &sarif,
        Some("codeql-action-sarif-schema-2.1.0.json"),
    );
}

#[test]
fn sarif_is_read_by_sarif_tools_with_every_finding() {
    let Some(reports) = reports() else { return };
    let Some(read) = validate("sarif-tools", &reports.path("report.sarif"), None) else {
        return;
    };
    assert_eq!(read["results"], findings(reports));
    assert_eq!(
        read["tools"],
        serde_json::json!(["black", "flake8", "pylint", "pytest"])
    );
}

#[test]
fn sarif_has_one_category_per_run_and_stable_fingerprints() {
    let Some(reports) = reports() else { return };
    let log: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.path("report.sarif")).unwrap())
            .unwrap();
    let runs = log["runs"].as_array().unwrap();
    let mut categories: Vec<&str> = runs
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    categories.dedup();
    assert_eq!(categories.len(), runs.len());
    let json_fingerprints: Vec<&str> = reports.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    for result in runs.iter().flat_map(|r| r["results"].as_array().unwrap()) {
        let fingerprint = result["partialFingerprints"]["opsgate/v1"]
            .as_str()
            .unwrap();
        assert!(json_fingerprints.contains(&fingerprint));
    }
    // Black's reformatting travels as a fix.
    let black = &runs[0];
    assert_eq!(black["tool"]["driver"]["name"], "black");
    assert!(
        black["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]
            ["text"]
            .is_string()
    );
}

#[test]
fn junit_passes_the_jenkins_schema_and_junitparser_reads_every_test() {
    let Some(reports) = reports() else { return };
    let junit = reports.path("report.xml");
    validate("junit-xsd", &junit, Some("junit-10.xsd"));
    let Some(read) = validate("junitparser", &junit, None) else {
        return;
    };
    let pytest = &read["suites"]["pytest"];
    // The fixture's suite: 3 passed, 1 failed, 1 errored in setup.
    assert_eq!(pytest["cases"], 5, "{read}");
    assert_eq!(pytest["failures"], 1);
    assert_eq!(pytest["errors"], 1);
    // Each linter finding is its own failing testcase, with a unique name.
    let flake8 = &read["suites"]["flake8"];
    let flake8_findings = reports.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["tool"] == "flake8")
        .count();
    assert_eq!(flake8["failures"], flake8_findings);
    let names: Vec<&str> = flake8["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len());
    assert!(names.contains(&"networking/vlan-audit/vlan_audit.py:13:1 F401"));
}

#[test]
fn gitlab_report_passes_gitlabs_schema_with_every_finding() {
    let Some(reports) = reports() else { return };
    let Some(read) = validate(
        "gitlab-schema",
        &reports.path("gl-code-quality.json"),
        Some("gitlab-codeclimate.json"),
    ) else {
        return;
    };
    assert_eq!(read["entries"], findings(reports));
    assert_eq!(read["bom"], false);
}

#[test]
fn github_annotations_cover_every_finding_or_say_how_many_more() {
    let Some(reports) = reports() else { return };
    let text = std::fs::read_to_string(reports.path("annotations.txt")).unwrap();
    let annotations = text
        .lines()
        .filter(|l| !l.starts_with("::notice title=opsgate::"))
        .count();
    let more: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("::notice title=opsgate::"))
        .map_or(0, |l| l.split(' ').next().unwrap().parse().unwrap());
    assert_eq!(annotations + more, findings(reports));
    assert!(text.contains(
        "::error file=networking/vlan-audit/vlan_audit.py,line=13,col=1,title=flake8 F401::"
    ));
}

#[test]
fn report_files_are_ordinary_files_and_no_temporary_file_is_left() {
    let Some(reports) = reports() else { return };
    let mut names: Vec<String> = std::fs::read_dir(&reports.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "annotations.txt",
            "gl-code-quality.json",
            "report.sarif",
            "report.xml"
        ]
    );
    let mode = std::fs::metadata(reports.path("report.xml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}

#[test]
fn on_github_actions_the_default_report_annotates_and_summarises() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("problems");
    let summary = test.outside().join("summary.md");
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/ops")
        .env("GITHUB_SHA", "0123abc")
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAILED"), "{stdout}");
    assert!(
        stdout.contains("\n::error file=networking/vlan-audit/vlan_audit.py,line=13"),
        "{stdout}"
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(summary.starts_with("## opsgate: ❌ failed"), "{summary}");
    assert!(summary.contains("| pytest | 9.2.0 | ok |"), "{summary}");
    assert!(
        summary.contains("Tests: 3 passed, 1 failed, 1 errors, 0 skipped"),
        "{summary}"
    );
    assert!(summary.contains(
        "(https://github.com/acme/ops/blob/0123abc/networking/vlan-audit/vlan_audit.py#L13)"
    ));
}

#[test]
fn a_skipped_test_whose_phases_each_write_output_is_read() {
    let Some(_) = tools_python() else { return };
    let test = CliTest::with_fixture("clean");
    // pytest writes a skipped test's captured output once for its setup and
    // once for its teardown: two `<system-out>` in one `<testcase>`.
    test.write(
        "networking/ping-sweep/test_platforms.py",
        "import sys\n\nimport pytest\n\n\n@pytest.mark.skipif(sys.platform != \"darwin\", \
         reason=\"macOS only\")\ndef test_on_macos():\n    print(\"macOS\")\n\n\n\
         @pytest.mark.skipif(sys.platform == \"darwin\", reason=\"not macOS\")\n\
         def test_elsewhere():\n    print(\"elsewhere\")\n",
    );
    let (output, report) = test.check_json(&[]);
    assert_ne!(exit_code(&output), 2, "{}", stderr(&output));
    let outcomes: Vec<(&str, &str)> = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["file"] == "networking/ping-sweep/test_platforms.py")
        .map(|t| (t["name"].as_str().unwrap(), t["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes.len(), 2, "{report}");
    assert!(
        outcomes.contains(&("test_elsewhere", "passed"))
            || outcomes.contains(&("test_on_macos", "passed")),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|(_, outcome)| *outcome == "skipped"),
        "{outcomes:?}"
    );
}

#[test]
fn an_output_into_a_missing_folder_exits_2_before_any_tool_runs() {
    let test = CliTest::with_fixture("clean");
    let output = test.check(&["--output", "sarif=no/such/folder/out.sarif"]);
    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("the folder `no/such/folder` does not exist"));
}

#[test]
fn a_malformed_output_argument_names_the_accepted_formats() {
    let test = CliTest::empty();
    for (argument, expected) in [
        ("sarif", "expected FMT=FILE"),
        (
            "xml=out.xml",
            "unknown format `xml`; expected one of terminal, json, junit, sarif, gitlab, github",
        ),
    ] {
        let output = test.check(&["--output", argument]);
        assert_eq!(exit_code(&output), 2);
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    }
}

/// npm's `jsonschema` 1.5.0, the library GitHub's upload action validates with.
fn github_validator() -> Option<PathBuf> {
    static MODULES: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODULES
        .get_or_init(|| {
            npm_package(
                "github-upload-check-v1",
                &["jsonschema@1.5.0"],
                "jsonschema/package.json",
            )
        })
        .clone()
}

#[test]
fn sarif_passes_the_upload_actions_own_validation() {
    let Some(reports) = reports() else { return };
    let Some(package) = github_validator() else {
        return;
    };
    // `node_modules/jsonschema/package.json` -> `node_modules`.
    let modules = package.parent().unwrap().parent().unwrap();
    let output = Command::new("node")
        .arg(fixture_path("../validators/github-upload-check.js"))
        .arg(modules)
        .arg(reports.path("report.sarif"))
        .arg(fixture_path(
            "../schemas/codeql-action-sarif-schema-2.1.0.json",
        ))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", all_output(&output));
}

/// Microsoft's SARIF multitool, whose `validate` applies the SARIF and
/// GitHub rule sets (`--rule-kind "Gh;Sarif"`).
fn sarif_multitool() -> Option<PathBuf> {
    static TOOL: OnceLock<Option<PathBuf>> = OnceLock::new();
    TOOL.get_or_init(|| {
        let binary = npm_package(
            "sarif-multitool-v5.7.0",
            &["@microsoft/sarif-multitool@5.7.0"],
            "@microsoft/sarif-multitool-linux/Sarif.Multitool",
        )?;
        // npm 11 skips the package's postinstall, which would make it executable.
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(binary)
    })
    .clone()
}

/// What the multitool's `validate` reports (SARIF and GitHub rules, errors
/// and warnings), one message per problem.
fn multitool_problems(sarif: &Path, scratch: &Path) -> Option<Vec<String>> {
    let multitool = sarif_multitool()?;
    let out = scratch.join("multitool.sarif");
    let status = Command::new(multitool)
        .arg("validate")
        .arg(sarif)
        .args(["--rule-kind", "Gh;Sarif", "--level", "Error;Warning", "-o"])
        .arg(&out)
        .args(["--log", "ForceOverwrite"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", stderr(&status));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    Some(
        log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|run| run["results"].as_array().into_iter().flatten())
            .map(|r| r["message"].to_string())
            .collect(),
    )
}

#[test]
fn sarif_passes_the_sarif_multitool_with_github_rules() {
    let Some(reports) = reports() else { return };
    let scratch = reports.dir.parent().unwrap();
    let Some(problems) = multitool_problems(&reports.path("report.sarif"), scratch) else {
        return;
    };
    assert!(problems.is_empty(), "{problems:#?}");
}

/// SARIF of `opsgate check` on `fixture`: it passes the official schema, and
/// the run of `driver` is returned with the multitool's problems but the
/// missing home page of opsgate's own run (`None` where the multitool
/// cannot run outside CI).
fn sarif_run_of(fixture: &str, driver: &str) -> (Value, Option<Vec<String>>) {
    let test = CliTest::with_fixture(fixture);
    let sarif = test.outside().join("report.sarif");
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    validate("sarif-schema", &sarif, Some("sarif-schema-2.1.0.json"));
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let run = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["tool"]["driver"]["name"] == driver)
        .unwrap_or_else(|| panic!("a run for {driver}"))
        .clone();
    // opsgate has no public home page yet to name as its informationUri.
    let problems = multitool_problems(&sarif, &test.outside()).map(|problems| {
        problems
            .into_iter()
            .filter(|m| !m.contains("Warning_ProvideToolnformationUri"))
            .collect()
    });
    (run, problems)
}

#[test]
fn sarif_of_the_built_in_rules_passes_the_schema_and_the_multitool() {
    let Some(_) = tools_python() else { return };
    let (opsgate, problems) = sarif_run_of("rules-planted", "opsgate");
    assert!(opsgate["results"].as_array().unwrap().len() >= 10);
    if let Some(problems) = problems {
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn sarif_of_a_ruff_run_passes_the_schema_and_the_multitool_with_rule_help_links() {
    let Some(_) = tools_python() else { return };
    for (driver, rule, help) in [
        (
            "ruff",
            "S113",
            "https://docs.astral.sh/ruff/rules/request-without-timeout",
        ),
        (
            "ruff-format",
            "would-reformat",
            "https://docs.astral.sh/ruff/formatter/",
        ),
    ] {
        let (run, problems) = sarif_run_of("ruff-planted", driver);
        assert!(!run["results"].as_array().unwrap().is_empty());
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let described = rules.iter().find(|r| r["id"] == rule).unwrap();
        assert_eq!(described["helpUri"], help, "{described}");
        if let Some(problems) = problems {
            assert!(problems.is_empty(), "{problems:#?}");
        }
    }
}

#[test]
fn sarif_of_mypy_passes_the_schema_and_the_multitool_with_help_links() {
    let Some(_) = crate::mypy::mypy_python() else {
        return;
    };
    let test = CliTest::with_fixture("mypy");
    let sarif = test.outside().join("mypy.sarif");
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    validate("sarif-schema", &sarif, Some("sarif-schema-2.1.0.json"));
    validate(
        "sarif-schema",
        &sarif,
        Some("codeql-action-sarif-schema-2.1.0.json"),
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let mypy = log["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["tool"]["driver"]["name"] == "mypy")
        .expect("a run for mypy");
    assert_eq!(mypy["tool"]["driver"]["version"], "2.4.1");
    let rules = mypy["tool"]["driver"]["rules"].as_array().unwrap();
    let arg_type = rules
        .iter()
        .find(|rule| rule["id"] == "arg-type")
        .expect("arg-type among the rules");
    assert_eq!(
        arg_type["helpUri"],
        "https://mypy.readthedocs.io/en/stable/error_code_list.html#code-arg-type"
    );
    assert!(
        rules.iter().all(|rule| rule["helpUri"].is_string()),
        "{rules:#?}"
    );
    assert_eq!(mypy["results"].as_array().unwrap().len(), 4);
    let Some(problems) = multitool_problems(&sarif, &test.outside()) else {
        return;
    };
    // opsgate has no public home page yet to name as its informationUri.
    let problems: Vec<&String> = problems
        .iter()
        .filter(|m| !m.contains("Warning_ProvideToolnformationUri"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_json_report_on_stdout_keeps_a_control_character_escaped() {
    let test = CliTest::empty();
    test.write("opsgate.toml", crate::audit::RULES_ONLY);
    // A tool folder with a terminal colour code in its name, which the
    // findings about it quote.
    test.write("networking/red\u{1b}[31mtool/run.py", "\"\"\"Tool.\"\"\"\n");
    for format in ["json", "sarif", "gitlab"] {
        let output = test
            .command()
            .args(["check", "--format", format])
            .arg(test.root())
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 1, "{format}: {}", all_output(&output));
        assert!(!output.stdout.contains(&0x1b), "{format}: a raw escape");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            report.to_string().contains("red\\u001b[31mtool"),
            "{format}: {report}"
        );
    }
}

#[test]
fn sarif_of_bandit_and_shellcheck_passes_the_schema_with_rule_pages() {
    let test = CliTest::with_fixture("security");
    let sarif = test.outside().join("security.sarif");
    let output = test
        .command()
        .arg("check")
        .arg(test.root())
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .unwrap();
    match exit_code(&output) {
        1 => {}
        _ if !crate::in_ci() && !sarif.exists() => return,
        code => panic!("exit {code}: {}", stderr(&output)),
    }
    validate("sarif-schema", &sarif, Some("sarif-schema-2.1.0.json"));
    validate(
        "sarif-schema",
        &sarif,
        Some("codeql-action-sarif-schema-2.1.0.json"),
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    for (tool, home, page) in [
        (
            "bandit",
            "https://bandit.readthedocs.io/",
            "https://bandit.readthedocs.io/en/1.9.4/plugins/b113_request_without_timeout.html",
        ),
        (
            "shellcheck",
            "https://www.shellcheck.net/",
            "https://www.shellcheck.net/wiki/SC2086",
        ),
    ] {
        let run = log["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|run| run["tool"]["driver"]["name"] == tool)
            .unwrap_or_else(|| panic!("a run for {tool}"));
        assert_eq!(run["tool"]["driver"]["informationUri"], home);
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(
            rules.iter().any(|rule| rule["helpUri"] == page),
            "{tool}: {rules:#?}"
        );
    }
    let Some(problems) = multitool_problems(&sarif, &test.outside()) else {
        return;
    };
    // The built-in rules' run: opsgate has no public home page yet.
    let problems: Vec<&String> = problems
        .iter()
        .filter(|m| !m.contains("Warning_ProvideToolnformationUri"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
