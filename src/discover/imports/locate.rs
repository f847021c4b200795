//! Finding repository files where an ordinary import would not look: a
//! literal path given to `runpy.run_path` or a spec from a location, and a
//! module name in a file that changes `sys.path` (it may then be below any
//! folder).

use std::collections::{HashMap, HashSet};

use super::source::ImportRef;

/// The file a literal path names, tried from the repository root (where
/// the tools run) and from the file's own folder; a folder runs its
/// `__main__.py`.
pub(super) fn path(from: &str, literal: &str, known: &HashSet<&str>) -> Vec<String> {
    let dir = from.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut found = Vec::new();
    for base in ["", dir] {
        let Some(joined) = normalize(base, literal) else {
            continue;
        };
        for candidate in [joined.clone(), format!("{joined}/__main__.py")] {
            if known.contains(candidate.as_str()) && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
    }
    found
}

/// `base/literal` with `.` and `..` taken away; `None` above the root.
fn normalize(base: &str, literal: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in literal.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Every Python file by the last part of its module name, to resolve a
/// name below any folder.
pub(super) struct Anywhere<'a> {
    by_name: HashMap<&'a str, Vec<&'a str>>,
    known: &'a HashSet<&'a str>,
}

impl<'a> Anywhere<'a> {
    pub(super) fn new(known: &'a HashSet<&'a str>) -> Anywhere<'a> {
        let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
        for path in known {
            if let Some(name) = module_path(path).rsplit('/').next() {
                by_name.entry(name).or_default().push(path);
            }
        }
        Anywhere { by_name, known }
    }

    /// Every file the absolute import could load below some folder: the
    /// module (or, for `from m import n`, the submodule), and the packages
    /// above it there.
    pub(super) fn resolve(&self, import: &ImportRef) -> Vec<String> {
        if import.level > 0 {
            return Vec::new();
        }
        let parts: Vec<&str> = import.module.split('.').filter(|p| !p.is_empty()).collect();
        let mut wanted: Vec<Vec<&str>> = vec![parts.clone()];
        for name in &import.names {
            let mut submodule = parts.clone();
            submodule.push(name);
            wanted.push(submodule);
        }
        let mut found = Vec::new();
        for module in wanted {
            let Some(last) = module.last() else {
                continue;
            };
            let dotted = module.join("/");
            for path in self.by_name.get(last).into_iter().flatten() {
                let stem = module_path(path);
                let Some(folder) = stem.strip_suffix(dotted.as_str()) else {
                    continue;
                };
                if !(folder.is_empty() || folder.ends_with('/')) {
                    continue;
                }
                found.push((*path).to_owned());
                // The packages above it, run first.
                let mut package = folder.to_owned();
                for part in &module[..module.len() - 1] {
                    package.push_str(part);
                    let init = format!("{package}/__init__.py");
                    if self.known.contains(init.as_str()) {
                        found.push(init);
                    }
                    package.push('/');
                }
            }
        }
        found
    }
}

/// `a/b.py` and `a/b/__init__.py` are both the module path `a/b`.
fn module_path(path: &str) -> &str {
    path.strip_suffix("/__init__.py")
        .or_else(|| path.strip_suffix(".py"))
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_paths_from_the_root_or_the_file() {
        let known: HashSet<&str> = ["net/dns/plugin.py", "tools/run.py", "app/__main__.py"]
            .into_iter()
            .collect();
        assert_eq!(
            path("net/dns/t.py", "plugin.py", &known),
            ["net/dns/plugin.py"]
        );
        assert_eq!(
            path("net/dns/t.py", "./tools/run.py", &known),
            ["tools/run.py"]
        );
        assert_eq!(
            path("net/dns/t.py", "../../app", &known),
            ["app/__main__.py"]
        );
        assert!(path("net/dns/t.py", "../../../x.py", &known).is_empty());
    }

    #[test]
    fn names_below_any_folder_with_their_packages() {
        let known: HashSet<&str> = [
            "net/vendor/pkg/__init__.py",
            "net/vendor/pkg/mod.py",
            "other/mod.py",
            "xpkg/mod.py",
        ]
        .into_iter()
        .collect();
        let anywhere = Anywhere::new(&known);
        let import = ImportRef {
            level: 0,
            module: "pkg.mod".to_owned(),
            names: Vec::new(),
        };
        let mut found = anywhere.resolve(&import);
        found.sort();
        assert_eq!(
            found,
            ["net/vendor/pkg/__init__.py", "net/vendor/pkg/mod.py"]
        );
    }
}
