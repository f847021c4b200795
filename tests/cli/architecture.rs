//! The house is layered: no import cycle between the top-level modules of
//! `src/` (each stage folder, and each module at the root, is one). A file
//! belongs to the top-level module it sits in; its imports are the `crate::`
//! paths it names outside its test modules. A cycle fails with its members.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::{self, Visit};

/// The first segment after `crate::` of every path a file names.
#[derive(Default)]
struct CrateUses {
    modules: BTreeSet<String>,
}

impl CrateUses {
    fn tree(&mut self, tree: &syn::UseTree, at_crate: bool) {
        match tree {
            syn::UseTree::Path(path) if !at_crate && path.ident == "crate" => {
                self.tree(&path.tree, true);
            }
            syn::UseTree::Path(path) if at_crate => {
                self.modules.insert(path.ident.to_string());
            }
            syn::UseTree::Name(name) if at_crate => {
                self.modules.insert(name.ident.to_string());
            }
            syn::UseTree::Rename(rename) if at_crate => {
                self.modules.insert(rename.ident.to_string());
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.tree(item, at_crate);
                }
            }
            _ => {}
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

impl<'ast> Visit<'ast> for CrateUses {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(module) => &module.attrs,
            syn::Item::Fn(function) => &function.attrs,
            syn::Item::Use(import) => &import.attrs,
            syn::Item::Impl(block) => &block.attrs,
            syn::Item::Struct(item) => &item.attrs,
            _ => return visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_use(&mut self, import: &'ast syn::ItemUse) {
        self.tree(&import.tree, false);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments = path.segments.iter();
        if segments.next().is_some_and(|first| first.ident == "crate")
            && let Some(second) = segments.next()
        {
            self.modules.insert(second.ident.to_string());
        }
        visit::visit_path(self, path);
    }
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// Top-level module -> the top-level modules its files import.
fn module_imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let syntax =
            syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", relative.display()));
        let mut uses = CrateUses::default();
        uses.visit_file(&syntax);
        let imports = graph.entry(module.clone()).or_default();
        imports.extend(uses.modules.into_iter().filter(|m| *m != module));
    }
    graph
}

/// The modules that import each other in a loop (Tarjan's strongly
/// connected components of more than one module).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn connect<'g>(state: &mut State<'g>, node: &'g str) {
        let next = state.index.len();
        state.index.insert(node, next);
        state.low.insert(node, next);
        state.stack.push(node);
        for target in state.graph.get(node).into_iter().flatten() {
            let Some((target, _)) = state.graph.get_key_value(target.as_str()) else {
                continue;
            };
            if !state.index.contains_key(target.as_str()) {
                connect(state, target);
                let low = state.low[target.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.stack.contains(&target.as_str()) {
                let low = state.index[target.as_str()].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let at = state.stack.iter().position(|n| *n == node).unwrap();
            let members: Vec<String> = state.stack.drain(at..).map(str::to_owned).collect();
            if members.len() > 1 {
                state.found.push(members);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !state.index.contains_key(node.as_str()) {
            connect(&mut state, node);
        }
    }
    state.found
}

#[test]
fn no_import_cycle_between_the_top_level_modules() {
    let graph = module_imports();
    assert!(graph.len() > 20, "read {} modules", graph.len());
    assert!(graph["check"].contains("runners"), "{:?}", graph["check"]);
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "import cycles between top-level modules: {cycles:?}\n{graph:#?}"
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a", "d"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_owned(), t.into_iter().map(str::to_owned).collect()))
    .collect();
    let found = cycles(&graph);
    assert_eq!(found.len(), 1);
    let members: BTreeSet<&str> = found[0].iter().map(String::as_str).collect();
    assert_eq!(members, BTreeSet::from(["a", "b", "c"]));
}

/// The stages that sit at the bottom import nothing of the stages above.
#[test]
fn the_shared_words_import_no_stage() {
    let graph = module_imports();
    for bottom in ["model", "globs", "hash", "environment"] {
        assert!(
            graph[bottom].is_empty(),
            "{bottom} imports {:?}",
            graph[bottom]
        );
    }
}
