//! OG302: no secret in a script: private key blocks, cloud access key ids,
//! tokens with a known prefix, and non-empty string literals assigned to a
//! password, secret, token or API key. The finding never repeats the secret.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use super::text::{column, numbered_lines};
use super::{Rule, RuleOptions, Violation, Workspace};
use crate::discover::file::{FileKind, RepoFile};
use crate::model::RuleLevel;

pub(crate) struct SecretLiteral;

const DOCS: &str = r#"
## What it does
Scans every Python and shell script for:

- private key blocks: `-----BEGIN … PRIVATE KEY-----`;
- AWS access key ids: `AKIA` or `ASIA` and 16 upper-case letters or digits;
- tokens with a known prefix: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
  `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-`, `xoxp-`, `xoxa-`,
  `xoxr-`), Stripe (`sk_live_`, `rk_live_`), Google API keys (`AIza`), npm
  (`npm_`);
- a non-empty string literal assigned to a name ending in `password`,
  `passwd`, `secret`, `token`, `api_key` or `apikey` (any case, `=` or `:`,
  so `DB_PASSWORD = "…"`, `{"api_key": "…"}` and shell `TOKEN=…` all count).
  Obvious placeholders are not reported: values in `<…>`, `{…}`, `${…}` or
  `%(…)s`, a shell `$VAR`, one character repeated (`xxxx`, `****`), and
  `changeme`, `change-me`, `placeholder`, `dummy`, `example`, `redacted`,
  `secret`, `password`, `token`, `todo`, `none`, `null`, or anything starting
  with `your`.

The message shows at most the first 4 characters of the secret (fewer for a
short one) followed by `************`, never the secret itself.

## Why it matters
A secret in Git is in every clone, every fork and every CI log forever;
rotating it is the only fix. Ops scripts hold the keys to production.

## Example
```python
client = boto3.client("s3", aws_access_key_id="AKIAIOSFODNN7EXAMPLE")
DB_PASSWORD = "hunter2-prod"
```
Fix: read them at run time from the environment or the secret store, and
rotate the leaked ones.
```python
client = boto3.client("s3")            # credentials from the instance role
DB_PASSWORD = os.environ["DB_PASSWORD"]
```

## Configuration
No options. For a test fixture that is not a real secret, suppress on the
line: `# opsgate: ignore[OG302] fake key for the parser test`.
"#;

/// Which bytes may follow a token's prefix.
type Charset = fn(u8) -> bool;

/// (prefix, minimum length after it, allowed characters after it).
const PREFIXES: &[(&str, usize, Charset)] = &[
    ("ghp_", 30, alnum),
    ("gho_", 30, alnum),
    ("ghu_", 30, alnum),
    ("ghs_", 30, alnum),
    ("ghr_", 30, alnum),
    ("github_pat_", 30, word),
    ("glpat-", 20, token),
    ("xoxb-", 10, token),
    ("xoxp-", 10, token),
    ("xoxa-", 10, token),
    ("xoxr-", 10, token),
    ("sk_live_", 16, alnum),
    ("rk_live_", 16, alnum),
    ("AIza", 35, token),
    ("npm_", 36, alnum),
];

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

const NAMES: &[&str] = &["password", "passwd", "secret", "token", "api_key", "apikey"];

const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "dummy",
    "example",
    "redacted",
    "secret",
    "password",
    "token",
    "todo",
    "none",
    "null",
];

/// What every secret `find_secrets` reports contains, in any case: the
/// markers of a key block and an AWS key id, the token prefixes and the
/// names. Text holding none of them is skipped in one pass, without the
/// per-line searches.
static TRIGGERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let fixed = ["-----BEGIN ", "AKIA", "ASIA"].into_iter();
    let prefixes = PREFIXES.iter().map(|(prefix, _, _)| *prefix);
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(fixed.chain(prefixes).chain(NAMES.iter().copied()))
        .expect("fixed patterns build")
});

/// Whether `text` may hold a secret: `false` only when `find_secrets` finds
/// none in any of its lines.
pub(crate) fn may_hold_secret(text: &str) -> bool {
    TRIGGERS.is_match(text)
}

/// The secret shown as its first few characters and a fixed mask.
pub(crate) fn mask(secret: &str) -> String {
    let keep = (secret.chars().count() / 3).min(4);
    let shown: String = secret.chars().take(keep).collect();
    format!("{shown}************")
}

/// (byte offset, kind, secret) of each secret in a line.
pub(crate) fn find_secrets(line: &str, shell: bool) -> Vec<(usize, &'static str, &str)> {
    let mut found = Vec::new();
    if let Some(at) = line.find("-----BEGIN ")
        && line[at..].contains("PRIVATE KEY-----")
    {
        found.push((at, "private key block", ""));
    }
    let bytes = line.as_bytes();
    let starts_word = |at: usize| at == 0 || !word(bytes[at - 1]);
    for prefix in ["AKIA", "ASIA"] {
        for (at, _) in line.match_indices(prefix) {
            let id = &bytes[at..];
            let body = id[4..]
                .iter()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                .count();
            if starts_word(at) && body == 16 && !id.get(20).copied().is_some_and(word) {
                found.push((at, "AWS access key id", &line[at..at + 20]));
            }
        }
    }
    for (prefix, min, allowed) in PREFIXES {
        for (at, _) in line.match_indices(prefix) {
            let len = bytes[at + prefix.len()..]
                .iter()
                .take_while(|b| allowed(**b))
                .count();
            if starts_word(at) && len >= *min {
                found.push((at, "token", &line[at..at + prefix.len() + len]));
            }
        }
    }
    if let Some((at, value)) = assigned_secret(line, shell)
        && !found
            .iter()
            .any(|(_, _, s)| !s.is_empty() && value.contains(s))
    {
        found.push((at, "secret assigned", value));
    }
    found.sort_by_key(|(at, _, _)| *at);
    found
}

/// `name = "value"` where the name ends with a secret-like word.
fn assigned_secret(line: &str, shell: bool) -> Option<(usize, &str)> {
    let lower = line.to_ascii_lowercase();
    for name in NAMES {
        for (at, _) in lower.match_indices(name) {
            let end = at + name.len();
            // The name must end here: `token_url` is not a token.
            if lower.as_bytes().get(end).copied().is_some_and(word) {
                continue;
            }
            let rest = line[end..]
                .trim_start_matches(['"', '\'', ']'])
                .trim_start();
            let rest = match rest.strip_prefix(':').map(str::trim_start) {
                // `password: str = "…"`: skip the annotation.
                Some(r) if r.starts_with(char::is_alphabetic) => r
                    .split_once('=')
                    .map(|(_, v)| v)
                    .filter(|v| !v.starts_with('=')),
                Some(r) => Some(r),
                None => rest.strip_prefix('=').filter(|r| !r.starts_with('=')),
            }
            .map(str::trim_start);
            let Some(rest) = rest else { continue };
            let offset = line.len() - rest.len();
            let value = literal(rest).or_else(|| shell.then(|| bare_word(rest)).flatten());
            if let Some(value) = value
                && !is_placeholder(value)
            {
                return Some((offset, value));
            }
        }
    }
    None
}

/// The body of a string literal at the start of `rest` (prefixes r, b, u).
fn literal(rest: &str) -> Option<&str> {
    let rest = rest.trim_start_matches(['r', 'b', 'u', 'R', 'B', 'U']);
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    Some(&body[..end])
}

fn bare_word(rest: &str) -> Option<&str> {
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ';')
        .unwrap_or(rest.len());
    let value = &rest[..end];
    (!value.starts_with('$') && !value.starts_with('`')).then_some(value)
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    first.is_none()
        || chars.all(|c| Some(c) == first)
        || (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with('{') && lower.ends_with('}'))
        || lower.starts_with("${")
        || lower.starts_with('$')
        || (lower.starts_with("%(") && lower.ends_with(")s"))
        || lower.starts_with("your")
        || PLACEHOLDERS.contains(&lower.as_str())
}

impl Rule for SecretLiteral {
    fn id(&self) -> &'static str {
        "OG302"
    }
    fn name(&self) -> &'static str {
        "secret-literal"
    }
    fn default_severity(&self) -> RuleLevel {
        RuleLevel::Error
    }
    fn summary(&self) -> &'static str {
        "Scripts contain no private keys, access keys, tokens or password literals"
    }
    fn docs(&self) -> &'static str {
        DOCS
    }
    fn check(&self, ws: &Workspace<'_>, _: &RuleOptions<'_>) -> Vec<Violation> {
        // File by file in parallel, in path order.
        let scripts: Vec<(&RepoFile, &str)> = ws.scripts().collect();
        scripts
            .par_iter()
            .filter(|(_, text)| may_hold_secret(text))
            .flat_map_iter(|(file, text)| secrets_in(file, text))
            .collect()
    }
}

/// The violations in one script.
fn secrets_in(file: &RepoFile, text: &str) -> Vec<Violation> {
    let shell = file.kind == FileKind::Shell;
    let mut found = Vec::new();
    for (number, line) in numbered_lines(text) {
        if !may_hold_secret(line) {
            continue;
        }
        for (at, kind, secret) in find_secrets(line, shell) {
            let message = if secret.is_empty() {
                format!("{kind} in the source")
            } else {
                format!(
                    "{kind} `{}` in the source: remove it and rotate it",
                    mask(secret)
                )
            };
            found.push(Violation::at(
                file.path.clone(),
                number,
                Some(column(line, at)),
                message,
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str, shell: bool) -> Vec<(usize, &'static str)> {
        find_secrets(line, shell)
            .into_iter()
            .map(|(at, kind, _)| (at, kind))
            .collect()
    }

    #[test]
    fn masks_keep_at_most_four_characters() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************");
        assert_eq!(mask("abcd"), "a************");
        assert_eq!(mask("ab"), "************");
    }

    #[test]
    fn known_shapes_are_found() {
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----", false),
            [(0, "private key block")]
        );
        assert_eq!(
            kinds("key = 'AKIAIOSFODNN7EXAMPLE'", false),
            [(7, "AWS access key id")]
        );
        assert_eq!(
            kinds(&format!("t = \"ghp_{}\"", "a".repeat(36)), false),
            [(5, "token")]
        );
        assert_eq!(
            kinds("export SLACK=xoxb-1234567890-abcdefghij", true),
            [(13, "token")]
        );
        assert_eq!(
            kinds("DB_PASSWORD = \"hunter2-prod\"", false),
            [(14, "secret assigned")]
        );
        assert_eq!(
            kinds("cfg = {\"api_key\": 'k3y-v4lue'}", false),
            [(18, "secret assigned")]
        );
        assert_eq!(
            kinds("export API_TOKEN=s3cr3tvalue", true),
            [(17, "secret assigned")]
        );
        // A token assigned to a token is reported once.
        assert_eq!(
            kinds(&format!("token = 'glpat-{}'", "x1".repeat(10)), false),
            [(9, "token")]
        );
    }

    #[test]
    fn placeholders_and_lookups_are_not_secrets() {
        for line in [
            "password = \"\"",
            "password = os.environ[\"DB_PASSWORD\"]",
            "password = \"changeme\"",
            "token = \"<your token>\"",
            "api_key = '${API_KEY}'",
            "secret = \"xxxxxxxx\"",
            "token_url = \"https://example.com/token\"",
            "if password == \"hunter2\":",
            "PASSWORD=$DB_PASSWORD",
            "NOT_AKIA = 'AKIAIOSFODNN7EXAMPLEX'",
            "password: str = get()",
            "max_tokens = 5",
        ] {
            assert_eq!(kinds(line, line.contains('$')), [], "{line}");
        }
    }

    #[test]
    fn the_prefilter_passes_what_may_hold_a_secret_in_any_case() {
        assert!(may_hold_secret("key = 'AKIAIOSFODNN7EXAMPLE'"));
        assert!(may_hold_secret("export Api_Key=x"));
        assert!(may_hold_secret("DB_PassWord = 'hunter2'"));
        assert!(!may_hold_secret(
            "def plan(items, keep=3):\n    return items[:keep]\n"
        ));
    }
}
