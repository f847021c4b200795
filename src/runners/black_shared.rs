//! What Black's check (`black.rs`) and its formatting in place
//! (`black_fmt.rs`) share: the `pyproject.toml` Black reads, and the
//! per-file errors it prints when it cannot parse a file.

use std::path::{Path, PathBuf};

use super::python_paths;
use crate::discover::repo::Repo;

/// A file Black could not parse, where and why.
pub(super) struct ParseError {
    pub(super) path: String,
    pub(super) line: Option<u32>,
    pub(super) column: Option<u32>,
    pub(super) message: String,
}

/// Black's two shapes of per-file errors on stderr:
/// `error: cannot parse: PATH:LINE:COL` followed by the source line, a caret
/// and the reason (`ParseError: bad input`), and
/// `error: cannot format PATH: MESSAGE` (with `LINE:COL:` in older versions).
pub(super) fn parse_errors(stderr: &str) -> Vec<ParseError> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut errors = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("error: cannot parse: ") {
            let mut parts = rest.rsplitn(3, ':');
            let (Some(column), Some(row), Some(path)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let reason = lines[index + 1..]
                .iter()
                .take_while(|l| !l.starts_with("error: "))
                .find(|l| !l.is_empty() && !l.starts_with(' '))
                .map_or("invalid syntax", |l| l.trim());
            errors.push(ParseError {
                path: path.to_owned(),
                line: row.parse().ok(),
                // Black's columns are 0-based.
                column: column.parse::<u32>().ok().map(|c| c + 1),
                message: reason.to_owned(),
            });
        } else if let Some(rest) = line.strip_prefix("error: cannot format ")
            && let Some((path, message)) = rest.split_once(": ")
        {
            let (line, column) = position(message);
            errors.push(ParseError {
                path: path.to_owned(),
                line,
                column,
                message: message.to_owned(),
            });
        }
    }
    errors
}

/// Finds the `LINE:COL:` Black puts in its parse messages (column 0-based).
fn position(message: &str) -> (Option<u32>, Option<u32>) {
    for part in message.split(": ") {
        if let Some((line, column)) = part.split_once(':')
            && let (Ok(line), Ok(column)) = (line.parse::<u32>(), column.parse::<u32>())
        {
            return (Some(line), Some(column + 1));
        }
    }
    (None, None)
}

/// The `pyproject.toml` Black reads when given every Python file at once.
/// Black looks for it above the common folder of the files it is given, so a
/// batch, or the files of one change, could find another one: opsgate names
/// the file the whole set finds. Black's own search: from that folder up,
/// the first holding `.git`, an `.hg` folder or a `pyproject.toml` with a
/// `[tool.black]` table.
pub(super) fn project_config(repo: &Repo) -> Option<PathBuf> {
    let mut files = python_paths(repo).into_iter();
    let first = files.next()?;
    let mut common: Vec<&str> = first.split('/').collect();
    for file in files {
        let parts: Vec<&str> = file.split('/').collect();
        let shared = common
            .iter()
            .zip(&parts)
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(shared);
    }
    let mut dir = repo.root.join(common.join("/"));
    if !dir.is_dir() {
        dir.pop();
    }
    loop {
        let config = dir.join("pyproject.toml");
        if dir.join(".git").exists() || dir.join(".hg").is_dir() || configures_black(&config) {
            return config.is_file().then_some(config);
        }
        if !dir.pop() {
            return None;
        }
    }
}

fn configures_black(pyproject: &Path) -> bool {
    std::fs::read_to_string(pyproject)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|table| {
            table
                .get("tool")
                .and_then(toml::Value::as_table)
                .is_some_and(|tool| tool.contains_key("black"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_of_black_26_carry_position_and_reason() {
        let errors = parse_errors(
            "error: cannot parse: net/broken.py:6:30\n        if x == 1\n            ^\nParseError: bad input\n\nOh no!\n",
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "net/broken.py");
        assert_eq!((errors[0].line, errors[0].column), (Some(6), Some(31)));
        assert_eq!(errors[0].message, "ParseError: bad input");
    }

    #[test]
    fn parse_errors_carry_line_and_column() {
        let errors = parse_errors(
            "error: cannot format net/broken.py: Cannot parse for target version Python 3.11: 3:7: def f(:\nOh no!\n",
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "net/broken.py");
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(8)));
    }
}
