//! Property tests of the rules' parsers (CODEOWNERS, README outlines and
//! front matter, requirements, inline suppressions, secret detection):
//! whatever a repository holds, they answer without panicking, and what they
//! report stays inside the text they read.

use proptest::prelude::*;

use super::codeowners::Codeowners;
use super::readme::{Flavor, outline};
use super::text::code_part;
use super::{machine_path, metadata, requirements, runtime_install, secret_literal, suppress};

/// Lines that look like CODEOWNERS lines, and some that do not.
fn codeowners_line() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,30}",
        "!?/?[a-z*?\\[\\]/]{0,12}/? +(@[a-z/-]{0,8}|[a-z]{0,4}@[a-z.]{0,6}| )*( #.{0,5})?",
        "\\^?\\[[A-Za-z ]{0,6}\\]?(\\[[0-9a-z]{0,3}\\])? ?(@[a-z]{0,4} ?)*",
        Just("# comment".to_owned()),
        Just(String::new()),
    ]
}

/// Markdown and reStructuredText lines, front matter fences included.
fn readme_line() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,30}",
        "#{1,8} ?.{0,12}",
        "[=\\-~^]{0,12}",
        "(```|~~~)[a-z]{0,4}",
        Just("+++".to_owned()),
        "[a-z_]{1,14} = (\"[a-z@]{0,8}\"|[0-9.-]{1,5}|\\[.{0,10}\\]|true|\\{)",
        "<!-- opsgate: ?(ignore|disable)?[ A-Z0-9,]{0,12}.{0,10}-->",
        Just(String::new()),
    ]
}

/// Script lines near what the scanning rules look for: secrets, home
/// folders, install commands, with quotes, commas and case changes in them.
fn scanned_line() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        r#"[ \t]{0,2}[A-Za-z_]{0,8}(PASSWORD|Token|api_KEY|secret|passwd)["']?\]? ?[:=]=? ?(str = )?[rbu]?["']?[A-Za-z0-9$<{]{0,12}["']?"#,
        "(AKIA|ASIA|ghp_|github_pat_|glpat-|xoxb-|sk_live_|AIza|npm_)[A-Za-z0-9_-]{0,40}",
        "-----BEGIN [A-Z ]{0,12}PRIVATE KEY-----",
        r#"["' (=:,]{0,2}(/home/|/Users/|~|[A-Za-z]:(\\\\|/|\\)[Uu][Ss][Ee][Rr][Ss](\\\\|/|\\))[A-Za-z0-9_.]{0,8}/?"#,
        r#"(sudo )?["']?(p["']{0,2}i["']{0,2}p[0-9.]{0,4}|e["']?asy["']?_install|easy_install|-m["', ]+pip)["', \t]{1,3}install["', ]{0,2}[a-z]{0,6}"#,
        r#"(subprocess\.run|os\.system)\(\[?["'][a-z -]{0,6}pip["', ]+install["']"#,
    ]
}

fn text(line: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec(line, 0..16).prop_map(|lines| lines.join("\n"))
}

fn line_count(text: &str) -> u32 {
    u32::try_from(text.lines().count()).expect("fuzzed texts are short")
}

proptest! {
    #![proptest_config(crate::fuzz::config())]

    #[test]
    fn codeowners_never_panics(text in text(codeowners_line()), path in "[a-z*/.]{0,16}") {
        let parsed = Codeowners::parse(&text);
        for (line, column, _) in &parsed.problems {
            prop_assert!(*line >= 1 && *line <= line_count(&text));
            prop_assert!(*column >= 1);
        }
        let ownership = parsed.owners_of(&path);
        for line in ownership.lines {
            prop_assert!(line >= 1 && line <= line_count(&text));
        }
    }

    #[test]
    fn readme_outline_never_panics(text in text(readme_line()), skip in 0usize..4) {
        for flavor in [Flavor::Markdown, Flavor::Rst, Flavor::of("README.txt")] {
            for heading in outline(&text, flavor, skip) {
                prop_assert!(heading.line >= 1 && heading.line <= line_count(&text));
                prop_assert!(heading.end <= line_count(&text));
            }
        }
    }

    #[test]
    fn front_matter_never_panics(text in text(readme_line())) {
        let front = metadata::parse(&text);
        prop_assert!(front.lines <= text.lines().count());
        for (line, _) in &front.problems {
            prop_assert!(*line >= 1 && *line <= line_count(&text).max(1));
        }
    }

    #[test]
    fn requirements_and_suppressions_never_panic(text in text(readme_line())) {
        for (line, _) in requirements::unpinned("requirements.txt", &text) {
            prop_assert!(line >= 1 && line <= line_count(&text));
        }
        let _ = requirements::unpinned("pyproject.toml", &text);
        let _ = suppress::parse(&text, true);
        let _ = suppress::parse(&text, false);
    }

    #[test]
    fn secrets_are_found_inside_the_line_and_masked(line in ".{0,60}|(password|token|api_key) = \"[A-Za-z0-9]{0,24}\"|AKIA[A-Z0-9]{16}") {
        for shell in [false, true] {
            for (start, _, secret) in secret_literal::find_secrets(&line, shell) {
                // The offset is where the secret (or its quoted literal) starts.
                prop_assert!(line.get(start..).is_some_and(|rest| rest.contains(secret)));
                // At most 4 characters of it are ever shown.
                let masked = secret_literal::mask(secret);
                let shown = masked.strip_suffix("************").expect("a fixed mask");
                prop_assert!(shown.chars().count() <= 4 && secret.starts_with(shown));
                prop_assert!(secret.chars().count() < 4 || shown.chars().count() < secret.chars().count());
            }
        }
    }

    // The rules skip the text their prefilter rejects: it must admit every
    // line in which the full search finds something, in any case.
    #[test]
    fn prefilters_admit_every_finding(line in scanned_line()) {
        for shell in [false, true] {
            if !secret_literal::find_secrets(&line, shell).is_empty() {
                prop_assert!(secret_literal::may_hold_secret(&line));
            }
        }
        if !machine_path::find_paths(&line).is_empty() {
            prop_assert!(machine_path::may_hold_path(&line));
        }
        if runtime_install::install_at(code_part(&line)).is_some() {
            prop_assert!(runtime_install::may_install(&line));
        }
    }
}
