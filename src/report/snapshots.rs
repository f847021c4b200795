//! Snapshots of every format rendered from one fixed run, so that any change
//! to what a report says shows up in review.

use super::{RunResult, emit, fixtures};
use crate::report::ReportFormat;

fn render(format: ReportFormat, run: &RunResult) -> String {
    let mut out = Vec::new();
    emit(format, &mut out, run).unwrap();
    anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
}

#[test]
fn every_format() {
    let run = fixtures::run();
    for format in [
        ReportFormat::Terminal,
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Sarif,
        ReportFormat::Gitlab,
        ReportFormat::Github,
    ] {
        let name = format!("{format:?}").to_lowercase();
        insta::with_settings!({
            snapshot_suffix => name,
            filters => vec![(r#"timestamp="[^"]+""#, r#"timestamp="[redacted]""#)],
        }, {
            insta::assert_snapshot!(render(format, &run));
        });
    }
}

/// The formats that show coverage, of a run that measured it.
#[test]
fn coverage() {
    let run = fixtures::covered_run();
    for format in [
        ReportFormat::Terminal,
        ReportFormat::Json,
        ReportFormat::Cobertura,
    ] {
        let name = format!("{format:?}").to_lowercase();
        insta::with_settings!({
            snapshot_suffix => name,
            filters => vec![
                (r#"timestamp="[^"]+""#, r#"timestamp="[redacted]""#),
                (r#"version="[^"]+" timestamp"#, r#"version="[redacted]" timestamp"#),
                (r"opsgate \d+\.\d+\.\d+(-[\w.]+)?", "opsgate [version]"),
            ],
        }, {
            insta::assert_snapshot!(render(format, &run));
        });
    }
    insta::assert_snapshot!(crate::report::summary_markdown(&run));
}

/// A run that measured coverage of nothing says so, not "100.0%".
#[test]
fn coverage_of_nothing() {
    let mut run = fixtures::covered_run();
    run.coverage = Some(crate::model::Coverage::default());
    let terminal = render(ReportFormat::Terminal, &run);
    assert!(
        terminal.contains("Coverage: no statements measured"),
        "{terminal}"
    );
    assert!(!terminal.contains("100.0%"), "{terminal}");
    let summary = crate::report::summary_markdown(&run);
    assert!(
        summary.contains("Coverage: no statements measured"),
        "{summary}"
    );
}
