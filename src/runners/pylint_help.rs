//! Pylint's codes for `opsgate explain`: which ids are Pylint's (`W0702`,
//! or a message name such as `bare-except`), and Pylint's own explanation of
//! one (`pylint --help-msg`, asked of the pinned Pylint), with a link to its
//! page.

use anyhow::{Result, bail};

use super::runner::{AskTool, CodeMatch, Explained};

const MESSAGES_URL: &str = "https://pylint.readthedocs.io/en/stable/user_guide/messages/";

/// `W0702` is Pylint's by shape; so is any lower-case name with a hyphen.
pub(super) fn owns_code(id: &str) -> CodeMatch {
    let mut chars = id.chars();
    let first = chars.next();
    let digits = chars.as_str();
    let coded = matches!(first, Some('C' | 'R' | 'W' | 'E' | 'F' | 'I'))
        && digits.len() == 4
        && digits.bytes().all(|b| b.is_ascii_digit());
    let named = id.contains('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if coded || named {
        CodeMatch::Shape
    } else {
        CodeMatch::No
    }
}

/// Pylint's own explanation and the message's code; `None` when Pylint
/// knows no such message.
pub(super) fn explain(id: &str, pylint: &dyn AskTool) -> Result<Option<Explained>> {
    let output = pylint.run(&[&format!("--help-msg={id}")])?;
    let text = output.stdout_text();
    // `:bare-except (W0702): *No exception type(s) specified*`, then the text.
    let Some((symbol, code, summary, rest)) = parse_help(&text) else {
        if output.code == Some(0) || text.contains("No such message") {
            return Ok(None);
        }
        bail!(
            "Pylint could not explain `{id}` ({}):\n{}",
            output.describe_exit(),
            output.stderr_tail(10)
        );
    };
    let kind = match code.chars().next() {
        Some('C') => "convention",
        Some('R') => "refactor",
        Some('W') => "warning",
        Some('E') => "error",
        Some('F') => "fatal",
        _ => "information",
    };
    let text = format!(
        "# {code} {symbol} (Pylint {})\n\n{summary}\n\n{rest}\n\nDocumentation: {MESSAGES_URL}{kind}/{symbol}.html",
        pylint.version()
    );
    Ok(Some(Explained {
        text,
        code: code.to_owned(),
    }))
}

/// `(symbol, code, summary, explanation)` from `pylint --help-msg`.
fn parse_help(text: &str) -> Option<(&str, &str, &str, String)> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with(':'));
    let first = lines.next()?.strip_prefix(':')?;
    let (symbol, rest) = first.split_once(" (")?;
    let (code, summary) = rest.split_once("): ")?;
    let summary = summary.trim().trim_matches('*');
    let body: Vec<&str> = lines.map(str::trim).collect();
    Some((symbol, code, summary, body.join("\n").trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pylint_help_is_read_into_its_parts() {
        let text = ":bare-except (W0702): *No exception type(s) specified*\n  A bare ``except:`` \
                    clause.\n  This message belongs to the exceptions checker.\n\n";
        let (symbol, code, summary, rest) = parse_help(text).unwrap();
        assert_eq!((symbol, code), ("bare-except", "W0702"));
        assert_eq!(summary, "No exception type(s) specified");
        assert!(rest.starts_with("A bare ``except:`` clause."), "{rest}");
        assert_eq!(parse_help("No such message id or symbol 'X'.\n"), None);
    }
}
