//! What the repository declares it needs, and which tool folders need an
//! environment of their own.
//!
//! The policy: the root's `requirements.txt` and `[project].dependencies`
//! and every tool folder's `requirements.txt` go into one shared environment,
//! unless a folder pins (`name==version`) a package that an earlier
//! declaration pins to another version. Such a folder gets an environment of
//! its own (the tools plus its own `requirements.txt`), in which its tests
//! run. Conflicts that are not visible as pins are left to the installer,
//! whose error stops the run (exit 2).

use std::collections::BTreeMap;
use std::fs;

use anyhow::{Context, Result};

use crate::discover::repo::Repo;

/// One environment's worth of declarations, besides the tools.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Requirements {
    /// `requirements.txt` files, relative to the root, passed as `-r`.
    pub(crate) files: Vec<String>,
    /// Requirement strings such as `six==1.16.0`.
    pub(crate) packages: Vec<String>,
    /// Those of `files` that pin hashes (`--hash=sha256:…`): the installer
    /// then demands a hash for every requirement of its run.
    pub(crate) hashed: Vec<String>,
}

/// The shared environment's declarations and the folders that need their own.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) shared: Requirements,
    /// (tool folder, its requirements) for folders whose pins conflict.
    pub(crate) isolated: Vec<(String, Requirements)>,
}

pub(crate) fn plan(repo: &Repo) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut pinned: BTreeMap<String, String> = BTreeMap::new();
    let packages = project_dependencies(repo)?;
    for package in &packages {
        if let Some((name, version)) = pin(package) {
            pinned.insert(name, version);
        }
    }
    plan.shared.packages = packages;

    // Root files first, so that a folder conflicting with the root is the one set apart.
    let mut files: Vec<&str> = repo
        .manifests()
        .map(|f| f.path.as_str())
        .filter(|path| path.rsplit('/').next() == Some("requirements.txt"))
        .collect();
    files.sort_by_key(|path| (path.contains('/'), *path));
    for file in files {
        let text = fs::read_to_string(repo.root.join(file))
            .with_context(|| format!("reading `{file}`"))?;
        let pins: Vec<(String, String)> = text.lines().filter_map(pin).collect();
        let hashed = gives_hashes(&text).then(|| file.to_owned());
        let conflicts = pins
            .iter()
            .any(|(name, version)| pinned.get(name).is_some_and(|v| v != version));
        let folder = repo
            .tools
            .iter()
            .find(|tool| file.strip_prefix(tool.path.as_str()) == Some("/requirements.txt"));
        match folder {
            Some(folder) if conflicts => plan.isolated.push((
                folder.path.clone(),
                Requirements {
                    files: vec![file.to_owned()],
                    packages: Vec::new(),
                    hashed: hashed.into_iter().collect(),
                },
            )),
            _ => {
                pinned.extend(pins);
                plan.shared.files.push(file.to_owned());
                plan.shared.hashed.extend(hashed);
            }
        }
    }
    Ok(plan)
}

/// `[project].dependencies` of the root `pyproject.toml`.
fn project_dependencies(repo: &Repo) -> Result<Vec<String>> {
    let path = repo.root.join("pyproject.toml");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text =
        fs::read_to_string(&path).with_context(|| format!("reading `{}`", path.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("`{}` is not valid TOML", path.display()))?;
    Ok(doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|deps| {
            deps.iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Whether a requirements file pins hashes (`--hash=sha256:…`, comments aside).
fn gives_hashes(text: &str) -> bool {
    text.lines()
        .filter_map(|line| line.split('#').next())
        .any(|line| line.contains("--hash"))
}

/// `Name[extra]==1.2 ; marker  # comment` -> (`name`, `1.2`), also with
/// options after it (`--hash=…`, a `\` continuing the line); other lines none.
fn pin(line: &str) -> Option<(String, String)> {
    let line = line.split('#').next()?.split(';').next()?.trim();
    let (name, version) = line.split_once("==")?;
    let name = name.split('[').next()?.trim();
    let version = version.split_whitespace().next().unwrap_or_default();
    if name.is_empty() || name.starts_with('-') || version.is_empty() {
        return None;
    }
    // PEP 503 normalisation: case, `-`, `_` and `.` do not distinguish names.
    let normalized = name.to_ascii_lowercase().replace(['_', '.'], "-");
    Some((normalized, version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::file::{FileKind, RepoFile};
    use crate::discover::repo::ToolFolder;

    #[test]
    fn a_hashed_pin_is_the_version_alone() {
        assert_eq!(
            pin("six==1.16.0 \\"),
            Some(("six".to_owned(), "1.16.0".to_owned()))
        );
        assert_eq!(
            pin("six==1.16.0 --hash=sha256:8abb"),
            Some(("six".to_owned(), "1.16.0".to_owned()))
        );
        assert_eq!(pin("    --hash=sha256:8abb"), None);
        assert!(gives_hashes("six==1.16.0 \\\n    --hash=sha256:8abb\n"));
        assert!(!gives_hashes("six==1.16.0  # no --hash here\n"));
    }

    #[test]
    fn pins_are_normalised() {
        assert_eq!(
            pin("Requests_Toolbelt[socks]==1.0.0 ; python_version > '3' # why"),
            Some(("requests-toolbelt".into(), "1.0.0".into()))
        );
        assert_eq!(pin("requests>=2"), None);
        assert_eq!(pin("-r other.txt"), None);
        assert_eq!(pin("# idna==3.10"), None);
    }

    fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().unwrap();
        let mut repo_files = Vec::new();
        for (path, content) in files {
            let full = dir.path().join(path);
            fs::create_dir_all(full.parent().unwrap()).unwrap();
            fs::write(full, content).unwrap();
            repo_files.push(RepoFile {
                path: (*path).to_owned(),
                kind: FileKind::Manifest,
            });
        }
        let tools = ["net/a", "net/b"]
            .iter()
            .map(|path| ToolFolder {
                domain: "net".into(),
                path: (*path).into(),
            })
            .collect();
        let repo = Repo {
            root: dir.path().to_path_buf(),
            files: repo_files,
            domains: vec!["net".into()],
            tools,
            import_roots: Vec::new(),
            unreadable: Vec::new(),
            partial: false,
        };
        (dir, repo)
    }

    #[test]
    fn a_folder_pinning_another_version_is_set_apart() {
        let (_dir, repo) = repo(&[
            ("requirements.txt", "idna==3.10\n"),
            ("net/a/requirements.txt", "six==1.16.0\nidna==3.10\n"),
            ("net/b/requirements.txt", "IDNA==3.7\n"),
            (
                "pyproject.toml",
                "[project]\ndependencies = [\"six==1.16.0\"]\n",
            ),
        ]);
        let plan = plan(&repo).unwrap();
        assert_eq!(
            plan.shared.files,
            ["requirements.txt", "net/a/requirements.txt"]
        );
        assert_eq!(plan.shared.packages, ["six==1.16.0"]);
        assert_eq!(plan.isolated.len(), 1);
        assert_eq!(plan.isolated[0].0, "net/b");
        assert_eq!(plan.isolated[0].1.files, ["net/b/requirements.txt"]);
    }

    #[test]
    fn compatible_declarations_share_one_environment() {
        let (_dir, repo) = repo(&[
            ("net/a/requirements.txt", "idna==3.10\n"),
            ("net/b/requirements.txt", "idna>=3\n"),
        ]);
        let plan = plan(&repo).unwrap();
        assert!(plan.isolated.is_empty());
        assert_eq!(plan.shared.files.len(), 2);
    }
}
