//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF
//! readers. One run per tool, each with its own `automationDetails.id`
//! (code scanning rejects two runs of one category in an upload), the rules
//! that fired, results with repository-relative locations under
//! `%SRCROOT%`, fingerprints that survive line shifts, the tool's exit status
//! as an invocation, and Black's reformatting as a fix. Output is the same
//! bytes for the same run: no timestamps, no absolute paths.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
mod log;

use log::{
    ArtifactChange, ArtifactLocation, AutomationDetails, Configuration, Driver, Fix, Help,
    Invocation, Location, Log, Notification, PhysicalLocation, Region, Replacement, Rule, Run,
    SarifResult, Text, Tool,
};

use super::sarif_fix;
use super::{Emitter, RunResult};
use crate::model::{BaselineState, Finding, Severity, ToolId};
use crate::rules;
use crate::runners::{ToolRun, ToolStatus};

pub(crate) struct Sarif;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// GitHub code scanning keeps at most this many results per run.
const MAX_RESULTS_PER_RUN: usize = 25_000;
const FINGERPRINT_KEY: &str = "opsgate/v1";

impl Emitter for Sarif {
    fn emit(&self, out: &mut dyn Write, run: &RunResult) -> Result<()> {
        let mut names: Vec<ToolId> = run
            .tools
            .iter()
            .filter(|t| t.status != ToolStatus::Disabled)
            .map(|t| ToolId::Tool(t.name))
            .collect();
        for finding in &run.findings {
            if !names.contains(&finding.tool) {
                names.push(finding.tool);
            }
        }
        let runs = names
            .into_iter()
            .map(|name| {
                let record = run.tools.iter().find(|t| ToolId::Tool(t.name) == name);
                let findings: Vec<&Finding> =
                    run.findings.iter().filter(|f| f.tool == name).collect();
                sarif_run(run, name, record, findings)
            })
            .collect();
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs,
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)?;
        Ok(())
    }
}

fn sarif_run<'a>(
    run: &'a RunResult,
    tool: ToolId,
    record: Option<&'a ToolRun>,
    mut findings: Vec<&'a Finding>,
) -> Run<'a> {
    let mut notifications = Vec::new();
    if findings.len() > MAX_RESULTS_PER_RUN {
        // Keep the most severe; the order within a severity stays stable.
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        notifications.push(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{} of {} results omitted: GitHub code scanning accepts {MAX_RESULTS_PER_RUN} \
                     per run; the most severe are kept",
                    findings.len() - MAX_RESULTS_PER_RUN,
                    findings.len()
                ),
            },
        });
        findings.truncate(MAX_RESULTS_PER_RUN);
    }
    if let Some(error) = record.and_then(|r| r.error.as_deref()) {
        notifications.push(Notification {
            level: "error",
            message: Text {
                text: error.to_owned(),
            },
        });
    }

    let mut rules: Vec<Rule> = Vec::new();
    let mut index_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut results = Vec::with_capacity(findings.len());
    for finding in findings {
        let rule_index = *index_of.entry(&finding.rule).or_insert_with(|| {
            rules.push(rule(finding));
            rules.len() - 1
        });
        results.push(result(run, finding, rule_index));
    }
    // The built-in rules are opsgate itself.
    let version = record
        .and_then(|r| r.version.as_deref())
        .or(tool.is_builtin().then_some(env!("CARGO_PKG_VERSION")));
    Run {
        tool: Tool {
            driver: Driver {
                name: tool.as_str(),
                version,
                semantic_version: version.filter(|v| is_semver(v)),
                information_uri: information_uri(tool),
                rules,
            },
        },
        automation_details: AutomationDetails {
            id: format!("{}/{tool}/", run.ci.sarif_category),
        },
        invocations: vec![Invocation {
            execution_successful: record.is_none_or(|r| !r.status.is_error()),
            exit_code: record.and_then(|r| r.exit_code),
            tool_execution_notifications: notifications,
        }],
        results,
    }
}

fn rule(finding: &Finding) -> Rule {
    if finding.tool.is_builtin()
        && let Some(builtin) = rules::find(&finding.rule)
    {
        return builtin_rule(builtin, finding);
    }
    let summary = first_line(&finding.message);
    let full = format!("{} {}: {summary}", finding.tool, finding.rule);
    let help = match &finding.help_url {
        Some(url) => Help {
            text: format!("{full}. Documentation: {url}"),
            markdown: format!("{full}. [Documentation]({url})"),
        },
        None => Help {
            text: full.clone(),
            markdown: full.clone(),
        },
    };
    Rule {
        id: finding.rule.clone(),
        // A readable name, never the id itself (SARIF 3.49.7).
        name: finding
            .rule_name
            .clone()
            .filter(|name| *name != finding.rule)
            .unwrap_or_else(|| format!("{}-{}", finding.tool, finding.rule).to_lowercase()),
        short_description: Text { text: summary },
        full_description: Text { text: full },
        help,
        help_uri: finding.help_url.clone(),
        default_configuration: Configuration {
            level: level(finding.severity),
        },
    }
}

/// A built-in rule is described by the registry: its name, summary and docs.
fn builtin_rule(builtin: &dyn rules::Rule, finding: &Finding) -> Rule {
    Rule {
        id: builtin.id().to_owned(),
        name: builtin.name().to_owned(),
        short_description: Text {
            text: builtin.summary().to_owned(),
        },
        full_description: Text {
            text: format!("{} {}: {}", builtin.id(), builtin.name(), builtin.summary()),
        },
        help: Help {
            text: builtin.docs().to_owned(),
            markdown: builtin.docs().to_owned(),
        },
        help_uri: finding.help_url.clone(),
        default_configuration: Configuration {
            level: level(finding.severity),
        },
    }
}

fn result<'a>(run: &RunResult, finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    let artifact = ArtifactLocation {
        uri: if finding.path.is_empty() {
            ".".to_owned()
        } else {
            run.platform_path(&finding.path)
        },
        uri_base_id: "%SRCROOT%",
    };
    // Whole-file findings point at the first line: code scanning places
    // annotations by region and warns about results without one.
    let region = Some(match finding.span.line {
        Some(start_line) => Region {
            start_line,
            start_column: finding.span.column,
            end_line: finding.span.end_line,
            end_column: finding.span.end_column,
        },
        None => Region {
            start_line: 1,
            start_column: None,
            end_line: None,
            end_column: None,
        },
    });
    let fixes = finding
        .fix
        .as_deref()
        .and_then(sarif_fix::replacements)
        .filter(|r| !r.is_empty())
        .map(|replacements| Fix {
            description: Text {
                text: format!("Reformat with {}", finding.tool),
            },
            artifact_changes: vec![ArtifactChange {
                artifact_location: artifact.clone(),
                replacements: replacements.into_iter().map(replacement).collect(),
            }],
        })
        .into_iter()
        .collect();
    SarifResult {
        rule_id: &finding.rule,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: finding.message.clone(),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region,
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, finding.fingerprint.as_str())]),
        baseline_state: finding.baseline_state.map(BaselineState::as_str),
        fixes,
    }
}

fn replacement(replacement: sarif_fix::Replacement) -> Replacement {
    let line = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Replacement {
        deleted_region: Region {
            start_line: line(replacement.start_line),
            start_column: Some(1),
            end_line: Some(line(replacement.end_line)),
            end_column: Some(1),
        },
        inserted_content: Text {
            text: replacement.text,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn information_uri(tool: ToolId) -> Option<&'static str> {
    match tool {
        ToolId::Tool(kind) => Some(crate::runners::spec(kind).homepage),
        ToolId::Builtin => None,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

fn is_semver(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn render() -> serde_json::Value {
        let mut out = Vec::new();
        Sarif.emit(&mut out, &fixtures::run()).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn one_run_per_tool_with_its_own_category() {
        let log = render();
        let runs = log["runs"].as_array().unwrap();
        let ids: Vec<&str> = runs
            .iter()
            .map(|r| r["automationDetails"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            ["opsgate/black/", "opsgate/flake8/", "opsgate/pytest/"]
        );
        assert_eq!(runs[1]["results"].as_array().unwrap().len(), 2);
        assert_eq!(runs[2]["results"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn results_point_at_rules_and_carry_locations() {
        let log = render();
        let flake8 = &log["runs"][1];
        let rules = flake8["tool"]["driver"]["rules"].as_array().unwrap();
        for result in flake8["results"].as_array().unwrap() {
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(result["partialFingerprints"][FINGERPRINT_KEY].is_string());
        }
    }

    #[test]
    fn black_diff_becomes_a_fix() {
        let log = render();
        let fix = &log["runs"][0]["results"][0]["fixes"][0];
        let replacement = &fix["artifactChanges"][0]["replacements"][0];
        assert_eq!(replacement["deletedRegion"]["startLine"], 2);
        assert_eq!(replacement["deletedRegion"]["endLine"], 3);
        assert_eq!(replacement["insertedContent"]["text"], "b = 2\n");
    }

    #[test]
    fn built_in_rules_are_described_by_the_registry() {
        let finding = fixtures::finding("opsgate", "OG203", Severity::Warning, 1);
        let described = rule(&finding);
        assert_eq!(described.name, "tool-owners");
        assert!(described.help.markdown.contains("Why it matters"));
    }

    #[test]
    fn semver_is_only_three_numbers() {
        assert!(is_semver("26.10.1"));
        assert!(!is_semver("7.5"));
        assert!(!is_semver("1.0.0rc1"));
    }
}
