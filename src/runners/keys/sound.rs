//! The cache keys are sound: generated repositories (a shared library,
//! tool folders whose tests import it by statement, by string literal and
//! by computed name, `conftest.py` files, data files in the tool folders and
//! a template in the library, a pytest plugin named with `-p`) go through a sequence of edits, and after each one every
//! test folder and every Python file whose result could differ gets a new
//! key. The model below knows each file's real dependencies; the keys must
//! cover them (a dependency too many is allowed: it only costs a miss).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use proptest::prelude::*;

use super::KeyInputs;
use crate::discover::repo::Repo;
use crate::hash::short_digest;
use crate::model::Layout;

const TOOLS: usize = 3;

/// Every path a generated repository may hold.
fn universe() -> Vec<String> {
    let mut paths: Vec<String> = [
        "lib/opslib/__init__.py",
        "lib/plug.py",
        "lib/opslib/templates/base.txt",
    ]
    .map(str::to_owned)
    .to_vec();
    paths.extend((0..4).map(|m| format!("lib/opslib/m{m}.py")));
    for tool in 0..TOOLS {
        for name in [format!("test_t{tool}.py"), "helper.py".to_owned()] {
            paths.push(format!("dom/t{tool}/{name}"));
        }
        paths.push(format!("dom/t{tool}/data.json"));
        paths.push(format!("dom/t{tool}/conftest.py"));
    }
    paths.extend(["dom/conftest.py", "conftest.py", "pytest.ini"].map(str::to_owned));
    paths
}

/// One import: what (0–3: `opslib.mN`; 4: the tool folder's `helper`, or
/// the plugin `plug` elsewhere) and how it is spelled (see `render`).
type Import = (u8, u8);

#[derive(Clone, Debug, PartialEq)]
struct Spec {
    imports: Vec<Import>,
    salt: u32,
}

type Model = BTreeMap<String, Spec>;

fn is_python(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| e == "py")
}

fn tool_folder(path: &str) -> Option<&str> {
    path.starts_with("dom/t")
        .then(|| &path[..path.rfind('/').unwrap_or(0)])
}

/// The module an import names, and the file it is.
fn target(from: &str, what: u8) -> (String, String) {
    match (what, tool_folder(from)) {
        (4, Some(tool)) => ("helper".to_owned(), format!("{tool}/helper.py")),
        (4, None) => ("plug".to_owned(), "lib/plug.py".to_owned()),
        (n, _) => (format!("opslib.m{n}"), format!("lib/opslib/m{n}.py")),
    }
}

const PLAIN: u8 = 0;
const RUN_PATH: u8 = 5;
const COMPUTED_NAME: u8 = 6;
const COMPUTED_PATH: u8 = 7;
const STYLES: u8 = 10;

fn render(path: &str, spec: &Spec) -> String {
    if !is_python(path) {
        return if path == "pytest.ini" {
            format!("[pytest]\naddopts = -p plug\n# {}\n", spec.salt)
        } else {
            format!("{{\"salt\": {}}}\n", spec.salt)
        };
    }
    let mut out = String::from("import importlib\nimport runpy\n");
    for &(what, style) in &spec.imports {
        let (module, file) = target(path, what);
        let short = module.rsplit('.').next().unwrap_or(&module);
        let line = match style {
            PLAIN => format!("import {module}"),
            1 => format!("from importlib import import_module\nimport_module(\"{module}\")"),
            3 => format!("__import__(\"{module}\")"),
            4 if module.starts_with("opslib.") && path.starts_with("lib/opslib/") => {
                format!("importlib.import_module(\".{short}\", __package__)")
            }
            4 if module.starts_with("opslib.") => {
                format!("importlib.import_module(\".{short}\", package=\"opslib\")")
            }
            2 | 4 => format!("importlib.import_module(\"{module}\")"),
            RUN_PATH => format!("runpy.run_path(\"{file}\")"),
            COMPUTED_NAME => format!("importlib.import_module(\"{module}\" + SUFFIX)"),
            COMPUTED_PATH => format!("exec(open(\"{file}\" + SUFFIX).read())"),
            8 => format!("pytest_plugins = [\"{module}\"]"),
            _ => match module.rsplit_once('.') {
                Some((package, _)) => format!("from {package} import {short}"),
                None => format!("from {module} import VALUE"),
            },
        };
        out.push_str(&line);
        out.push('\n');
    }
    let _ = writeln!(out, "VALUE = {}", spec.salt);
    out
}

/// What running `path` really reads: itself and, transitively, what it
/// imports; a computed import reads any Python file (or any file).
fn run_deps(model: &Model, path: &str, literal_only: bool) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![path.to_owned()];
    while let Some(file) = todo.pop() {
        let Some(spec) = model.get(&file) else {
            continue;
        };
        if !seen.insert(file.clone()) || !is_python(&file) {
            continue;
        }
        // The library's modules read its template when run.
        if file.starts_with("lib/opslib/") && !literal_only {
            todo.push("lib/opslib/templates/base.txt".to_owned());
        }
        for &(what, style) in &spec.imports {
            let (module, target) = target(&file, what);
            match style {
                COMPUTED_NAME | COMPUTED_PATH if literal_only => {}
                COMPUTED_NAME => todo.extend(model.keys().filter(|p| is_python(p)).cloned()),
                COMPUTED_PATH => todo.extend(model.keys().cloned()),
                RUN_PATH => todo.push(target),
                _ => {
                    if module.starts_with("opslib.") {
                        todo.push("lib/opslib/__init__.py".to_owned());
                    }
                    todo.push(target);
                }
            }
        }
    }
    seen
}

/// What a test folder's result depends on: its files, what its Python
/// files run, the `conftest.py` files above it, and the plugin pytest.ini names.
fn folder_deps(model: &Model, folder: &str) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let below = format!("{folder}/");
    let mut run = vec!["dom/conftest.py".to_owned(), "conftest.py".to_owned()];
    if model.contains_key("pytest.ini") {
        run.extend(["pytest.ini".to_owned(), "lib/plug.py".to_owned()]);
    }
    for path in model.keys().filter(|p| p.starts_with(&below)) {
        deps.insert(path.clone());
        run.push(path.clone());
    }
    for path in run {
        deps.extend(run_deps(model, &path, false));
    }
    deps
}

struct Keys {
    folders: BTreeMap<String, Option<String>>,
    files: BTreeMap<String, Option<String>>,
}

fn write(root: &Path, before: &Model, after: &Model) {
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        std::fs::remove_file(root.join(path)).unwrap();
    }
    for (path, spec) in after {
        if before.get(path) != Some(spec) {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, render(path, spec)).unwrap();
        }
    }
}

fn keys(root: &Path, model: &Model) -> Keys {
    let layout = Layout {
        libraries: vec!["lib".to_owned()],
        not_domains: Vec::new(),
    };
    let repo = Repo::discover(root, &layout, 1);
    let inputs = KeyInputs::compute(&repo);
    // The configuration files are in every tool's base.
    let base = short_digest(["base", inputs.config.as_str()], 16);
    let folders = (0..TOOLS)
        .map(|t| format!("dom/t{t}"))
        .map(|f| (f.clone(), inputs.folder_key(&base, &f, &repo)))
        .collect();
    let files = model
        .keys()
        .filter(|p| is_python(p))
        .map(|p| (p.clone(), inputs.closure_key(&base, p)))
        .collect();
    Keys { folders, files }
}

/// One edit: a path of the universe and what happens to it (0: its
/// content changes, or it is created; 1: its imports change; 2: it is
/// deleted, or created).
type Edit = (usize, u8, Vec<Import>);

fn apply(model: &Model, paths: &[String], (index, action, imports): &Edit, step: u32) -> Model {
    let mut after = model.clone();
    let path = &paths[index % paths.len()];
    let fresh = Spec {
        imports: imports.clone(),
        salt: 1000 + step,
    };
    match (action, after.get_mut(path)) {
        (2, Some(_)) => {
            after.remove(path);
        }
        (0, Some(spec)) => spec.salt = 1000 + step,
        (1, Some(spec)) => spec.imports.clone_from(imports),
        (_, None) => {
            after.insert(path.clone(), fresh);
        }
        _ => {}
    }
    after
}

fn imports() -> impl Strategy<Value = Vec<Import>> {
    prop::collection::vec((0..5u8, 0..STYLES), 0..3)
}

fn repository() -> impl Strategy<Value = Model> {
    let paths = universe();
    prop::collection::vec((any::<bool>(), imports()), paths.len()).prop_map(move |files| {
        let mut model = Model::new();
        for (i, ((present, imports), path)) in files.into_iter().zip(&paths).enumerate() {
            // The first tool's test is always there.
            if present || path == "dom/t0/test_t0.py" {
                let salt = u32::try_from(i).unwrap();
                model.insert(path.clone(), Spec { imports, salt });
            }
        }
        model
    })
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((0..universe().len(), 0..3u8, imports()), 1..8)
}

/// Which of `paths` differ between two models (content, created, deleted).
fn changed(before: &Model, after: &Model) -> BTreeSet<String> {
    let all: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    all.into_iter()
        .filter(|p| before.get(*p).map(|s| render(p, s)) != after.get(*p).map(|s| render(p, s)))
        .cloned()
        .collect()
}

fn check_edit(before: &Model, after: &Model, old: &Keys, new: &Keys) -> Result<(), String> {
    let edited = changed(before, after);
    for (folder, key) in &new.folders {
        let deps: BTreeSet<String> = folder_deps(before, folder)
            .into_iter()
            .chain(folder_deps(after, folder))
            .collect();
        if let Some(file) = deps.intersection(&edited).next()
            && key.is_some()
            && *key == old.folders[folder]
        {
            return Err(format!("{folder}: `{file}` changed, the key did not"));
        }
    }
    for (path, key) in &new.files {
        let Some(old_key) = old.files.get(path) else {
            continue;
        };
        let deps: BTreeSet<String> = run_deps(before, path, true)
            .into_iter()
            .chain(run_deps(after, path, true))
            .collect();
        if let Some(file) = deps.intersection(&edited).next()
            && key.is_some()
            && key == old_key
        {
            return Err(format!("{path}: `{file}` changed, Pylint's key did not"));
        }
    }
    Ok(())
}

fn run(model: &Model, edits: &[Edit]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let paths = universe();
    write(dir.path(), &Model::new(), model);
    let mut model = model.clone();
    let mut old = keys(dir.path(), &model);
    for (step, edit) in edits.iter().enumerate() {
        let after = apply(&model, &paths, edit, u32::try_from(step).unwrap());
        write(dir.path(), &model, &after);
        let new = keys(dir.path(), &after);
        check_edit(&model, &after, &old, &new).map_err(|why| {
            let files: Vec<String> = after
                .iter()
                .map(|(p, s)| format!("--- {p}\n{}", render(p, s)))
                .collect();
            format!("after edit {step} {edit:?}: {why}\n{}", files.concat())
        })?;
        (model, old) = (after, new);
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::fuzz::config())]

    /// cached == uncached: whatever the repository and the edits, a unit
    /// whose result could differ after an edit gets a new key.
    #[test]
    fn every_edit_that_could_change_a_result_changes_its_key(
        model in repository(),
        edits in edits(),
    ) {
        if let Err(why) = run(&model, &edits) {
            prop_assert!(false, "{why}");
        }
    }
}

fn spec(imports: &[Import]) -> Spec {
    Spec {
        imports: imports.to_vec(),
        salt: 0,
    }
}

/// One edit of one file, checked like the property does.
fn single(files: &[(&str, Spec)], edited: &str) -> Result<(), String> {
    let model: Model = files
        .iter()
        .map(|(p, s)| ((*p).to_owned(), s.clone()))
        .collect();
    let paths = universe();
    let index = paths.iter().position(|p| p == edited).unwrap();
    run(&model, &[(index, 0, Vec::new())])
}

#[test]
fn a_module_imported_by_a_string_is_in_the_key() {
    let files = [
        ("lib/opslib/m1.py", spec(&[])),
        ("dom/t0/test_t0.py", spec(&[(1, 2)])),
    ];
    single(&files, "lib/opslib/m1.py").unwrap();
}

#[test]
fn a_computed_import_covers_every_python_file() {
    let files = [
        ("lib/opslib/m1.py", spec(&[])),
        ("lib/opslib/m2.py", spec(&[(0, COMPUTED_NAME)])),
        ("dom/t0/test_t0.py", spec(&[(2, PLAIN)])),
        ("dom/t1/test_t1.py", spec(&[])),
    ];
    single(&files, "dom/t1/test_t1.py").unwrap();
}

#[test]
fn what_a_conftest_above_the_folder_imports_is_in_the_key() {
    let files = [
        ("lib/opslib/m1.py", spec(&[])),
        ("dom/conftest.py", spec(&[(1, PLAIN)])),
        ("dom/t0/test_t0.py", spec(&[])),
    ];
    single(&files, "lib/opslib/m1.py").unwrap();
}

#[test]
fn a_plugin_named_with_p_is_in_the_key() {
    let files = [
        ("lib/plug.py", spec(&[])),
        ("pytest.ini", spec(&[])),
        ("dom/t0/test_t0.py", spec(&[])),
    ];
    single(&files, "lib/plug.py").unwrap();
}

#[test]
fn a_template_beside_an_imported_module_is_in_the_key() {
    let files = [
        ("lib/opslib/m1.py", spec(&[])),
        ("lib/opslib/templates/base.txt", spec(&[])),
        ("dom/t0/test_t0.py", spec(&[(1, PLAIN)])),
    ];
    single(&files, "lib/opslib/templates/base.txt").unwrap();
}

#[test]
fn a_data_file_of_the_folder_is_in_the_key() {
    let files = [
        ("dom/t0/data.json", spec(&[])),
        ("dom/t0/test_t0.py", spec(&[])),
    ];
    single(&files, "dom/t0/data.json").unwrap();
}

#[test]
fn a_module_loaded_by_a_computed_name_may_read_any_file() {
    let files = [
        ("lib/opslib/m1.py", spec(&[(2, COMPUTED_PATH)])),
        ("dom/t0/data.json", spec(&[])),
        ("dom/t1/test_t1.py", spec(&[(0, COMPUTED_NAME)])),
    ];
    single(&files, "dom/t0/data.json").unwrap();
}
