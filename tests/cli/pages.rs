//! The HTML pages (`opsgate roi --format html`, `check --output html=FILE`)
//! opened in headless Chromium, the way a person opens the file: no console
//! error, no request beyond the file itself, the expected figures on the
//! rendered page, and a screenshot under `target/screenshots/` to look at.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::audit::{RULES_ONLY, known_roi, roi};
use crate::{CliTest, all_output, exit_code, in_ci, npm_package, tools_python};

const CHROMIUM: &str = "/usr/bin/chromium";

/// `node_modules` holding playwright-core; `None` (skip) only outside CI.
fn playwright() -> Option<PathBuf> {
    static MODULES: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODULES
        .get_or_init(|| {
            if !Path::new(CHROMIUM).exists() {
                assert!(
                    !in_ci(),
                    "CI=true and {CHROMIUM} is missing (apt-get install chromium)"
                );
                return None;
            }
            let package = npm_package(
                "playwright-core-v1.65.1",
                &["playwright-core@1.65.1"],
                "playwright-core/package.json",
            )?;
            // `node_modules/playwright-core/package.json` -> `node_modules`.
            Some(package.parent()?.parent()?.to_path_buf())
        })
        .clone()
}

fn screenshot(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    folder.join(name)
}

/// Renders `page`, saves the screenshot, and checks what every page must
/// satisfy; returns what the driver saw.
fn render(page: &Path, shot: &str, filter: Option<&str>) -> Option<Value> {
    let modules = playwright()?;
    let shot = screenshot(shot);
    let output = Command::new("node")
        .arg(crate::fixture_path("../validators/render-page.js"))
        .arg(modules)
        .arg(page)
        .arg(&shot)
        .args(filter)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", all_output(&output));
    let seen: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["requests"], serde_json::json!([]), "{seen}");
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "{}",
        shot.display()
    );
    Some(seen)
}

fn text(seen: &Value) -> &str {
    seen["text"].as_str().unwrap()
}

#[test]
fn the_roi_page_shows_the_hand_worked_figures() {
    let test = known_roi();
    let page = test.outside().join("roi.html");
    let output = roi(
        &test,
        &["--format", "html", "--output", page.to_str().unwrap()],
    );
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    let Some(seen) = render(&page, "roi-known.png", None) else {
        return;
    };
    let rendered = text(&seen);
    for expected in [
        "11.6 h",
        "2 of 3 tools declare inputs",
        "4 → 3",
        "−25% since the week of 2026-11-02",
        "1 d 2 h",
        "2 incidents resolved, 0 open",
        "33%",
        "README 67% · two owners 33% · tests 67% · pinned 100%",
        "net/dns-check\t30\t20\t60 s\t9.7 h",
        "≥ 30 s (tests)",
    ] {
        assert!(
            rendered.contains(expected),
            "missing `{expected}` in\n{rendered}"
        );
    }
    // Hours per tool, findings, gate runs, standards.
    assert_eq!(seen["svgs"], 4);
}

#[test]
fn the_example_roi_page_agrees_with_its_markdown() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let test = CliTest::with_fixture("example");
    let run = |extra: &[&str]| {
        let output = test
            .command()
            .arg("roi")
            .arg(test.root())
            .arg("--audit")
            .arg(example.join("audit/main.jsonl"))
            .arg(example.join("audit/pull-requests.jsonl"))
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let markdown = run(&[]);
    let page = test.outside().join("roi.html");
    let title = "Network & database automation: ROI";
    run(&[
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
        "--title",
        title,
    ]);
    let Some(seen) = render(&page, "roi-example.png", None) else {
        return;
    };
    assert_eq!(seen["title"], title);
    // The total of hours and the MTTR, as the Markdown states them.
    let figure = |prefix: &str| {
        let line = markdown
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` in\n{markdown}"));
        line.split(" | ").nth(1).unwrap().to_owned()
    };
    let hours = figure("| Engineering hours saved");
    let hours = hours.split("**").nth(1).unwrap();
    let mttr = figure("| Mean time to resolve");
    let mttr = mttr.split(" over ").next().unwrap();
    for expected in [hours, mttr] {
        assert!(
            text(&seen).contains(expected),
            "missing `{expected}` in\n{}",
            text(&seen)
        );
    }
}

#[test]
fn the_check_page_lists_every_finding_and_filters_them() {
    if tools_python().is_none() {
        return;
    }
    let test = CliTest::with_fixture("problems");
    let page = test.outside().join("findings.html");
    let output = test.check(&[
        "--format",
        "json",
        "--output",
        &format!("html={}", page.display()),
    ]);
    assert_eq!(exit_code(&output), 1, "{}", all_output(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    let Some(seen) = render(&page, "check-report.png", Some("severity=error")) else {
        return;
    };
    let rendered = text(&seen);
    assert!(
        rendered.contains(&format!("{} findings", findings.len())),
        "{rendered}"
    );
    for finding in findings {
        let message = finding["message"].as_str().unwrap().lines().next().unwrap();
        assert!(rendered.contains(message.trim()), "missing `{message}`");
    }
    assert_eq!(seen["shown"], errors);
    assert_eq!(seen["visibleRows"], errors);
}

#[test]
fn a_clean_check_page_says_so_and_counts_nothing() {
    let test = CliTest::with_fixture("clean");
    test.write("opsgate.toml", RULES_ONLY);
    let page = test.outside().join("clean.html");
    let output = test.check(&["--format", "html"]);
    assert_eq!(exit_code(&output), 0, "{}", all_output(&output));
    std::fs::write(&page, &output.stdout).unwrap();
    let Some(seen) = render(&page, "check-clean.png", None) else {
        return;
    };
    let rendered = text(&seen);
    assert!(rendered.contains("gate passed"), "{rendered}");
    assert!(rendered.contains("0 of 0 shown"), "{rendered}");
    assert!(rendered.contains("No findings: every check came back clean."));
}
