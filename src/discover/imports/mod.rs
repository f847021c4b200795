//! The repository's own import graph, read from the source in Rust: which
//! repository files each Python file imports, and for every file a digest of
//! everything it transitively imports. Tools that infer through imports
//! (Pylint) or run the imported code (pytest) are cached on that digest, so
//! a change to an imported module reaches every file that depends on it.
//!
//! The reading is deliberately generous: every `import` and `from … import`
//! statement anywhere in a file counts (inside functions, `try` blocks or
//! `if TYPE_CHECKING`), and a name resolves to every repository file it could
//! mean (each folder above the file, the repository root and the shared
//! library folders are all tried; below every folder when the file changes
//! `sys.path`). A dependency too many only costs a cache miss; a dependency
//! missed would serve a stale result.
//!
//! Imports that are calls (`importlib.import_module("pkg.mod")`,
//! `__import__`, `runpy`, `pytest_plugins`; see `strings`) are edges like
//! statements when their argument is a literal. A file whose import is
//! computed (`import_module(name)`) could load any module of the
//! repository: pytest runs with the root on the import path, where every
//! folder is a namespace package, so no narrower bound holds. Its
//! `runtime_digests` then cover every Python file of the repository (every
//! file, for a load by path or `exec`), and so do those of the files that
//! import it. They also cover, for every module, the files that are not
//! Python beside it (`data`). Pylint cannot follow a computed import and
//! reads no data, so its keys (`closure_digests`) leave both out.

mod data;
mod locate;
mod source;
mod strings;

use std::collections::{BTreeSet, HashMap, HashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;

use source::{ImportRef, imports_of, logical_lines, skeleton_of};
#[cfg(test)]
pub(crate) use source::{parse, skeleton};
pub(crate) use strings::Reach;
use strings::{Loads, loads_of};

use crate::hash::short_digest;

/// The repository's Python files and what each imports among them.
pub(crate) struct ImportGraph {
    /// Per file (repository-relative), the repository files it imports.
    pub(crate) edges: HashMap<String, BTreeSet<String>>,
    /// Files with a computed import, and what it could load.
    pub(crate) dynamic: HashMap<String, Reach>,
}

impl ImportGraph {
    /// `sources`: every Python file of the repository with its content;
    /// `import_roots`: the folders on the tools' import path ("" is the root).
    #[cfg(test)]
    pub(crate) fn build(sources: &[(&str, &str)], import_roots: &[String]) -> ImportGraph {
        ImportGraph::build_with_skeletons(sources, import_roots).0
    }

    /// The graph, and each file's `skeleton`, from one reading of each
    /// source.
    pub(crate) fn build_with_skeletons(
        sources: &[(&str, &str)],
        import_roots: &[String],
    ) -> (ImportGraph, HashMap<String, String>) {
        let known: HashSet<&str> = sources.iter().map(|(path, _)| *path).collect();
        let read: Vec<(&str, Vec<ImportRef>, Loads, String)> = sources
            .par_iter()
            .map(|(path, source)| {
                let lines = logical_lines(source);
                (
                    *path,
                    imports_of(&lines),
                    loads_of(&lines),
                    skeleton_of(&lines),
                )
            })
            .collect();
        let anywhere = read
            .iter()
            .any(|(_, _, loads, _)| loads.moves_path)
            .then(|| locate::Anywhere::new(&known));
        let edges = read
            .par_iter()
            .map(|(path, imports, loads, _)| {
                let mut deps = BTreeSet::new();
                for import in imports.iter().chain(&loads.modules) {
                    deps.extend(resolve(path, import, import_roots, &known));
                    if let (Some(anywhere), true) = (&anywhere, loads.moves_path) {
                        deps.extend(anywhere.resolve(import));
                    }
                }
                for literal in &loads.paths {
                    deps.extend(locate::path(path, literal, &known));
                }
                deps.remove(*path);
                ((*path).to_owned(), deps)
            })
            .collect();
        let dynamic = read
            .iter()
            .filter_map(|(path, _, loads, _)| Some(((*path).to_owned(), loads.dynamic?)))
            .collect();
        let skeletons = read
            .into_iter()
            .map(|(path, _, _, skeleton)| (path.to_owned(), skeleton))
            .collect();
        (ImportGraph { edges, dynamic }, skeletons)
    }

    /// The repository files that the modules `names` (absolute, dotted)
    /// may be, as if imported from the root.
    pub(crate) fn modules_named(&self, names: &[String], import_roots: &[String]) -> Vec<String> {
        let known: HashSet<&str> = self.edges.keys().map(String::as_str).collect();
        let mut found: Vec<String> = names
            .iter()
            .flat_map(|name| {
                let import = ImportRef {
                    level: 0,
                    module: name.clone(),
                    names: Vec::new(),
                };
                resolve("", &import, import_roots, &known)
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// `closure_digests`, where each file also covers what it could read
    /// when run: for a computed import, what it could load (`Reach`); for
    /// every module, the files that are not Python beside it (`data`).
    /// What a test that runs it depends on.
    pub(crate) fn runtime_digests(
        &self,
        content: &HashMap<String, String>,
    ) -> HashMap<String, String> {
        let beside = data::package_data(content, |path| self.edges.contains_key(path));
        // Every module, with the files beside it that it may read when run.
        let everything = |python_only: bool| {
            let mut all: Vec<(&str, &str)> = content
                .iter()
                .filter(|(path, _)| !python_only || self.edges.contains_key(*path))
                .map(|(path, digest)| (path.as_str(), digest.as_str()))
                .collect();
            if python_only {
                all.extend(beside.iter().map(|(dir, digest)| (*dir, digest.as_str())));
            }
            all.sort_unstable();
            short_digest(
                all.into_iter().flat_map(|(path, digest)| [path, digest]),
                16,
            )
        };
        let reached = self.dynamic.values().copied().collect::<HashSet<_>>();
        // Any module may be one that loads any file by path.
        let modules_only = !reached.contains(&Reach::Files);
        let reach_digest: HashMap<Reach, String> = reached
            .into_iter()
            .map(|reach| (reach, everything(reach == Reach::Modules && modules_only)))
            .collect();
        let extra = self
            .edges
            .keys()
            .filter_map(|path| {
                let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
                let reach = self.dynamic.get(path).map(|reach| &reach_digest[reach]);
                let data = beside.get(dir);
                (reach.is_some() || data.is_some()).then(|| {
                    let parts = [reach, data].map(|d| d.map_or("", String::as_str));
                    (path.as_str(), parts.concat())
                })
            })
            .collect();
        self.digests(content, &extra)
    }

    /// For every file, a digest of its own content digest and those of all
    /// the repository files it imports, directly or not. `content` maps each
    /// file to the digest of its bytes.
    pub(crate) fn closure_digests(
        &self,
        content: &HashMap<String, String>,
    ) -> HashMap<String, String> {
        self.digests(content, &HashMap::new())
    }

    /// `closure_digests`, each file's own part with its `extra` digest.
    fn digests(
        &self,
        content: &HashMap<String, String>,
        extra: &HashMap<&str, String>,
    ) -> HashMap<String, String> {
        let mut graph: DiGraph<&str, ()> = DiGraph::new();
        let mut nodes: HashMap<&str, NodeIndex> = HashMap::new();
        let mut paths: Vec<&str> = self.edges.keys().map(String::as_str).collect();
        paths.sort_unstable();
        for path in &paths {
            nodes.insert(path, graph.add_node(path));
        }
        for path in &paths {
            for dep in &self.edges[*path] {
                if let Some(&to) = nodes.get(dep.as_str()) {
                    graph.add_edge(nodes[path], to, ());
                }
            }
        }
        // Tarjan yields components in reverse topological order: whatever a
        // component imports has its digest by the time it is reached.
        let mut component_digest: HashMap<NodeIndex, String> = HashMap::new();
        let mut digests = HashMap::with_capacity(paths.len());
        for component in tarjan_scc(&graph) {
            let mut members: Vec<&str> = component.iter().map(|n| graph[*n]).collect();
            members.sort_unstable();
            let mut imported: BTreeSet<&str> = BTreeSet::new();
            for node in &component {
                for next in graph.neighbors(*node) {
                    if let Some(digest) = component_digest.get(&next) {
                        imported.insert(digest);
                    }
                }
            }
            let mut own: Vec<&str> = Vec::with_capacity(members.len() * 2 + 1);
            for path in &members {
                own.push(path);
                own.push(content.get(*path).map_or("", String::as_str));
                if let Some(extra) = extra.get(path) {
                    own.push(extra);
                }
            }
            own.push("|");
            let digest = short_digest(own.into_iter().chain(imported), 16);
            for node in &component {
                component_digest.insert(*node, digest.clone());
            }
            for path in members {
                digests.insert(path.to_owned(), digest.clone());
            }
        }
        digests
    }
}

/// Every repository file `import` may load in `path`: the module, each
/// package above it (their `__init__.py` run first) and, for `from m import
/// n`, the submodule `m.n`.
fn resolve(path: &str, import: &ImportRef, roots: &[String], known: &HashSet<&str>) -> Vec<String> {
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut bases: Vec<&str> = Vec::new();
    if import.level > 0 {
        let mut base = dir;
        for _ in 1..import.level {
            base = base.rsplit_once('/').map_or("", |(up, _)| up);
        }
        bases.push(base);
    } else {
        // The file's own folder and each one above it, then the import roots.
        let mut current = dir;
        loop {
            bases.push(current);
            match current.rsplit_once('/') {
                Some((up, _)) => current = up,
                None if !current.is_empty() => current = "",
                None => break,
            }
        }
        bases.extend(roots.iter().map(String::as_str));
    }
    let parts: Vec<&str> = import.module.split('.').filter(|p| !p.is_empty()).collect();
    let mut modules: Vec<Vec<&str>> = vec![parts.clone()];
    for name in &import.names {
        let mut submodule = parts.clone();
        submodule.push(name);
        modules.push(submodule);
    }
    let mut found = Vec::new();
    // One buffer for every candidate path: thousands of files, each with a
    // dozen imports, each tried below every folder above it.
    let mut candidate = String::new();
    let mut check = |candidate: &str| {
        if known.contains(candidate) {
            found.push(candidate.to_owned());
        }
    };
    for base in &bases {
        candidate.clear();
        if !base.is_empty() {
            candidate.push_str(base);
            candidate.push('/');
        }
        let prefix = candidate.len();
        if import.level > 0 {
            candidate.push_str("__init__.py");
            check(&candidate);
        }
        for module in &modules {
            candidate.truncate(prefix);
            for (i, part) in module.iter().enumerate() {
                if i > 0 {
                    candidate.push('/');
                }
                candidate.push_str(part);
                let stem = candidate.len();
                candidate.push_str(".py");
                check(&candidate);
                candidate.truncate(stem);
                candidate.push_str("/__init__.py");
                check(&candidate);
                candidate.truncate(stem);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(source: &str) -> Vec<(usize, String, Vec<String>)> {
        parse(source)
            .into_iter()
            .map(|i| (i.level, i.module, i.names))
            .collect()
    }

    fn import(level: usize, module: &str, names: &[&str]) -> (usize, String, Vec<String>) {
        (
            level,
            module.to_owned(),
            names.iter().map(|n| (*n).to_owned()).collect(),
        )
    }

    #[test]
    fn reads_every_form_of_import() {
        let source = r"
import os, sys as system
import a.b.c
from x.y import (
    one,
    two as deux,  # a comment
)
from . import sibling
from ..pkg.mod import thing
try: import optional
except ImportError: optional = None
def f():
    from lazy import later; import inline
x = 1 \
    ; import continued
";
        assert_eq!(
            modules(source),
            [
                import(0, "os", &[]),
                import(0, "sys", &[]),
                import(0, "a.b.c", &[]),
                import(0, "x.y", &["one", "two"]),
                import(1, "", &["sibling"]),
                import(2, "pkg.mod", &["thing"]),
                import(0, "optional", &[]),
                import(0, "lazy", &["later"]),
                import(0, "inline", &[]),
                import(0, "continued", &[]),
            ]
        );
    }

    #[test]
    fn strings_and_comments_hold_no_imports() {
        let source = "\"\"\"\nimport not_this\n\"\"\"\n# import nor_this\nx = 'import no'\ny = rb\"from a import b\"\n";
        assert!(modules(source).is_empty());
    }

    #[test]
    fn the_skeleton_changes_with_imports_blocks_and_pragmas_only() {
        let base = "import a\nif TYPE_CHECKING:\n    import b\ndef f():\n    return 1\n";
        let same = skeleton(base);
        assert_eq!(
            skeleton(&base.replace("return 1", "return 2  # note")),
            same
        );
        assert_ne!(skeleton(&base.replace("import b", "import c")), same);
        assert_ne!(skeleton(&base.replace("    import b", "import b")), same);
        assert_ne!(skeleton(&base.replace("return 1", "import d")), same);
        assert_eq!(
            skeleton(&format!("{base}\n\ndef added():\n    return 2\n")),
            same
        );
        assert_ne!(skeleton(&base.replace("TYPE_CHECKING", "False")), same);
        assert_ne!(
            skeleton(&format!("{base}# pylint: disable=cyclic-import\n")),
            same
        );
    }

    #[test]
    fn star_and_attribute_access_are_not_confused() {
        assert_eq!(modules("from m import *\n"), [import(0, "m", &[])]);
        assert!(modules("x.import_thing()\nimportlib.reload(m)\n").is_empty());
    }

    fn graph(files: &[(&str, &str)], roots: &[&str]) -> ImportGraph {
        let roots: Vec<String> = roots.iter().map(|r| (*r).to_owned()).collect();
        ImportGraph::build(files, &roots)
    }

    #[test]
    fn one_reading_gives_each_file_its_edges_and_skeleton() {
        let files = [
            (
                "lib/opslib/__init__.py",
                "# pylint: disable=cyclic-import\n",
            ),
            (
                "lib/opslib/net.py",
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import opslib\n",
            ),
            (
                "net/dns/dns_check.py",
                "import helper\ndef f():\n    from opslib.net import x\n",
            ),
            ("net/dns/helper.py", "import json; import opslib.net as n\n"),
        ];
        let roots = vec!["lib".to_owned()];
        let (graph, skeletons) = ImportGraph::build_with_skeletons(&files, &roots);
        // Each file keeps its own skeleton and edges.
        assert_eq!(skeletons.len(), files.len());
        for (path, source) in files {
            assert_eq!(skeletons[path], skeleton(source), "{path}");
        }
        assert_eq!(
            deps(&graph, "net/dns/helper.py"),
            ["lib/opslib/__init__.py", "lib/opslib/net.py"]
        );
        assert_eq!(
            deps(&graph, "net/dns/dns_check.py"),
            [
                "lib/opslib/__init__.py",
                "lib/opslib/net.py",
                "net/dns/helper.py"
            ]
        );
    }

    fn deps<'g>(graph: &'g ImportGraph, path: &str) -> Vec<&'g str> {
        graph.edges[path].iter().map(String::as_str).collect()
    }

    #[test]
    fn resolves_libraries_siblings_packages_and_relative_imports() {
        let files = [
            ("lib/opslib/__init__.py", ""),
            ("lib/opslib/net.py", ""),
            (
                "networking/dns/dns_check.py",
                "import helper\nfrom opslib.net import resolve\n",
            ),
            ("networking/dns/helper.py", "import json\n"),
            ("pkg/__init__.py", "from .core import run\n"),
            ("pkg/core.py", "from . import util\n"),
            ("pkg/util.py", ""),
        ];
        let graph = graph(&files, &["lib", ""]);
        assert_eq!(
            deps(&graph, "networking/dns/dns_check.py"),
            [
                "lib/opslib/__init__.py",
                "lib/opslib/net.py",
                "networking/dns/helper.py"
            ]
        );
        assert!(deps(&graph, "networking/dns/helper.py").is_empty());
        assert_eq!(deps(&graph, "pkg/__init__.py"), ["pkg/core.py"]);
        assert_eq!(
            deps(&graph, "pkg/core.py"),
            ["pkg/__init__.py", "pkg/util.py"]
        );
    }

    fn digests(files: &[(&str, &str)]) -> HashMap<String, String> {
        let graph = graph(files, &[""]);
        let content = files
            .iter()
            .map(|(path, source)| ((*path).to_owned(), short_digest([*source], 8)))
            .collect();
        graph.closure_digests(&content)
    }

    #[test]
    fn a_change_reaches_every_file_that_imports_it_and_no_other() {
        let before = [
            ("a.py", "import b\n"),
            ("b.py", "import c\n"),
            ("c.py", "X = 1\n"),
            ("d.py", "import os\n"),
            ("e.py", "import f\n"),
            ("f.py", "import e\n"),
        ];
        let mut after = before;
        after[2] = ("c.py", "X = 2\n");
        let (old, new) = (digests(&before), digests(&after));
        for changed in ["a.py", "b.py", "c.py"] {
            assert_ne!(old[changed], new[changed], "{changed}");
        }
        for same in ["d.py", "e.py", "f.py"] {
            assert_eq!(old[same], new[same], "{same}");
        }
        // A cycle: both members share one digest that covers both.
        assert_eq!(old["e.py"], old["f.py"]);
        let mut cycle = before;
        cycle[5] = ("f.py", "import e\nY = 1\n");
        assert_ne!(digests(&cycle)["e.py"], old["e.py"]);
    }

    #[test]
    fn imports_spelled_as_strings_are_edges() {
        let files = [
            ("lib/opslib/__init__.py", ""),
            ("lib/opslib/net.py", ""),
            ("lib/opslib/plugins/__init__.py", ""),
            ("lib/opslib/plugins/dns.py", ""),
            (
                "net/dns/test_dns.py",
                "import importlib\nnet = importlib.import_module('opslib.net')\n\
                 dns = importlib.import_module('.dns', package='opslib.plugins')\n\
                 runpy.run_path('net/dns/tool.py')\n",
            ),
            ("net/dns/tool.py", ""),
            (
                "net/web/check.py",
                "sys.path.insert(0, '../../vendor')\nimport vendored\n",
            ),
            ("vendor/vendored.py", ""),
        ];
        let graph = graph(&files, &["lib"]);
        assert_eq!(
            deps(&graph, "net/dns/test_dns.py"),
            [
                "lib/opslib/__init__.py",
                "lib/opslib/net.py",
                "lib/opslib/plugins/__init__.py",
                "lib/opslib/plugins/dns.py",
                "net/dns/tool.py",
            ]
        );
        assert_eq!(deps(&graph, "net/web/check.py"), ["vendor/vendored.py"]);
        assert!(graph.dynamic.is_empty());
    }

    #[test]
    fn a_computed_import_covers_every_file_for_the_runtime_only() {
        let files = [
            (
                "lib/loader.py",
                "import importlib\ndef load(n):\n    return importlib.import_module(n)\n",
            ),
            ("net/dns/test_dns.py", "import loader\n"),
            ("net/web/check.py", "X = 1\n"),
            ("net/web/data.json", "{}"),
        ];
        let python = &files[..3];
        let graph = graph(python, &["lib"]);
        assert_eq!(graph.dynamic["lib/loader.py"], Reach::Modules);
        let digests = |files: &[(&str, &str)]| {
            let content: HashMap<String, String> = files
                .iter()
                .map(|(path, source)| ((*path).to_owned(), short_digest([*source], 8)))
                .collect();
            let closure = graph.closure_digests(&content);
            let runtime = graph.runtime_digests(&content);
            (closure, runtime)
        };
        let (closure, runtime) = digests(&files);
        let mut edited = files;
        edited[2].1 = "X = 2\n";
        let (closure_after, runtime_after) = digests(&edited);
        // Any Python file may be the one loaded: the test that runs the
        // loader depends on it; Pylint, which cannot follow the call, not.
        assert_ne!(
            runtime["net/dns/test_dns.py"],
            runtime_after["net/dns/test_dns.py"]
        );
        assert_eq!(
            closure["net/dns/test_dns.py"],
            closure_after["net/dns/test_dns.py"]
        );
        // A module it may load may read the data beside it.
        let mut data = files;
        data[3].1 = "[]";
        assert_ne!(
            runtime["net/dns/test_dns.py"],
            digests(&data).1["net/dns/test_dns.py"]
        );
    }

    fn python_ish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let line = prop_oneof![
            ".{0,20}",
            "( {0,8})(import|from|if|def|class|try|with) [a-z._ (),*]{0,16}(:| import [a-z, ]{0,8})?",
            "[rbf]{0,2}(\"\"\"|'''|\"|')[^\n]{0,10}",
            "[()\\[\\]{}\\\\#;:.]{0,6}",
            "(importlib\\.import_module|__import__|runpy\\.run_path|pytest_plugins ?=|exec|sys\\.path)[( \\[\"'a-z._,=]{0,16}",
        ];
        proptest::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
    }

    proptest::proptest! {
        #![proptest_config(crate::fuzz::config())]

        /// Whatever a file holds (unclosed strings and brackets, stray
        /// backslashes), reading its imports ends without a panic, and a
        /// resolved import is always a file of the repository.
        #[test]
        fn any_source_is_read_without_panicking(source in python_ish()) {
            let imports = parse(&source);
            let _ = skeleton(&source);
            let files = [("pkg/__init__.py", ""), ("pkg/mod.py", source.as_str()), ("a.py", "")];
            let graph = ImportGraph::build(&files, &[String::new()]);
            for deps in graph.edges.values() {
                for dep in deps {
                    proptest::prop_assert!(files.iter().any(|(path, _)| path == dep), "{dep}");
                }
            }
            for import in imports {
                proptest::prop_assert!(!import.module.starts_with('.'), "{import:?}");
            }
        }
    }
}
