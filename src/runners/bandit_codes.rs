//! Bandit's own checks at the pinned version, as `bandit --help` lists
//! them: the finite list `opsgate explain` knows exactly (a `B` code of
//! this list is Bandit's, not a Flake8 plugin's or Ruff's).

/// `(code, name)`.
pub(super) const CHECKS: &[(&str, &str)] = &[
    ("B101", "assert_used"),
    ("B102", "exec_used"),
    ("B103", "set_bad_file_permissions"),
    ("B104", "hardcoded_bind_all_interfaces"),
    ("B105", "hardcoded_password_string"),
    ("B106", "hardcoded_password_funcarg"),
    ("B107", "hardcoded_password_default"),
    ("B108", "hardcoded_tmp_directory"),
    ("B110", "try_except_pass"),
    ("B112", "try_except_continue"),
    ("B113", "request_without_timeout"),
    ("B201", "flask_debug_true"),
    ("B202", "tarfile_unsafe_members"),
    ("B301", "pickle"),
    ("B302", "marshal"),
    ("B303", "md5"),
    ("B304", "ciphers"),
    ("B305", "cipher_modes"),
    ("B306", "mktemp_q"),
    ("B307", "eval"),
    ("B308", "mark_safe"),
    ("B310", "urllib_urlopen"),
    ("B311", "random"),
    ("B312", "telnetlib"),
    ("B313", "xml_bad_cElementTree"),
    ("B314", "xml_bad_ElementTree"),
    ("B315", "xml_bad_expatreader"),
    ("B316", "xml_bad_expatbuilder"),
    ("B317", "xml_bad_sax"),
    ("B318", "xml_bad_minidom"),
    ("B319", "xml_bad_pulldom"),
    ("B321", "ftplib"),
    ("B323", "unverified_context"),
    ("B324", "hashlib_insecure_functions"),
    ("B401", "import_telnetlib"),
    ("B402", "import_ftplib"),
    ("B403", "import_pickle"),
    ("B404", "import_subprocess"),
    ("B405", "import_xml_etree"),
    ("B406", "import_xml_sax"),
    ("B407", "import_xml_expat"),
    ("B408", "import_xml_minidom"),
    ("B409", "import_xml_pulldom"),
    ("B411", "import_xmlrpclib"),
    ("B412", "import_httpoxy"),
    ("B413", "import_pycrypto"),
    ("B415", "import_pyghmi"),
    ("B501", "request_with_no_cert_validation"),
    ("B502", "ssl_with_bad_version"),
    ("B503", "ssl_with_bad_defaults"),
    ("B504", "ssl_with_no_version"),
    ("B505", "weak_cryptographic_key"),
    ("B506", "yaml_load"),
    ("B507", "ssh_no_host_key_verification"),
    ("B508", "snmp_insecure_version"),
    ("B509", "snmp_weak_cryptography"),
    ("B601", "paramiko_calls"),
    ("B602", "subprocess_popen_with_shell_equals_true"),
    ("B603", "subprocess_without_shell_equals_true"),
    ("B604", "any_other_function_with_shell_equals_true"),
    ("B605", "start_process_with_a_shell"),
    ("B606", "start_process_with_no_shell"),
    ("B607", "start_process_with_partial_path"),
    ("B608", "hardcoded_sql_expressions"),
    ("B609", "linux_commands_wildcard_injection"),
    ("B610", "django_extra_used"),
    ("B611", "django_rawsql_used"),
    ("B612", "logging_config_insecure_listen"),
    ("B613", "trojansource"),
    ("B614", "pytorch_load"),
    ("B615", "huggingface_unsafe_download"),
    ("B701", "jinja2_autoescape_false"),
    ("B702", "use_of_mako_templates"),
    ("B703", "django_mark_safe"),
    ("B704", "markupsafe_markup_xss"),
];

/// The check's name, when `code` is one of Bandit's.
pub(super) fn name_of(code: &str) -> Option<&'static str> {
    CHECKS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, name)| *name)
}

/// Where Bandit documents a check of the pinned `version`: the blacklist
/// pages for calls (B3xx) and imports (B4xx), a page per plugin otherwise
/// (the address Bandit's own `more_info` gives).
pub(super) fn doc_url(code: &str, name: &str, version: &str) -> String {
    let base = format!("https://bandit.readthedocs.io/en/{version}");
    let lower = code.to_ascii_lowercase();
    let anchor = format!("{lower}-{}", name.replace('_', "-"));
    match code.get(..2) {
        Some("B3") => format!("{base}/blacklists/blacklist_calls.html#{anchor}"),
        Some("B4") => format!("{base}/blacklists/blacklist_imports.html#{anchor}"),
        _ => format!("{base}/plugins/{lower}_{name}.html"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_the_ones_bandit_gives() {
        let url = |code| doc_url(code, name_of(code).unwrap(), "1.9.4");
        assert_eq!(
            url("B113"),
            "https://bandit.readthedocs.io/en/1.9.4/plugins/b113_request_without_timeout.html"
        );
        assert_eq!(
            url("B404"),
            "https://bandit.readthedocs.io/en/1.9.4/blacklists/blacklist_imports.html#b404-import-subprocess"
        );
        assert_eq!(name_of("B999"), None);
    }
}
