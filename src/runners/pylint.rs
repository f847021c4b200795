//! Pylint with its `json2` report on stdout. Run directly, Pylint checks
//! every file in one process so that its cross-file checks (duplicate-code,
//! cyclic-import) see them together. opsgate's driver (`pylint_driver.py`)
//! reads every file once and checks runs of them in forked copies of the
//! process, one per core; or, asked to (or where processes cannot fork), the
//! files go to parts, separate processes. Either way each copy or part
//! gathers what the cross-file checks need (every file's lines as
//! duplicate-code reads them, its edges of the import graph) and one process
//! concludes them over all, in one run's order, with Pylint's own code.
//! Findings equal one run's.
//!
//! opsgate does not pass `--jobs`: Pylint's parallel mode loses import-graph
//! edges (its merge overwrites them) and changes what it infers (an
//! assignment like `sys.stdout = StringIO()` in one module feeds inference
//! in the modules analysed by the same process), so the repository's own
//! `jobs` setting decides, exactly as when run directly. The hash seed is
//! fixed: Pylint's cycle search walks Python sets, whose order would
//! otherwise change the reported cycles from one run to the next.
//!
//! The exit code is a bit mask: 1 fatal and 32 usage error mean Pylint could
//! not do its job; 2, 4, 8, 16 are the kinds of messages it found.
//!
//! A shard (`--shard`) checks only its part of the files, so it turns the
//! cross-file checks off there; the designated shard runs them once more
//! over every file (`CrossFile`), only those the configuration enables.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::runner::{AskTool, CodeMatch, Explained, Gathered, Tool};
use super::{
    Interpretation, Interpreted, Pass, ProcessOutput, RunContext, Runner, file_args, python_paths,
};
use crate::discover::repo::Repo;
use crate::model::{Finding, Planning, Role, Span, ToolKind, ToolSpec};

pub(crate) struct Pylint;

const TOOL: ToolKind = ToolKind::Pylint;
const SPEC: ToolSpec = ToolSpec {
    package: "pylint",
    role: Role::Linter,
    planning: Planning::CrossFile,
    homepage: "https://pylint.readthedocs.io/",
    suppression: "`# pylint: disable={id}`, as Pylint defines it",
    cost: (21.0 / 1_048_576.0, 0.8),
};
const FATAL: i32 = 1;
const USAGE_ERROR: i32 = 32;
const MESSAGE_BITS: i32 = 2 | 4 | 8 | 16;
/// The checks that need every file together, as (symbol, id).
pub(super) const CROSS_FILE: [(&str, &str); 2] =
    [("duplicate-code", "R0801"), ("cyclic-import", "R0401")];
/// Runs Pylint as `python -m pylint` does, gathering or concluding the
/// cross-file checks on request, with module lookups answered from folder
/// listings (`pylint_lookup.py`, which the driver calls).
pub(super) const DRIVER: &str = concat!(
    include_str!("pylint_lookup.py"),
    "\n",
    include_str!("pylint_driver.py")
);
/// In a process's scratch folder: what it gathered, what it concludes over.
const GATHERED_FILE: &str = "gathered.json";
const MERGE_FILE: &str = "merge.json";
const PAIRS_FILE: &str = "pairs.json";

/// The facts of a file Pylint gathered nothing on (it could not parse it).
const NO_FACTS: &str = r#"{"lineset":null,"edges":[]}"#;

/// What the concluding process reads: every file's facts in one run's order.
#[derive(serde::Serialize)]
struct MergeInput<'a> {
    similar: bool,
    cyclic: bool,
    files: Vec<(&'a str, &'a RawValue)>,
}

/// `python` arguments before Pylint's own: the driver, where to write what
/// this pass gathers, and whether it defers or concludes the cross-file checks.
pub(crate) fn driver_args(ctx: &RunContext) -> Vec<OsString> {
    let gathered: OsString = if ctx.gathers() {
        ctx.scratch.join(GATHERED_FILE).into()
    } else {
        "-".into()
    };
    let merge: OsString = match ctx.pass {
        Pass::Part => "defer".into(),
        Pass::Conclude { .. } => ctx.scratch.join(MERGE_FILE).into(),
        Pass::All | Pass::PerFile => "-".into(),
    };
    vec!["-c".into(), DRIVER.into(), gathered, merge]
}

/// The driver's environment: the fixed hash seed, how many forked copies
/// check the files, and for a pass that concludes duplicate-code, how many
/// processes may compare pairs of files, the comparisons kept from an
/// earlier run and where to write this run's (when the cache keeps them).
/// Every variable the driver reads is set, empty when unused: one left in
/// the user's environment must not make it fork, or write a pair store
/// anywhere.
pub(super) fn driver_env(ctx: &RunContext) -> Vec<(OsString, OsString)> {
    let concluding = concludes(ctx.pass);
    // A process that checks files and concludes over them itself checks them
    // in forked copies, one per core, after reading them once.
    let forks = if matches!(ctx.pass, Pass::All | Pass::PerFile) {
        ctx.forks
    } else {
        1
    };
    let workers = if concluding { ctx.jobs } else { 1 };
    let pairs_out = if concluding && ctx.keeps {
        ctx.scratch.join(PAIRS_FILE).into_os_string()
    } else {
        OsString::new()
    };
    let pairs_in = match ctx.pairs_in {
        Some(kept) if concluding => kept.as_os_str().to_owned(),
        _ => OsString::new(),
    };
    vec![
        ("PYTHONHASHSEED".into(), "0".into()),
        ("OPSGATE_PYLINT_FORKS".into(), forks.to_string().into()),
        ("OPSGATE_PYLINT_WORKERS".into(), workers.to_string().into()),
        ("OPSGATE_PYLINT_PAIRS_OUT".into(), pairs_out),
        ("OPSGATE_PYLINT_PAIRS_IN".into(), pairs_in),
    ]
}

/// Whether a pass draws the cross-file conclusions itself.
fn concludes(pass: Pass) -> bool {
    matches!(pass, Pass::All | Pass::Conclude { .. })
}

/// Writes what a concluding pass reads into its scratch folder: every file
/// in `order` with its facts from `facts` (a file the pass
/// reads itself needs none).
pub(crate) fn write_merge_input(
    scratch: &std::path::Path,
    similar: bool,
    cyclic: bool,
    order: &[&str],
    facts: &HashMap<&str, &RawValue>,
) -> Result<(), String> {
    let none = RawValue::from_string(NO_FACTS.to_owned()).expect("the empty facts are JSON");
    let input = MergeInput {
        similar,
        cyclic,
        files: order
            .iter()
            .map(|path| (*path, facts.get(path).copied().unwrap_or(&none)))
            .collect(),
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(scratch)?;
        let file = std::fs::File::create(scratch.join(MERGE_FILE))?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut writer, &input).map_err(std::io::Error::from)?;
        // Flushed here: a failure on drop would go unseen.
        writer.flush()
    };
    write().map_err(|err| {
        format!(
            "cannot write what Pylint's cross-file checks conclude over into `{}`: {err}",
            scratch.display()
        )
    })
}

#[derive(Deserialize)]
struct Report {
    messages: Vec<Message>,
}

/// One entry of `messages`, named as Pylint names its fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)]
struct Message {
    #[serde(rename = "type")]
    kind: String,
    symbol: String,
    message: String,
    message_id: String,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
    path: String,
}

impl Tool for Pylint {
    fn spec(&self) -> &'static ToolSpec {
        &SPEC
    }

    fn cache_env(&self, cache: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
        vec![("PYLINTHOME", cache.join("pylint"))]
    }

    fn owns_code(&self, id: &str) -> CodeMatch {
        super::pylint_help::owns_code(id)
    }

    fn explain_code(&self, id: &str, tool: &dyn AskTool) -> anyhow::Result<Option<Explained>> {
        super::pylint_help::explain(id, tool)
    }

    /// The kinds of messages found are bits of a mask: they add up.
    fn combine_exits(&self, a: i32, b: i32) -> i32 {
        a | b
    }

    /// Pylint compares pairs of files in processes of its own when there are
    /// many (late in its run, when the other tools are done), and checks its
    /// files in forked copies of itself, one per core, unless the number of
    /// parts was set by hand (`OPSGATE_PYLINT_PARTS=1`: one process, as
    /// Pylint runs directly).
    fn pool(&self, slots: usize, parts_given: bool) -> (usize, usize) {
        (slots, if parts_given { 1 } else { slots })
    }
}

impl Runner for Pylint {
    fn files<'r>(&self, repo: &'r Repo) -> Vec<&'r str> {
        python_paths(repo)
    }

    fn interpreter_args(&self, ctx: &RunContext) -> Option<Vec<OsString>> {
        Some(driver_args(ctx))
    }

    fn env(&self, ctx: &RunContext) -> Vec<(OsString, OsString)> {
        driver_env(ctx)
    }

    fn args(&self, ctx: &RunContext, files: &[&str]) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--output-format=json2".into()];
        // A shard checks part of the files: the cross-file checks run apart.
        let pass = if ctx.repo.partial && ctx.pass == Pass::All {
            Pass::PerFile
        } else {
            ctx.pass
        };
        match pass {
            // A part keeps the cross-file checks on: they gather, and defer.
            Pass::All | Pass::Part => {}
            Pass::PerFile => {
                let symbols: Vec<&str> = CROSS_FILE.iter().map(|(symbol, _)| *symbol).collect();
                args.push(format!("--disable={}", symbols.join(",")).into());
            }
            Pass::Conclude { similar, cyclic } => {
                let enable: Vec<&str> = CROSS_FILE
                    .iter()
                    .zip([similar, cyclic])
                    .filter(|(_, on)| *on)
                    .map(|((symbol, _), _)| *symbol)
                    .collect();
                args.extend([
                    "--disable=all".into(),
                    format!("--enable={}", enable.join(",")).into(),
                ]);
            }
        }
        args.extend(file_args(files));
        args
    }

    fn interpret(&self, ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
        interpret(ctx, output)
    }
}

pub(super) fn interpret(ctx: &RunContext, output: &ProcessOutput) -> Interpretation {
    let Some(code) = output.code else {
        return Err("pylint did not exit normally".to_owned());
    };
    let report: Report = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("its JSON report cannot be parsed: {err}"))?;
    if code & (FATAL | USAGE_ERROR) != 0 || code & !(FATAL | USAGE_ERROR | MESSAGE_BITS) != 0 {
        let fatal: Vec<String> = report
            .messages
            .iter()
            .filter(|m| m.kind == "fatal")
            .map(|m| format!("{}: {} {}", m.path, m.message_id, m.message))
            .collect();
        return Err(if fatal.is_empty() {
            "it reported a fatal or usage error".to_owned()
        } else {
            format!("it could not analyse every file: {}", fatal.join("; "))
        });
    }
    // The reverse (messages with exit 0) is legitimate: `exit-zero` or
    // `fail-under` in the repository's configuration.
    if code & MESSAGE_BITS != 0 && report.messages.is_empty() {
        return Err(format!(
            "exit code {code} says it found problems, but its report lists none"
        ));
    }
    let concluding = matches!(ctx.pass, Pass::Conclude { .. });
    let findings: Vec<Finding> = report
        .messages
        .iter()
        // The concluding process checks one file again: only its
        // conclusions are new.
        .filter(|m| !concluding || CROSS_FILE.iter().any(|(_, id)| *id == m.message_id))
        .map(|m| to_finding(ctx, m))
        .collect();
    let mut interpreted = Interpreted::from(findings);
    if ctx.gathers() {
        interpreted.gathered = Some(read_gathered(ctx)?);
    }
    if ctx.keeps && concludes(ctx.pass) {
        // Only a speed-up for the next run: unreadable, it is not kept.
        interpreted.pairs = std::fs::read_to_string(ctx.scratch.join(PAIRS_FILE))
            .ok()
            .and_then(|text| RawValue::from_string(text).ok());
    }
    Ok(interpreted)
}

fn read_gathered(ctx: &RunContext) -> Result<Gathered, String> {
    let path = ctx.scratch.join(GATHERED_FILE);
    let bytes = std::fs::read(&path).map_err(|err| {
        format!(
            "what it gathered cannot be read ({}): {err}",
            path.display()
        )
    })?;
    let mut gathered: Gathered = serde_json::from_slice(&bytes)
        .map_err(|err| format!("what it gathered cannot be parsed: {err}"))?;
    gathered.files = gathered
        .files
        .into_iter()
        .map(|(path, facts)| (ctx.relative_path(&path), facts))
        .collect();
    Ok(gathered)
}

fn to_finding(ctx: &RunContext, message: &Message) -> Finding {
    let span = Span {
        line: message.line.filter(|&l| l > 0),
        // Pylint columns are 0-based.
        column: message.line.and(message.column).map(|c| c + 1),
        end_line: message.end_line.filter(|&l| l > 0),
        end_column: message.end_line.and(message.end_column).map(|c| c + 1),
    };
    let mut finding = Finding::new(
        TOOL,
        message.message_id.clone(),
        ctx.severity.severity_of(&message.message_id),
        ctx.relative_path(&message.path),
        span,
        format!("{} ({})", message.message, message.symbol),
    );
    finding.rule_name = Some(message.symbol.clone());
    finding.help_url = Some(format!(
        "https://pylint.readthedocs.io/en/stable/user_guide/messages/{}/{}.html",
        message.kind, message.symbol
    ));
    finding
}
