//! The files that are not Python that a module may read beside itself
//! (templates, schemas, fixtures: `importlib.resources`, `open(Path(__file__)
//! .parent / "x")`): each belongs to the nearest folder above it that holds
//! Python files, and every module of that folder depends on it when run.
//! The root is no such folder: its non-Python files (documentation,
//! configuration) would otherwise reach every module of the root.

use std::collections::HashMap;

use crate::hash::short_digest;

/// Per folder holding Python files, a digest of the files that belong to it.
pub(super) fn package_data<'a>(
    content: &'a HashMap<String, String>,
    is_python: impl Fn(&str) -> bool,
) -> HashMap<&'a str, String> {
    let dir_of = |path: &'a str| path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let python_dirs: std::collections::HashSet<&str> = content
        .keys()
        .filter(|path| is_python(path))
        .map(|path| dir_of(path))
        .collect();
    let mut belonging: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for (path, digest) in content {
        if is_python(path) {
            continue;
        }
        let owner = crate::globs::ancestors(dir_of(path))
            .find(|dir| !dir.is_empty() && python_dirs.contains(dir));
        if let Some(owner) = owner {
            belonging.entry(owner).or_default().push((path, digest));
        }
    }
    belonging
        .into_iter()
        .map(|(dir, mut files)| {
            files.sort_unstable();
            let parts = files.into_iter().flat_map(|(path, digest)| [path, digest]);
            (dir, short_digest(parts, 16))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_belongs_to_the_nearest_folder_with_python_but_the_root() {
        let content: HashMap<String, String> = [
            "lib/opslib/render.py",
            "lib/opslib/templates/base.j2",
            "lib/opslib/sub/deep/x.json",
            "setup.py",
            "docs/index.md",
        ]
        .into_iter()
        .map(|p| (p.to_owned(), p.len().to_string()))
        .collect();
        let data = package_data(&content, |p| p.ends_with(".py"));
        assert_eq!(data.keys().collect::<Vec<_>>(), [&"lib/opslib"]);
        let mut edited = content.clone();
        edited.insert("lib/opslib/sub/deep/x.json".to_owned(), "0".to_owned());
        assert_ne!(
            package_data(&edited, |p| p.ends_with(".py"))["lib/opslib"],
            data["lib/opslib"]
        );
    }
}
