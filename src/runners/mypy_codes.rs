//! mypy's error codes: a known, finite list, each documented on one of two
//! pages (the codes enabled by default, and those of optional checks) under
//! an anchor of its own. Both lists are the pages' as of mypy 2.4.

const DOCS: &str = "https://mypy.readthedocs.io/en/stable/";

/// Documented on `error_code_list.html`.
const DEFAULT_CODES: [&str; 55] = [
    "attr-defined",
    "union-attr",
    "name-defined",
    "used-before-def",
    "call-arg",
    "arg-type",
    "call-overload",
    "valid-type",
    "nonetype-type",
    "metaclass",
    "var-annotated",
    "override",
    "return",
    "empty-body",
    "return-value",
    "assignment",
    "method-assign",
    "type-var",
    "operator",
    "index",
    "list-item",
    "dict-item",
    "typeddict-item",
    "typeddict-unknown-key",
    "has-type",
    "import",
    "import-not-found",
    "import-untyped",
    "no-redef",
    "func-returns-value",
    "abstract",
    "type-abstract",
    "safe-super",
    "valid-newtype",
    "exit-return",
    "name-match",
    "literal-required",
    "no-overload-impl",
    "unused-coroutine",
    "top-level-await",
    "await-not-async",
    "assert-type",
    "truthy-function",
    "str-format",
    "str-bytes-safe",
    "str-unpack",
    "overload-overlap",
    "overload-cannot-match",
    "annotation-unchecked",
    "prop-decorator",
    "syntax",
    "typeddict-readonly-mutated",
    "narrowed-type-not-subtype",
    "maybe-unrecognized-str-typeform",
    "misc",
];

/// Documented on `error_code_list2.html`: checks that options turn on.
const OPTIONAL_CODES: [&str; 23] = [
    "type-arg",
    "no-untyped-def",
    "redundant-cast",
    "redundant-self",
    "comparison-overlap",
    "no-untyped-call",
    "no-any-return",
    "no-any-unimported",
    "unreachable",
    "deprecated",
    "redundant-expr",
    "possibly-undefined",
    "truthy-bool",
    "truthy-iterable",
    "ignore-without-code",
    "unused-awaitable",
    "unused-ignore",
    "explicit-override",
    "mutable-override",
    "unimported-reveal",
    "explicit-any",
    "exhaustive-match",
    "untyped-decorator",
];

/// Whether `code` is one of mypy's.
pub(crate) fn is_known(code: &str) -> bool {
    page(code).is_some()
}

/// The page that documents `code`, and whether it is an optional check.
fn page(code: &str) -> Option<(&'static str, bool)> {
    if DEFAULT_CODES.contains(&code) {
        Some(("error_code_list.html", false))
    } else if OPTIONAL_CODES.contains(&code) {
        Some(("error_code_list2.html", true))
    } else {
        None
    }
}

/// Whether `code` belongs to a check that an option turns on.
pub(crate) fn is_optional(code: &str) -> bool {
    page(code).is_some_and(|(_, optional)| optional)
}

/// The code's own section of mypy's documentation; the page on error codes
/// for a code mypy 2.4 does not know (a plugin's, or a newer mypy's).
pub(crate) fn help_url(code: &str) -> String {
    match page(code) {
        Some((page, _)) => format!("{DOCS}{page}#code-{code}"),
        None => format!("{DOCS}error_codes.html"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_on_one_page() {
        for code in DEFAULT_CODES {
            assert!(!OPTIONAL_CODES.contains(&code), "{code}");
        }
        assert_eq!(
            help_url("arg-type"),
            "https://mypy.readthedocs.io/en/stable/error_code_list.html#code-arg-type"
        );
        assert_eq!(
            help_url("unused-ignore"),
            "https://mypy.readthedocs.io/en/stable/error_code_list2.html#code-unused-ignore"
        );
        assert!(!is_known("bare-except"));
        assert!(help_url("plugin-code").ends_with("error_codes.html"));
    }
}
