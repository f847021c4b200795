//! OG204: in CI, the change under test shows review: reviewers requested or
//! an approval on GitHub, an approved merge request on GitLab.

use std::io::Read;

use serde_json::Value;

use super::{Rule, RuleOptions, Violation, Workspace};
use crate::model::RuleLevel;

pub(crate) struct ReviewEvidence;

const DOCS: &str = r#"
## What it does
Looks for evidence, in the CI run, that the change was reviewed:

- **GitHub Actions** (`GITHUB_ACTIONS=true`): on a pull-request event, the
  payload at `GITHUB_EVENT_PATH` must request reviewers or teams
  (`pull_request.requested_reviewers` / `requested_teams`) or carry an
  approving `review` (a `pull_request_review` event with state `approved`).
  Other events (a push) have no change under review and are not reported.
- **GitLab CI** (`GITLAB_CI=true`): in a merge-request pipeline
  (`CI_MERGE_REQUEST_IID` set), `CI_MERGE_REQUEST_APPROVED` must be `true`.
- **Elsewhere**, and outside CI, nothing is checked. `Reviewed-by:` /
  `Approved-by:` commit trailers are not read yet.

The finding is about the repository as a whole (path `.`).

## Why it matters
Scripts that reset passwords or drop databases deserve a second pair of
eyes, and an audit trail that shows there was one.

## Example
A pull request opened with no reviewer requested: reported. Fix: request a
review (CODEOWNERS does it automatically), or approve before the pipeline
runs again.

## Configuration
No options. A note by default, since requested reviewers leave the payload
once they review; make it an error once branch protection or merge-request
approvals are in place:
```toml
[rules.OG204]
severity = "error"
```
"#;

/// What the environment says about review; `None` when there is nothing to
/// judge (not in CI, or no change under review).
pub(crate) fn missing_review(env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let is_true = |name: &str| env(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if is_true("GITHUB_ACTIONS") {
        let path = env("GITHUB_EVENT_PATH")?;
        let payload = match read_payload(&path) {
            Ok(payload) => payload,
            Err(err) => {
                return Some(format!(
                    "cannot read the GitHub event payload `{path}`: {err}"
                ));
            }
        };
        let pull = payload.get("pull_request")?;
        let non_empty = |key: &str| {
            pull.get(key)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        };
        let approved = payload
            .pointer("/review/state")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("approved"));
        if non_empty("requested_reviewers") || non_empty("requested_teams") || approved {
            return None;
        }
        let number = pull
            .get("number")
            .and_then(Value::as_u64)
            .map_or_else(String::new, |n| format!(" #{n}"));
        return Some(format!(
            "pull request{number} has no reviewer requested and no approval"
        ));
    }
    if is_true("GITLAB_CI") {
        let iid = env("CI_MERGE_REQUEST_IID")?;
        if is_true("CI_MERGE_REQUEST_APPROVED") {
            return None;
        }
        return Some(format!(
            "merge request !{iid} is not approved (CI_MERGE_REQUEST_APPROVED is not true)"
        ));
    }
    None
}

fn read_payload(path: &str) -> anyhow::Result<Value> {
    use anyhow::Context;
    let mut text = String::new();
    std::fs::File::open(path)
        .context("opening it")?
        .take(64 * 1024 * 1024)
        .read_to_string(&mut text)
        .context("reading it")?;
    serde_json::from_str(&text).context("it is not JSON")
}

impl Rule for ReviewEvidence {
    fn id(&self) -> &'static str {
        "OG204"
    }
    fn name(&self) -> &'static str {
        "review-evidence"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Note
    }
    fn summary(&self) -> &'static str {
        "In CI, the pull or merge request under test shows review"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, _: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        missing_review(&|name| {
            crate::environment::snapshot()
                .os(name)
                .map(|v| v.to_string_lossy().into_owned())
        })
        .map(|message| Violation::whole(".", message))
        .into_iter()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;

    fn fixture(name: &str) -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/ci-events")
            .join(name)
            .display()
            .to_string()
    }

    fn judge(vars: &[(&str, &str)]) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        missing_review(&|name| vars.get(name).cloned())
    }

    fn github(event: &str) -> Option<String> {
        judge(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_PATH", &fixture(event)),
        ])
    }

    #[test]
    fn github_pull_requests() {
        assert_eq!(github("pull_request_with_reviewers.json"), None);
        assert_eq!(github("pull_request_with_team.json"), None);
        assert_eq!(github("pull_request_review_approved.json"), None);
        let unreviewed = github("pull_request_unreviewed.json").unwrap();
        assert!(
            unreviewed.contains("pull request #42 has no reviewer"),
            "{unreviewed}"
        );
        assert!(github("pull_request_review_commented.json").is_some());
        // A push has no change under review.
        assert_eq!(github("push.json"), None);
        let broken = github("no-such-file.json").unwrap();
        assert!(
            broken.contains("cannot read the GitHub event payload"),
            "{broken}"
        );
    }

    #[test]
    fn gitlab_merge_requests() {
        let mr = [("GITLAB_CI", "true"), ("CI_MERGE_REQUEST_IID", "7")];
        assert!(
            judge(&mr)
                .unwrap()
                .contains("merge request !7 is not approved")
        );
        let approved = [mr[0], mr[1], ("CI_MERGE_REQUEST_APPROVED", "true")];
        assert_eq!(judge(&approved), None);
        assert_eq!(judge(&[("GITLAB_CI", "true")]), None);
    }

    #[test]
    fn outside_ci_nothing_is_judged() {
        assert_eq!(judge(&[]), None);
        assert_eq!(judge(&[("CI", "true")]), None);
    }
}
