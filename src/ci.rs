//! What the CI platform tells opsgate through its environment: whether it
//! runs under GitHub Actions, where the step summary goes, how to link to a
//! file, and where the checked folder sits in the platform's workspace.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub(crate) struct CiContext {
    /// `GITHUB_ACTIONS=true`.
    pub(crate) github_actions: bool,
    /// `GITHUB_STEP_SUMMARY`: the Markdown file a step appends its summary to.
    pub(crate) step_summary: Option<PathBuf>,
    /// `GITHUB_OUTPUT`: the file a step appends its outputs to.
    pub(crate) step_outputs: Option<PathBuf>,
    /// `OPSGATE_SARIF_CATEGORY`: prefix of each SARIF run's category
    /// (`opsgate` by default), distinct per gate when one workflow runs several.
    pub(crate) sarif_category: String,
    /// `…/blob/<sha>` on GitHub, for links to a file and line.
    pub(crate) blob_url: Option<String>,
    /// The checked folder relative to the workspace (`GITHUB_WORKSPACE` or
    /// `CI_PROJECT_DIR`), with a trailing `/`; empty when it is the workspace.
    pub(crate) workspace_prefix: String,
}

impl Default for CiContext {
    fn default() -> Self {
        CiContext {
            github_actions: false,
            step_summary: None,
            step_outputs: None,
            blob_url: None,
            workspace_prefix: String::new(),
            sarif_category: "opsgate".to_owned(),
        }
    }
}

impl CiContext {
    pub(crate) fn from_env(root: &Path) -> CiContext {
        let env = crate::environment::snapshot();
        let var = |name: &str| env.owned(name);
        let blob_url = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) => Some(format!("{server}/{repo}/blob/{sha}")),
            _ => None,
        };
        let workspace_prefix = ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"]
            .iter()
            .filter_map(|name| var(name))
            .find_map(|workspace| {
                let workspace = std::fs::canonicalize(workspace).ok()?;
                let inside = root.strip_prefix(&workspace).ok()?;
                let parts: Option<Vec<&str>> = inside
                    .components()
                    .map(|c| c.as_os_str().to_str())
                    .collect();
                Some(
                    parts?
                        .iter()
                        .fold(String::new(), |prefix, part| prefix + part + "/"),
                )
            })
            .unwrap_or_default();
        CiContext {
            github_actions: var("GITHUB_ACTIONS").as_deref() == Some("true"),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            step_outputs: var("GITHUB_OUTPUT").map(PathBuf::from),
            sarif_category: var("OPSGATE_SARIF_CATEGORY").map_or_else(
                || "opsgate".to_owned(),
                |c| c.trim_end_matches('/').to_owned(),
            ),
            blob_url,
            workspace_prefix,
        }
    }

    /// A repository-relative path as the platform names it.
    pub(crate) fn platform_path(&self, path: &str) -> String {
        format!("{}{path}", self.workspace_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_get_the_workspace_prefix() {
        let ci = CiContext {
            workspace_prefix: "ops/".into(),
            ..CiContext::default()
        };
        assert_eq!(ci.platform_path("net/a.py"), "ops/net/a.py");
        assert_eq!(CiContext::default().platform_path("net/a.py"), "net/a.py");
    }
}
