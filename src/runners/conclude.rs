//! Pylint's cross-file checks concluded over what its parts gathered: once
//! every part has run, one more Pylint process reads every file's facts in
//! the order one run would have checked the files, and reports
//! duplicate-code and cyclic-import as that one run would have.

use std::collections::HashMap;

use serde_json::value::RawValue;

use super::pylint;
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
        let gathered: Vec<&super::runner::Gathered> = ran
            .iter()
            .filter_map(|o| o.result.as_ref().ok()?.interpreted.gathered.as_ref())
            .collect();
        let similar = gathered.iter().any(|g| g.similar);
        let cyclic = gathered.iter().any(|g| g.cyclic);
        let Some(last) = conclusion.order.last().copied() else {
            continue;
        };
        if !similar && !cyclic {
            continue;
        }
        let facts: HashMap<&str, &RawValue> = gathered
            .iter()
            .flat_map(|part| part.files.iter())
            .map(|(path, f)| (path.as_str(), f.as_ref()))
            .collect();
        let scratch = session
            .scratch
            .join(format!("{}-conclude", tool.kind.name()));
        let ctx = RunContext {
            repo: session.repo,
            whole: session.whole,
            // The last process of the run: every core is free.
            jobs: session.slots,
            forks: 1,
            pass: Pass::Conclude { similar, cyclic },
            severity: &tool.settings.severity,
            scratch: &scratch,
            pairs_in: tool.plan.as_ref().and_then(|p| p.pairs_in.as_deref()),
            keeps: tool.plan.as_ref().is_some_and(|p| p.pairs_key.is_some()),
            coverage: false,
            sysmon: false,
        };
        let result =
            pylint::write_merge_input(&scratch, similar, cyclic, &conclusion.order, &facts)
                .map_err(|err| (ToolStatus::Failed, err, std::time::Duration::ZERO))
                .and_then(|()| {
                    let invocation = Invocation {
                        name: tool.kind.name(),
                        runner: super::runner(tool.kind),
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
            owns: None,
            result,
        });
    }
    concluded
}
