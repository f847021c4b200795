//! Who ran the gate and where: the CI platform's own variables (GitHub
//! Actions, GitLab CI), else git's idea of the author and the checked-out
//! commit, for the audit trail.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// The CI run a record came from; absent for a run on a laptop.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CiRun {
    /// `github`, `gitlab`, or `ci` for another platform that sets `CI`.
    pub(crate) platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pipeline_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) job_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) job: Option<String>,
}

/// Who, where, and which commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) who: Option<String>,
    pub(crate) ci: Option<CiRun>,
    pub(crate) commit: Option<String>,
    pub(crate) branch: Option<String>,
}

impl Origin {
    /// From the environment, then git in `root` for what CI did not say.
    ///
    /// # Errors
    /// git hung until its timeout.
    pub(crate) fn detect(root: &Path) -> Result<Origin> {
        let env = crate::environment::snapshot();
        let var = |name: &str| env.owned(name);
        let mut origin = Origin::from_vars(var);
        if origin.ci.is_none() {
            origin.who = git(root, &["var", "GIT_AUTHOR_IDENT"])?
                .and_then(|ident| ident.split(" <").next().map(str::to_owned))
                .or_else(|| var("USER"));
        }
        if origin.commit.is_none() {
            origin.commit = git(root, &["rev-parse", "HEAD"])?;
        }
        if origin.branch.is_none() {
            origin.branch =
                git(root, &["rev-parse", "--abbrev-ref", "HEAD"])?.filter(|b| b != "HEAD");
        }
        Ok(origin)
    }

    /// What the CI platform's variables say, `var` reading one of them.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Origin {
        if var("GITHUB_ACTIONS").as_deref() == Some("true") {
            let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
            let repository = var("GITHUB_REPOSITORY");
            let pipeline_url = match (&repository, var("GITHUB_RUN_ID")) {
                (Some(repo), Some(run)) => Some(match var("GITHUB_RUN_ATTEMPT") {
                    Some(attempt) => {
                        format!("{server}/{repo}/actions/runs/{run}/attempts/{attempt}")
                    }
                    None => format!("{server}/{repo}/actions/runs/{run}"),
                }),
                _ => None,
            };
            return Origin {
                who: var("GITHUB_TRIGGERING_ACTOR").or_else(|| var("GITHUB_ACTOR")),
                ci: Some(CiRun {
                    platform: "github".into(),
                    repository,
                    pipeline_url,
                    job_url: None,
                    job: var("GITHUB_JOB"),
                }),
                commit: var("GITHUB_SHA"),
                // A pull request's own branch, else the branch or tag pushed.
                branch: var("GITHUB_HEAD_REF").or_else(|| var("GITHUB_REF_NAME")),
            };
        }
        if var("GITLAB_CI").as_deref() == Some("true") {
            return Origin {
                who: var("GITLAB_USER_LOGIN"),
                ci: Some(CiRun {
                    platform: "gitlab".into(),
                    repository: var("CI_PROJECT_PATH"),
                    pipeline_url: var("CI_PIPELINE_URL"),
                    job_url: var("CI_JOB_URL"),
                    job: var("CI_JOB_NAME"),
                }),
                commit: var("CI_COMMIT_SHA"),
                branch: var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
                    .or_else(|| var("CI_COMMIT_REF_NAME")),
            };
        }
        let generic = var("CI").is_some_and(|v| v != "false" && v != "0");
        Origin {
            ci: generic.then(|| CiRun {
                platform: "ci".into(),
                ..CiRun::default()
            }),
            ..Origin::default()
        }
    }
}

/// One line of `git` output in `root`; `None` when git or the repository
/// is missing (a record without a commit is still a record).
fn git(root: &Path, args: &[&str]) -> Result<Option<String>> {
    crate::process::git::first_line(root, args)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn origin(vars: &[(&str, &str)]) -> Origin {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Origin::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn github_actions_run_and_actor() {
        let found = origin(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.example"),
            ("GITHUB_REPOSITORY", "ops/scripts"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_ACTOR", "alice"),
            ("GITHUB_JOB", "gate"),
            ("GITHUB_SHA", "abc"),
            ("GITHUB_REF_NAME", "main"),
        ]);
        let ci = found.ci.unwrap();
        assert_eq!(ci.platform, "github");
        assert_eq!(
            ci.pipeline_url.as_deref(),
            Some("https://github.example/ops/scripts/actions/runs/42/attempts/2")
        );
        assert_eq!(ci.job.as_deref(), Some("gate"));
        assert_eq!(found.who.as_deref(), Some("alice"));
        assert_eq!(found.commit.as_deref(), Some("abc"));
        assert_eq!(found.branch.as_deref(), Some("main"));
    }

    #[test]
    fn gitlab_pipeline_job_and_merge_request_branch() {
        let found = origin(&[
            ("GITLAB_CI", "true"),
            (
                "CI_PIPELINE_URL",
                "https://gitlab.example/ops/-/pipelines/7",
            ),
            ("CI_JOB_URL", "https://gitlab.example/ops/-/jobs/9"),
            ("GITLAB_USER_LOGIN", "bob"),
            ("CI_COMMIT_REF_NAME", "refs/merge-requests/3/head"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "fix-dns"),
        ]);
        let ci = found.ci.unwrap();
        assert_eq!(ci.platform, "gitlab");
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://gitlab.example/ops/-/jobs/9")
        );
        assert_eq!(found.who.as_deref(), Some("bob"));
        assert_eq!(found.branch.as_deref(), Some("fix-dns"));
    }

    #[test]
    fn no_platform_means_a_local_run() {
        assert_eq!(origin(&[]), Origin::default());
        assert_eq!(origin(&[("CI", "true")]).ci.unwrap().platform, "ci");
    }
}
