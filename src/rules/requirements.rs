//! Reading dependency manifests for what they leave unpinned: each
//! requirement that does not name one exact version, with its line.

use toml::de::{DeTable, DeValue};

use super::text::{code_part, line_of, numbered_lines};

/// Lock files: with one, the manifest beside it may use ranges.
pub(crate) fn is_lock_file(name: &str) -> bool {
    name.eq_ignore_ascii_case("pipfile.lock") || name.eq_ignore_ascii_case("poetry.lock")
}

/// (line, requirement) of every requirement in `text` that is not pinned;
/// `name` is the manifest's file name.
pub(crate) fn unpinned(name: &str, text: &str) -> Vec<(u32, String)> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("requirements") && lower.ends_with(".txt") {
        requirements_txt(text)
    } else if lower == "pyproject.toml" {
        pyproject(text)
    } else if lower == "pipfile" {
        pipfile(text)
    } else {
        Vec::new()
    }
}

fn requirements_txt(text: &str) -> Vec<(u32, String)> {
    numbered_lines(text)
        .filter_map(|(number, line)| {
            let requirement = code_part(line).trim();
            // Options (-r, -c, -e, --index-url) and blank lines are not requirements.
            if requirement.is_empty() || requirement.starts_with('-') {
                return None;
            }
            (!is_pinned_pep508(requirement)).then(|| (number, requirement.to_owned()))
        })
        .collect()
}

/// `name[extra]==1.2.3 ; marker` or a direct reference `name @ url`.
pub(crate) fn is_pinned_pep508(requirement: &str) -> bool {
    let requirement = requirement.split(';').next().unwrap_or("").trim();
    if requirement.contains(" @ ") || requirement.contains("://") {
        return true;
    }
    let name_end = requirement
        .find(|c: char| {
            !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '[' | ']' | ','))
        })
        .unwrap_or(requirement.len());
    let spec = requirement[name_end..]
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    spec.starts_with("==") && !spec.contains(',') && !spec.contains('*')
}

/// A Poetry or Pipfile constraint: a bare version or `==version`.
fn is_exact(constraint: &str) -> bool {
    let c = constraint.trim();
    let version = c.strip_prefix("==").unwrap_or(c).trim();
    !version.is_empty()
        && version.starts_with(|ch: char| ch.is_ascii_digit())
        && !version.contains([',', '*', '<', '>', '^', '~', '|', ' '])
}

fn pyproject(text: &str) -> Vec<(u32, String)> {
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new(); // not ours to report; the tools will complain
    };
    let mut found = Vec::new();
    let root = doc.get_ref();
    let project_deps = get(root, &["project", "dependencies"]).and_then(|v| v.get_ref().as_array());
    for item in project_deps.into_iter().flatten() {
        if let Some(req) = item.get_ref().as_str()
            && !is_pinned_pep508(req)
        {
            found.push((line_of(text, item.span().start), req.to_owned()));
        }
    }
    if let Some(DeValue::Table(deps)) =
        get(root, &["tool", "poetry", "dependencies"]).map(toml::Spanned::get_ref)
    {
        found.extend(table_constraints(text, deps, &["python"]));
    }
    found
}

fn pipfile(text: &str) -> Vec<(u32, String)> {
    let Ok(doc) = DeTable::parse(text) else {
        return Vec::new();
    };
    match doc.get_ref().get("packages").map(toml::Spanned::get_ref) {
        Some(DeValue::Table(packages)) => table_constraints(text, packages, &[]),
        _ => Vec::new(),
    }
}

/// `name = "constraint"` or `name = { version = "constraint", … }`; an entry
/// without a version (a path, a git URL) is left alone.
fn table_constraints(text: &str, table: &DeTable<'_>, skip: &[&str]) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for (key, value) in table {
        let name: &str = key.get_ref().as_ref();
        if skip.contains(&name) {
            continue;
        }
        let constraint = match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            DeValue::Table(t) => t.get("version").and_then(|v| v.get_ref().as_str()),
            _ => None,
        };
        if let Some(constraint) = constraint
            && !is_exact(constraint)
        {
            found.push((
                line_of(text, key.span().start),
                format!("{name} = \"{constraint}\""),
            ));
        }
    }
    found
}

fn get<'a, 'i>(table: &'a DeTable<'i>, keys: &[&str]) -> Option<&'a toml::Spanned<DeValue<'i>>> {
    let (first, rest) = keys.split_first()?;
    let value = table.get(*first)?;
    if rest.is_empty() {
        return Some(value);
    }
    match value.get_ref() {
        DeValue::Table(inner) => get(inner, rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_txt_pins() {
        let text = "# tools\nrequests==2.32.3\nidna>=3\nboto3\n-r base.txt\nurllib3[socks]==2.2.1 ; python_version > \"3.8\"\npkg @ https://example.com/pkg.whl\nsix==1.*\n";
        let lines: Vec<u32> = unpinned("requirements-prod.txt", text)
            .iter()
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(lines, [3, 4, 8]);
    }

    #[test]
    fn pyproject_and_poetry() {
        let text = "[project]\nname = \"x\"\ndependencies = [\n  \"requests==2.32.3\",\n  \"idna>=3\",\n]\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nboto3 = \"1.35.0\"\nclick = \"^8.1\"\nrich = { version = \"~13.0\", optional = true }\n";
        let found = unpinned("pyproject.toml", text);
        assert_eq!(
            found,
            [
                (5, "idna>=3".to_owned()),
                (11, "click = \"^8.1\"".to_owned()),
                (12, "rich = \"~13.0\"".to_owned())
            ]
        );
    }

    #[test]
    fn pipfile_packages() {
        let text = "[packages]\nrequests = \"*\"\nidna = \"==3.10\"\nlocal = { path = \".\" }\n[dev-packages]\npytest = \"*\"\n";
        assert_eq!(
            unpinned("Pipfile", text),
            [(2, "requests = \"*\"".to_owned())]
        );
    }

    #[test]
    fn malformed_manifests_do_not_panic() {
        assert!(unpinned("pyproject.toml", "[project\n").is_empty());
        assert!(unpinned("Pipfile", "packages = 3\n").is_empty());
        let _ = unpinned("requirements.txt", "==\n[\n;\n@\n");
    }
}
