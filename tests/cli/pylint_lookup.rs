//! Pylint's module lookup answered from folder listings gives astroid's own
//! answers: asked side by side on a tree of awkward cases, and end to end,
//! where which module an import finds changes Pylint's findings.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::pylint_parts::pylint_findings;
use crate::tools::{direct, python_files};
use crate::{CliTest, all_output, exit_code, tools_python};

const LOOKUP: &str = include_str!("../../src/runners/pylint_lookup.py");

/// Asks astroid's search and the listing one every (module, path) question
/// over the tree in the current folder, and prints what differed.
const COMPARE: &str = r#"
import json, os, sys
original = mirrored_search()
install_lookup()
fast = astroid_spec.ImportlibFinder.find_module
def truth(*question):
    # astroid's search, asking the file system itself.
    astroid.modutils.cached_os_path_isfile = os.path.isfile
    try:
        return original(*question)
    finally:
        astroid.modutils.cached_os_path_isfile = isfile
folders = ["a", "b/", "c", "", "missing", "file.txt", "linked", "trap.py",
           os.path.abspath("b"), "a/../c", ".", "locked"]
names = ["shared", "pkg", "stubonly", "compiled", "ext", "dironly", "link",
         "broken", "trap", "only_c", "missing", "os", "sys", "json", "inner",
         "file", "sub", "__init__", "locked_mod"]
paths = [None, tuple(folders), ("c", "a"), ("a/pkg",), ("nowhere",), ()]
compared, located, differences = 0, 0, []
sys.path[:] = folders
def shape(spec):
    return None if spec is None else [spec.name, spec.location, str(spec.type)]
for path in paths:
    for name in names:
        for processed in [(), ("pkg",)]:
            want = shape(truth(name, (name,), processed, path))
            got = shape(fast(name, (name,), processed, path))
            compared += 1
            located += want is not None
            if want != got:
                differences.append([name, path, processed, want, got])
for path in ["a/shared.py", "b/pkg/__init__.py", "trap.py", "a/link.py",
             "a/broken.py", "missing/x.py", "file.txt/x", "a/", "."]:
    compared += 1
    if isfile(path) != os.path.isfile(path):
        differences.append(["isfile", path])
print(json.dumps({"mirrored": original is not None, "compared": compared, "located": located,
                  "found": len(differences), "differences": differences}))
"#;

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Modules in several folders (the first wins), a package and a module of
/// one name, a stub-only package, compiled and extension files, a folder
/// without `__init__`, symlinks (whole, broken, to a folder), a folder named
/// like a module file, a file and a missing folder on the path.
fn awkward_tree(root: &Path) {
    write(root, "a/shared.py", "A = 1\n");
    write(root, "b/shared.py", "B = 1\n");
    write(root, "a/pkg.py", "\n");
    write(root, "b/pkg/__init__.py", "\n");
    write(root, "b/pkg/inner.py", "\n");
    write(root, "a/pkg/sub.py", "\n");
    write(root, "c/stubonly/__init__.pyi", "\n");
    write(root, "c/compiled.pyc", "");
    write(root, "c/ext.cpython-311-x86_64-linux-gnu.so", "");
    write(root, "c/ext.py", "\n");
    write(root, "c/only_c.py", "\n");
    write(root, "c/dironly/inner.py", "\n");
    write(root, "trap.py/__init__.py", "\n");
    write(root, "file.txt", "not a folder\n");
    write(root, "locked/locked_mod.py", "\n");
    std::os::unix::fs::symlink("shared.py", root.join("a/link.py")).unwrap();
    std::os::unix::fs::symlink("gone.py", root.join("a/broken.py")).unwrap();
    std::os::unix::fs::symlink("c", root.join("linked")).unwrap();
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o311)).unwrap();
}

#[test]
fn module_lookup_from_listings_answers_as_astroid_does() {
    let Some(python) = tools_python() else { return };
    let tree = tempfile::tempdir().unwrap();
    awkward_tree(tree.path());
    let output = Command::new(python)
        .arg("-c")
        .arg(format!("{LOOKUP}\n{COMPARE}"))
        .current_dir(tree.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", all_output(&output));
    let result: Value = serde_json::from_str(text.trim()).unwrap();
    // The search is mirrored for the pinned Pylint's astroid; if an upgrade
    // changes it, the mirror must be checked against the new code.
    assert_eq!(result["mirrored"], true, "{result}");
    assert!(result["compared"].as_u64().unwrap() > 200, "{result}");
    assert!(result["located"].as_u64().unwrap() > 50, "{result}");
    assert_eq!(result["found"], 0, "{result:#}");
}

/// Three tools, each its own folder on Pylint's path: `helpers` in the
/// first and the third (Pylint finds the first's, so the call with one
/// argument is wrong against it and right against the other), a package
/// beside a module of the same name, and an import of nothing.
fn tools_repository() -> CliTest {
    let test = CliTest::empty();
    test.write(
        "networking/alpha/helpers.py",
        "\"\"\"Alpha's helpers.\"\"\"\n\n\ndef ping(host, count):\n    \"\"\"Ping.\"\"\"\n    return host, count\n",
    );
    test.write(
        "networking/beta/check.py",
        "\"\"\"Uses whichever helpers Pylint finds first.\"\"\"\n\nimport helpers\nimport nothing_here\nfrom tables import ROWS\n\nprint(helpers.ping(\"h\"), nothing_here, ROWS.missing)\n",
    );
    test.write(
        "networking/gamma/helpers.py",
        "\"\"\"Gamma's helpers.\"\"\"\n\n\ndef ping(host):\n    \"\"\"Ping.\"\"\"\n    return host\n",
    );
    test.write(
        "storage/delta/tables/__init__.py",
        "\"\"\"A package of tables.\"\"\"\n\nROWS = [1]\n",
    );
    test.write(
        "storage/delta/tables.py",
        "\"\"\"Shadowed by the package.\"\"\"\n\nROWS = {}\n",
    );
    test.write(
        "storage/delta/report.py",
        "\"\"\"Report.\"\"\"\n\nfrom tables import ROWS\n\nprint(ROWS.append)\n",
    );
    test
}

/// Pylint's messages run directly, as `pylint_findings` words the gate's.
fn messages(direct: &Value) -> Vec<String> {
    let mut all: Vec<String> = direct["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}:{}:{} ({})",
                m["path"].as_str().unwrap(),
                m["line"],
                m["messageId"].as_str().unwrap(),
                m["message"].as_str().unwrap(),
                m["symbol"].as_str().unwrap()
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn pylint_through_listings_finds_the_modules_pylint_finds() {
    let Some(python) = tools_python() else { return };
    let test = tools_repository();
    let output = test
        .command()
        .args(["check", "--format", "json", "--no-cache"])
        .arg(test.root())
        .output()
        .unwrap();
    assert!(exit_code(&output) < 2, "{}", all_output(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let gate = pylint_findings(&report);
    let mut args = vec!["pylint", "--output-format=json2", "--"];
    let files = python_files(&test.root(), "");
    args.extend(files.iter().map(String::as_str));
    let direct: Value =
        serde_json::from_slice(&direct(&python, &test.root(), &args).stdout).unwrap();
    assert_eq!(gate, messages(&direct));
    // The findings that depend on which module was found are there: the
    // call against alpha's helpers, the import of nothing, and the list
    // (the package, not the module's dict) that has no `missing`.
    let rules: Vec<&str> = gate.iter().map(|f| f.split(':').nth(2).unwrap()).collect();
    for expected in ["E1120", "E0401", "E1101"] {
        assert!(
            rules.contains(&expected),
            "{expected} missing from {gate:#?}"
        );
    }
}
