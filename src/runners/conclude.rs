//! Pylint's cross-file checks concluded over what its processes gathered:
//! one more Pylint process reads every file's facts (from this run's jobs or
//! the cache) in the order one run would have checked the files, and reports
//! duplicate-code and cyclic-import as that one run would have.

use std::collections::HashMap;

use serde_json::value::RawValue;

use super::pylint::{self, MergeInput, NO_FACTS};
use super::schedule::Outcome;
use super::{Invocation, Pass, Prepared, RunContext, Session, ToolStatus};

/// Runs the conclusion of every tool whose plan has one and whose jobs all
/// succeeded (a failed job fails the tool anyway).
pub(super) fn run(session: &Session, prepared: &[Prepared], outcomes: &[Outcome]) -> Vec<Outcome> {
    let mut concluded = Vec::new();
    for (index, tool) in prepared.iter().enumerate() {
        let Some(conclusion) = tool.plan.as_ref().and_then(|p| p.conclude.as_ref()) else {
            continue;
        };
        let ran: Vec<&Outcome> = outcomes.iter().filter(|o| o.tool == index).collect();
        if ran.iter().any(|o| o.result.is_err()) {
            continue;
        }
        let gathered: Vec<&pylint::Gathered> = ran
            .iter()
            .filter_map(|o| o.result.as_ref().ok()?.interpreted.gathered.as_ref())
            .collect();
        let similar = conclusion
            .similar
            .unwrap_or_else(|| gathered.iter().any(|g| g.similar));
        let cyclic = conclusion.cyclic && gathered.iter().any(|g| g.cyclic);
        let Some(last) = conclusion.order.last() else {
            continue;
        };
        if !similar && !cyclic {
            continue;
        }
        let mut facts: HashMap<&str, &RawValue> = conclusion
            .cached
            .iter()
            .map(|(path, facts)| (*path, facts.as_ref()))
            .collect();
        for part in &gathered {
            facts.extend(
                part.files
                    .iter()
                    .map(|(path, f)| (path.as_str(), f.as_ref())),
            );
        }
        let none = no_facts();
        let input = MergeInput {
            similar,
            cyclic,
            files: conclusion
                .order
                .iter()
                .map(|path| (*path, facts.get(path).copied().unwrap_or(&none)))
                .collect(),
        };
        let scratch = session
            .scratch
            .join(format!("{}-conclude", tool.kind.name()));
        let ctx = RunContext {
            repo: session.repo,
            // The last process of the run: every core is free.
            jobs: session.slots,
            pass: Pass::Conclude { similar, cyclic },
            severity: &tool.settings.severity,
            scratch: &scratch,
            pairs_in: tool.plan.as_ref().and_then(|p| p.pairs_in.as_deref()),
        };
        let result = pylint::write_merge_input(&scratch, &input)
            .map_err(|err| {
                (
                    ToolStatus::Failed,
                    format!(
                        "cannot write what Pylint's cross-file checks conclude over into `{}`: {err}",
                        scratch.display()
                    ),
                    std::time::Duration::ZERO,
                )
            })
            .and_then(|()| {
                let invocation = Invocation {
                    name: tool.kind.name(),
                    runner: tool.kind.runner(),
                    python: conclusion.python,
                    env: &session.toolbox.env,
                    timeout: tool.settings.timeout,
                    pass_env: &tool.settings.pass_env,
                };
                invocation.run(&ctx, &[last])
            });
        concluded.push(Outcome {
            tool: index,
            bytes: 0,
            every_check: false,
            result,
        });
    }
    concluded
}

fn no_facts() -> Box<RawValue> {
    RawValue::from_string(NO_FACTS.to_owned()).expect("the empty facts are JSON")
}
