//! CI credentials kept from the repository's own code. pytest imports and runs
//! the checked repository's tests, so whatever the gate's environment holds
//! (a `GITHUB_TOKEN`, a `CI_JOB_TOKEN`, cloud keys) would be theirs to read or
//! send away. Tools that run repository code get the environment without
//! anything that looks like a credential, except the names the configuration
//! passes on (`pass_env`). This narrows what a hostile test can take; it is
//! not a sandbox: the tests still run with the user's files and network.

use std::ffi::OsStr;
use std::process::Command;

/// Names removed whatever their value.
const EXACT: &[&str] = &["SSH_AUTH_SOCK", "GPG_AGENT_INFO", "KUBECONFIG", "NETRC"];
/// Prefixes of platform variables that carry tokens or runtime credentials.
const PREFIXES: &[&str] = &[
    "ACTIONS_",
    "GITLAB_",
    "CI_JOB_",
    "CI_REGISTRY_",
    "CI_DEPLOY_",
    "AWS_",
];
/// Words that mark a credential anywhere in a name (upper-cased).
const WORDS: &[&str] = &[
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "SESSION_KEY",
];

/// Whether a variable looks like a credential.
pub(crate) fn is_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    EXACT.contains(&upper.as_str())
        || PREFIXES.iter().any(|prefix| upper.starts_with(prefix))
        || WORDS.iter().any(|word| upper.contains(word))
}

/// Whether `name` is allowed through by a `pass_env` entry: an exact name,
/// or a prefix ending in `*`.
pub(crate) fn is_passed(name: &str, pass_env: &[String]) -> bool {
    pass_env.iter().any(|entry| match entry.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == entry,
    })
}

/// The credential names of `vars` that `pass_env` does not let through.
pub(crate) fn to_remove<'v>(
    vars: impl Iterator<Item = &'v OsStr>,
    pass_env: &[String],
) -> Vec<&'v OsStr> {
    vars.filter(|name| {
        // A name that is not UTF-8 cannot be matched: keep it from the tests.
        name.to_str()
            .is_none_or(|name| is_credential(name) && !is_passed(name, pass_env))
    })
    .collect()
}

/// Removes from `command` every credential of opsgate's own environment.
pub(crate) fn scrub(command: &mut Command, pass_env: &[String]) {
    let names = crate::environment::snapshot().names();
    for name in to_remove(names, pass_env) {
        command.env_remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_tokens_and_cloud_keys_are_credentials() {
        for name in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "CI_JOB_TOKEN",
            "CI_JOB_JWT_V2",
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            "GITLAB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN",
            "NPM_TOKEN",
            "TWINE_PASSWORD",
            "AZURE_CLIENT_SECRET",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "VAULT_TOKEN",
            "DATABASE_PASSWORD",
            "SSH_AUTH_SOCK",
            "my_api_key",
        ] {
            assert!(is_credential(name), "{name}");
        }
    }

    #[test]
    fn ordinary_variables_stay() {
        for name in [
            "PATH",
            "HOME",
            "LANG",
            "CI",
            "GITHUB_SHA",
            "PYTHONPATH",
            "TZ",
        ] {
            assert!(!is_credential(name), "{name}");
        }
    }

    #[test]
    fn pass_env_lets_names_and_prefixes_through() {
        let pass = vec!["AWS_REGION".to_owned(), "MY_APP_*".to_owned()];
        let vars = [
            "AWS_REGION",
            "AWS_SECRET_ACCESS_KEY",
            "MY_APP_TOKEN",
            "PATH",
        ];
        let removed = to_remove(vars.iter().map(OsStr::new), &pass);
        assert_eq!(removed, vec![OsStr::new("AWS_SECRET_ACCESS_KEY")]);
    }
}
