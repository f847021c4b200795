//! `opsgate explain` for the tools' own codes (`W0702`, `bare-except`,
//! `E501`, `F401`, `would-reformat`): Pylint explains its messages itself
//! (`pylint --help-msg`, run with the pinned Pylint); Flake8's checkers
//! cannot, so their documentation is linked. Each with how opsgate levels
//! and suppresses the code.

use std::io::Write;
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::{Settings, Sources, ToolSettings};
use crate::model::ToolKind;
use crate::runners;
use crate::toolenv;

const HELP_TIMEOUT: Duration = Duration::from_mins(1);
const PYLINT_MESSAGES: &str = "https://pylint.readthedocs.io/en/stable/user_guide/messages/";

/// Which tool a code belongs to, by its shape.
#[derive(Debug, PartialEq, Eq)]
enum Owner {
    /// `W0702` or a message name such as `bare-except`.
    Pylint,
    /// `E501`, `W291`, `F401`, `C901`.
    Flake8,
    Black,
    Pytest,
}

fn owner(id: &str) -> Option<Owner> {
    let mut chars = id.chars();
    let first = chars.next()?;
    let digits = chars.as_str();
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    match (first, digits.len()) {
        ('C' | 'R' | 'W' | 'E' | 'F' | 'I', 4) if all_digits => Some(Owner::Pylint),
        ('E' | 'W' | 'F' | 'C', 3) if all_digits => Some(Owner::Flake8),
        _ if id == "would-reformat" || id == "parse-error" => Some(Owner::Black),
        _ if id == "test-failed" || id == "test-error" => Some(Owner::Pytest),
        _ if id.contains('-')
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some(Owner::Pylint)
        }
        _ => None,
    }
}

/// Explains a tool's code; `Ok(false)` when no tool owns it, for the caller
/// to say the rule is unknown.
pub(crate) fn explain(out: &mut dyn Write, id: &str) -> Result<bool> {
    let Some(owner) = owner(id) else {
        return Ok(false);
    };
    // The configuration of the current folder: pins, `python =`, severities.
    let settings = Settings::resolve(&Sources::repository(".".into(), None))?;
    let tool = |kind: ToolKind| {
        settings
            .tools
            .iter()
            .find(|t| t.kind == kind)
            .expect("every tool has settings")
    };
    // Severity maps and suppressions take Pylint's code, not its name.
    let mut code = id.to_owned();
    let text = match owner {
        Owner::Pylint => match pylint_help(&settings, tool(ToolKind::Pylint), id)? {
            Some((text, its_code)) => {
                code = its_code;
                text
            }
            None => return Ok(false),
        },
        Owner::Flake8 => flake8_text(id),
        Owner::Black => format!(
            "# {id} (Black)\n\nBlack, pinned at {}, finds this file not formatted as Black \
             formats it (`would-reformat`, with the diff), or cannot parse it (`parse-error`). \
             `opsgate fmt FILE` formats it with that Black.\n\n\
             Documentation: https://black.readthedocs.io/en/stable/the_black_code_style/current_style.html",
            tool(ToolKind::Black).version
        ),
        Owner::Pytest => format!(
            "# {id} (pytest)\n\nA test of the tool folder failed (`test-failed`) or could not \
             run: a fixture or the collection failed (`test-error`). The report carries \
             pytest's message.\n\nDocumentation: https://docs.pytest.org/en/stable/how-to/output.html"
        ),
    };
    let kind = match owner {
        Owner::Pylint => ToolKind::Pylint,
        Owner::Flake8 => ToolKind::Flake8,
        Owner::Black => ToolKind::Black,
        Owner::Pytest => ToolKind::Pytest,
    };
    writeln!(
        out,
        "{}\n\n{}",
        text.trim_end(),
        levelling(tool(kind), &code)
    )?;
    Ok(true)
}

/// Pylint's own explanation, with a link to its page, and the message's
/// code; `None` when Pylint knows no such message.
fn pylint_help(
    settings: &Settings,
    pylint: &ToolSettings,
    id: &str,
) -> Result<Option<(String, String)>> {
    let (python, env) = toolenv::for_tool(settings, pylint)?;
    let mut command = Command::new(&python);
    command
        .args(["-m", "pylint"])
        .arg(format!("--help-msg={id}"))
        .envs(env);
    let output = match runners::run_process(command, HELP_TIMEOUT) {
        Ok(output) => output,
        Err(runners::ProcessError::Spawn(err)) => {
            bail!("cannot start `{}` to ask Pylint: {err}", python.display())
        }
        Err(_) => bail!(
            "`{} -m pylint --help-msg={id}` did not answer",
            python.display()
        ),
    };
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
        "# {code} {symbol} (Pylint {})\n\n{summary}\n\n{rest}\n\nDocumentation: {PYLINT_MESSAGES}{kind}/{symbol}.html",
        pylint.version
    );
    Ok(Some((text, code.to_owned())))
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

fn flake8_text(code: &str) -> String {
    let checker = match code.chars().next() {
        Some('F') => "pyflakes, through Flake8",
        Some('C') => "mccabe, through Flake8",
        _ => "pycodestyle, through Flake8",
    };
    let url = runners::flake8_help_url(code)
        .unwrap_or("https://flake8.pycqa.org/en/latest/user/error-codes.html");
    format!(
        "# {code} ({checker})\n\nFlake8 cannot explain its codes itself: {url} lists \
         {code} with what it means.\n\nWithout a Flake8 configuration in the repository \
         (`.flake8`, or `[flake8]` in `setup.cfg` or `tox.ini`), opsgate runs Flake8 with \
         Black's settings: `max-line-length = 88`, `extend-ignore = E203, E701, E704`. A \
         configuration of the repository's own replaces them."
    )
}

/// How the code's severity is set and how it is suppressed.
fn levelling(tool: &ToolSettings, id: &str) -> String {
    let name = tool.kind.name();
    let own = match tool.kind {
        ToolKind::Flake8 => format!("`# noqa: {id}` on the line, as Flake8 defines it"),
        ToolKind::Pylint => format!("`# pylint: disable={id}`, as Pylint defines it"),
        ToolKind::Black => "`# fmt: off` / `# fmt: on` around a block, as Black defines it".into(),
        ToolKind::Pytest => "pytest's own `skip` and `xfail` markers".into(),
    };
    format!(
        "## Severity and suppressing\n\n\
         Here it is reported at {} (the longest matching prefix under \
         `[tools.{name}.severity]`); re-level it there, per folder too:\n\n\
         ```toml\n[tools.{name}.severity]\n\"{id}\" = \"note\"\n```\n\n\
         Suppress one occurrence with the reason it is fine, on the line or the line above: \
         `# opsgate: ignore[{id}] why this is fine` (without a reason it does not suppress), \
         or {own}.",
        tool.severity.severity_of(id).as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart_by_shape() {
        assert_eq!(owner("W0702"), Some(Owner::Pylint));
        assert_eq!(owner("bare-except"), Some(Owner::Pylint));
        assert_eq!(owner("E501"), Some(Owner::Flake8));
        assert_eq!(owner("F401"), Some(Owner::Flake8));
        assert_eq!(owner("C901"), Some(Owner::Flake8));
        assert_eq!(owner("would-reformat"), Some(Owner::Black));
        assert_eq!(owner("test-error"), Some(Owner::Pytest));
        assert_eq!(owner("OG5O1"), None);
        assert_eq!(owner("X123"), None);
        assert_eq!(owner("Bare-Except"), None);
    }

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
