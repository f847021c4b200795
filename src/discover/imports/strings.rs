//! Imports that are calls, not statements: `importlib.import_module("pkg.mod")`,
//! `__import__("pkg")`, `runpy.run_module("x")`, `runpy.run_path("x.py")`,
//! `importlib.util.spec_from_file_location("m", "x.py")`, pytest's
//! `pytest_plugins = ["pkg.plugin"]`. A literal name or path becomes an
//! edge like any import. Where the argument is computed (`import_module(name)`,
//! an f-string, `exec(open(path).read())`, a loader passed around instead of
//! called), the file cannot be read to say what it loads: it is marked
//! dynamic, and depends on what it could reach (see `Reach`).

use super::source::{ImportRef, LogicalLine, Token};

/// What a file with a computed import could load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Reach {
    /// Any module by name: with the repository root on the import path
    /// (pytest runs there, and every folder is a namespace package), any
    /// Python file of the repository.
    Modules,
    /// Any file by path (`exec(open(p).read())`, a spec from a location).
    Files,
}

/// The loads of one source that are calls or `pytest_plugins`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Loads {
    /// Modules named by literals, absolute or relative to the file.
    pub(crate) modules: Vec<ImportRef>,
    /// Files named by literal paths (relative to the root or the file).
    pub(crate) paths: Vec<String>,
    /// The widest reach of a computed import, if any.
    pub(crate) dynamic: Option<Reach>,
    /// `sys.path` is changed: a name may resolve below any folder.
    pub(crate) moves_path: bool,
}

/// What a loader takes: a module name or a file path, and which argument
/// (position, keyword) holds it; `None`: whatever it is given, it runs code
/// that cannot be told from here.
struct Loader {
    name: &'static str,
    target: Option<(Target, usize, &'static str)>,
    /// Loads the package's `__main__` (`runpy.run_module`).
    main: bool,
    /// What it reaches when its target is computed.
    reach: Reach,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Module,
    Path,
}

const fn loader(
    name: &'static str,
    target: Option<(Target, usize, &'static str)>,
    reach: Reach,
) -> Loader {
    Loader {
        name,
        target,
        main: false,
        reach,
    }
}

const LOADERS: &[Loader] = &[
    loader(
        "import_module",
        Some((Target::Module, 0, "name")),
        Reach::Modules,
    ),
    loader(
        "__import__",
        Some((Target::Module, 0, "name")),
        Reach::Modules,
    ),
    loader(
        "find_spec",
        Some((Target::Module, 0, "name")),
        Reach::Modules,
    ),
    Loader {
        name: "run_module",
        target: Some((Target::Module, 0, "mod_name")),
        main: true,
        reach: Reach::Modules,
    },
    loader(
        "run_path",
        Some((Target::Path, 0, "path_name")),
        Reach::Files,
    ),
    loader(
        "spec_from_file_location",
        Some((Target::Path, 1, "location")),
        Reach::Files,
    ),
    loader(
        "SourceFileLoader",
        Some((Target::Path, 1, "path")),
        Reach::Files,
    ),
    loader(
        "load_source",
        Some((Target::Path, 1, "pathname")),
        Reach::Files,
    ),
    loader("load_module", None, Reach::Files),
    loader("walk_packages", None, Reach::Modules),
    loader("exec", None, Reach::Files),
    loader("execfile", None, Reach::Files),
    loader("eval", None, Reach::Files),
];

/// Loaders that are builtins, not attributes.
const BUILTINS: &[&str] = &["exec", "execfile", "eval"];

/// Words an argument beside the target may hold without making the call
/// computed (`__import__("x", globals(), locals(), ["y"], 0)`).
const HARMLESS: &[&str] = &["globals", "locals", "None", "True", "False", "__package__"];

/// The call-like loads of a source's logical lines.
pub(super) fn loads_of(lines: &[LogicalLine]) -> Loads {
    let aliases = aliases(lines);
    let mut loads = Loads::default();
    for line in lines {
        read_line(&line.tokens, &aliases, &mut loads);
    }
    loads
}

/// `from importlib import import_module as load`: `load` is a loader too.
fn aliases(lines: &[LogicalLine]) -> Vec<(String, &'static Loader)> {
    let mut found = Vec::new();
    for line in lines {
        let mut tokens = line.tokens.iter();
        while let Some(token) = tokens.next() {
            if let (Token::Word(name), Some(Token::Word(r#as)), Some(Token::Word(alias))) =
                (token, tokens.clone().next(), tokens.clone().nth(1))
                && r#as == "as"
                && let Some(loader) = LOADERS.iter().find(|l| l.name == name)
            {
                found.push((alias.clone(), loader));
            }
        }
    }
    found
}

fn read_line(tokens: &[Token], aliases: &[(String, &'static Loader)], loads: &mut Loads) {
    let mut i = 0;
    while i < tokens.len() {
        let clause_start = i == 0 || tokens[i - 1] == Token::End;
        match &tokens[i] {
            // An import statement is the other reader's.
            Token::Word(w) if clause_start && (w == "import" || w == "from") => {
                while i < tokens.len() && tokens[i] != Token::End {
                    i += 1;
                }
            }
            Token::Word(w) if w == "pytest_plugins" && clause_start => {
                i = plugins(tokens, i + 1, loads);
            }
            Token::Word(w) if w == "path" && sys_path_changed(tokens, i) => {
                loads.moves_path = true;
            }
            Token::Word(w) if w == "addsitedir" => loads.moves_path = true,
            Token::Word(w) => {
                let before = i.checked_sub(1).map(|b| &tokens[b]);
                // A definition, a keyword argument, or a method that only
                // shares a builtin's name (`model.eval()`).
                let not_a_use = matches!(before, Some(Token::Word(d)) if d == "def" || d == "class")
                    || tokens.get(i + 1) == Some(&Token::Eq)
                    || (before == Some(&Token::Dot) && BUILTINS.contains(&w.as_str()));
                let known = LOADERS.iter().find(|l| l.name == w).or_else(|| {
                    aliases
                        .iter()
                        .find(|(alias, _)| alias == w)
                        .map(|(_, l)| *l)
                });
                if let (Some(loader), false) = (known, not_a_use) {
                    call(loader, tokens, i + 1, loads);
                }
            }
            // `getattr(importlib, "import_module")`: a loader by name.
            Token::Str(s) if s == "import_module" || s == "__import__" => {
                widen(loads, Reach::Modules);
            }
            _ => {}
        }
        i += 1;
    }
}

fn widen(loads: &mut Loads, reach: Reach) {
    loads.dynamic = loads.dynamic.max(Some(reach));
}

/// `sys.path.insert(…)`, `.append`, `.extend`, `sys.path = …`, `sys.path[:0] = …`,
/// `sys.path += …`, with `tokens[i]` the word `path`.
fn sys_path_changed(tokens: &[Token], i: usize) -> bool {
    let after_sys = i >= 2
        && tokens[i - 1] == Token::Dot
        && matches!(&tokens[i - 2], Token::Word(w) if w == "sys");
    after_sys
        && match tokens.get(i + 1) {
            Some(Token::Dot) => matches!(tokens.get(i + 2),
                Some(Token::Word(w)) if matches!(w.as_str(), "insert" | "append" | "extend")),
            Some(Token::Eq | Token::Other | Token::Open('[')) => true,
            _ => false,
        }
}

/// `pytest_plugins = ["a.b", "c"]` (or one string): the modules pytest
/// loads; a computed value is dynamic. Returns where the statement ends.
fn plugins(tokens: &[Token], mut i: usize, loads: &mut Loads) -> usize {
    // Past an annotation or `+`, to the value.
    while i < tokens.len() && !matches!(tokens[i], Token::Eq | Token::End) {
        i += 1;
    }
    if tokens.get(i) != Some(&Token::Eq) {
        return i; // read, not assigned
    }
    i += 1;
    let start = i;
    while i < tokens.len() && tokens[i] != Token::End {
        i += 1;
    }
    for token in &tokens[start..i] {
        match token {
            Token::Str(name) => loads.modules.push(absolute(name, &[])),
            Token::Open(_) | Token::Close(_) | Token::Comma => {}
            _ => widen(loads, Reach::Modules),
        }
    }
    i
}

/// A loader at `tokens[open - 1]`: a call with a literal target is an edge;
/// anything else (a computed target, the loader passed around) is dynamic.
fn call(loader: &Loader, tokens: &[Token], open: usize, loads: &mut Loads) {
    let Some(args) = arguments(tokens, open) else {
        widen(loads, loader.reach);
        return;
    };
    let Some((kind, position, keyword)) = loader.target else {
        widen(loads, loader.reach);
        return;
    };
    let keyword_of = |arg: &[Token]| match arg {
        [Token::Word(k), Token::Eq, ..] => Some(k.clone()),
        _ => None,
    };
    let value = |arg: &'_ [Token]| -> Vec<Token> {
        if keyword_of(arg).is_some() {
            arg[2..].to_vec()
        } else {
            arg.to_vec()
        }
    };
    let positional: Vec<&[Token]> = args
        .iter()
        .copied()
        .filter(|a| keyword_of(a).is_none())
        .collect();
    let target = args
        .iter()
        .find(|a| keyword_of(a).as_deref() == Some(keyword))
        .or(positional.get(position))
        .map(|a| value(a));
    let Some([Token::Str(target)]) = target.as_deref() else {
        widen(loads, loader.reach);
        return;
    };
    // Every other argument: strings are names it may load too (a
    // `fromlist`); a word that is not harmless could change what it loads.
    let mut names = Vec::new();
    let mut package = None;
    for arg in &args {
        let keyword = keyword_of(arg);
        let value = value(arg);
        if matches!(value.as_slice(), [Token::Str(t)] if t == target) {
            continue;
        }
        let is_package = keyword.as_deref() == Some("package")
            || (loader.name == "import_module"
                && keyword.is_none()
                && positional.get(1) == Some(arg));
        for token in &value {
            match token {
                Token::Str(s) if is_package => package = Some(s.clone()),
                Token::Str(s) => names.push(s.clone()),
                Token::Word(w) if is_package && w == "__package__" => {
                    package = Some(String::new());
                }
                Token::Word(w) if HARMLESS.contains(&w.as_str()) => {}
                Token::Word(w) if w.chars().all(|c| c.is_ascii_digit()) => {}
                Token::Open(_) | Token::Close(_) | Token::Comma => {}
                _ => {
                    widen(loads, loader.reach);
                    return;
                }
            }
        }
    }
    match kind {
        // An absolute path is outside what the repository's files can say.
        Target::Path if target.starts_with('/') => widen(loads, Reach::Files),
        Target::Path => loads.paths.push(target.clone()),
        Target::Module => {
            let mut module = match package {
                // `import_module(".mod", package="pkg")`.
                Some(package) if !package.is_empty() && target.starts_with('.') => {
                    relative_to(target, &package)
                }
                // `(".mod", __package__)`: relative to the file, like `from .mod import`.
                Some(_) | None if target.starts_with('.') => {
                    let level = target.chars().take_while(|c| *c == '.').count();
                    ImportRef {
                        level,
                        module: target[level..].to_owned(),
                        names: Vec::new(),
                    }
                }
                _ => absolute(target, &[]),
            };
            module.names.extend(names);
            if loader.main {
                module.names.push("__main__".to_owned());
            }
            loads.modules.push(module);
        }
    }
}

fn absolute(module: &str, names: &[String]) -> ImportRef {
    ImportRef {
        level: 0,
        module: module.trim_matches('.').to_owned(),
        names: names.to_vec(),
    }
}

/// `..mod` relative to the package `a.b` is `a.mod`.
fn relative_to(target: &str, package: &str) -> ImportRef {
    let level = target.chars().take_while(|c| *c == '.').count();
    let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    parts.truncate(parts.len().saturating_sub(level - 1));
    let rest = &target[level..];
    if !rest.is_empty() {
        parts.push(rest);
    }
    absolute(&parts.join("."), &[])
}

/// The arguments of the call whose `(` is at `tokens[open]`, split at the
/// top-level commas; `None` when `tokens[open]` opens no call.
fn arguments(tokens: &[Token], open: usize) -> Option<Vec<&[Token]>> {
    if tokens.get(open) != Some(&Token::Open('(')) {
        return None;
    }
    let mut depth = 0usize;
    let mut args = Vec::new();
    let mut start = open + 1;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Open(_) => depth += 1,
            Token::Close(_) => {
                depth -= 1;
                if depth == 0 {
                    if i > start {
                        args.push(&tokens[start..i]);
                    }
                    return Some(args);
                }
            }
            Token::Comma if depth == 1 => {
                args.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    // Unclosed: what it loads cannot be told.
    None
}

#[cfg(test)]
mod tests {
    use super::super::source::logical_lines;
    use super::*;

    fn loads(source: &str) -> Loads {
        loads_of(&logical_lines(source))
    }

    fn modules(source: &str) -> Vec<(usize, String, Vec<String>)> {
        let found = loads(source);
        assert_eq!(found.dynamic, None, "{source}");
        found
            .modules
            .into_iter()
            .map(|m| (m.level, m.module, m.names))
            .collect()
    }

    fn module(level: usize, name: &str, names: &[&str]) -> (usize, String, Vec<String>) {
        let names = names.iter().map(|n| (*n).to_owned()).collect();
        (level, name.to_owned(), names)
    }

    #[test]
    fn literal_calls_name_their_modules() {
        let source = r#"
import importlib
from importlib import import_module
from importlib import import_module as load
import runpy
a = importlib.import_module("opslib.net")
b = import_module('pkg.mod')
c = load(r"aliased")
d = __import__("top.sub", globals(), locals(), ["one"], 0)
e = importlib.import_module(".sibling", package="pkg.inner")
f = importlib.import_module("..up", "a.b.c")
g = importlib.import_module(".mine", __package__)
runpy.run_module("tool")
if importlib.util.find_spec("yaml"): pass
"#;
        assert_eq!(
            modules(source),
            [
                module(0, "opslib.net", &[]),
                module(0, "pkg.mod", &[]),
                module(0, "aliased", &[]),
                module(0, "top.sub", &["one"]),
                module(0, "pkg.inner.sibling", &[]),
                module(0, "a.b.up", &[]),
                module(1, "mine", &[]),
                module(0, "tool", &["__main__"]),
                module(0, "yaml", &[]),
            ]
        );
    }

    #[test]
    fn pytest_plugins_and_literal_paths() {
        assert_eq!(
            modules("pytest_plugins = [\"opsfix.db\", 'opsfix.net']\n"),
            [module(0, "opsfix.db", &[]), module(0, "opsfix.net", &[])]
        );
        assert_eq!(
            modules("pytest_plugins = \"one\"\n"),
            [module(0, "one", &[])]
        );
        let found = loads(
            "runpy.run_path('tools/x.py')\nspec = importlib.util.spec_from_file_location(\"m\", \"plug/m.py\")\n",
        );
        assert_eq!(found.paths, ["tools/x.py", "plug/m.py"]);
        assert_eq!(found.dynamic, None);
    }

    #[test]
    fn computed_imports_are_dynamic() {
        for source in [
            "importlib.import_module(name)\n",
            "import_module(f\"opslib.{name}\")\n",
            "__import__(\"pkg.\" + name)\n",
            "importlib.import_module(pick(\"a\"))\n",
            "importlib.import_module(\".x\", package=base)\n",
            "__import__(\"x\", fromlist=names)\n",
            "load = importlib.import_module\n",
            "mods = map(import_module, names)\n",
            "getattr(importlib, \"import_module\")(\"x\")\n",
            "pytest_plugins = PLUGINS\n",
            "runpy.run_module(\n",
        ] {
            assert_eq!(loads(source).dynamic, Some(Reach::Modules), "{source}");
        }
        for source in [
            "exec(open(path).read())\n",
            "spec = importlib.util.spec_from_file_location(\"m\", os.path.join(here, \"m.py\"))\n",
            "runpy.run_path(\"/opt/tools/x.py\")\n",
            "eval(expression)\n",
        ] {
            assert_eq!(loads(source).dynamic, Some(Reach::Files), "{source}");
        }
    }

    #[test]
    fn look_alikes_load_nothing() {
        for source in [
            "from importlib import import_module\n",
            "def import_module(name):\n    return name\n",
            "model.eval()\n",
            "x = 'import_module(name)'\n",
            "# importlib.import_module(name)\n",
            "run(exec=True)\n",
            "print(sys.path)\n",
        ] {
            assert_eq!(loads(source), Loads::default(), "{source}");
        }
    }

    #[test]
    fn changing_sys_path_is_noticed() {
        for source in [
            "sys.path.insert(0, os.path.dirname(__file__))\n",
            "sys.path.append('../lib')\n",
            "sys.path = [here] + sys.path\n",
            "sys.path[:0] = [here]\n",
            "sys.path += [here]\n",
            "site.addsitedir(here)\n",
        ] {
            assert!(loads(source).moves_path, "{source}");
        }
    }
}
