"""Tests for dns_check; a fake resolver keeps them off the network."""

import pytest

import dns_check

FAKE_ZONE = {
    "www.example.com": {"192.0.2.10"},
    "api.example.com": {"192.0.2.20", "192.0.2.21"},
}


def fake_resolver(hostname):
    """Resolve from a fixed in-memory zone."""
    return set(FAKE_ZONE.get(hostname, set()))


def test_parse_expectations_skips_comments_and_normalises_names():
    """Comments and blank lines are ignored, trailing dots removed."""
    lines = ["# production", "", "WWW.example.com. 192.0.2.10  # web", "x.test 1.2.3.4"]
    assert dns_check.parse_expectations(lines) == {
        "www.example.com": {"192.0.2.10"},
        "x.test": {"1.2.3.4"},
    }


def test_parse_expectations_rejects_line_without_address():
    """A hostname without any address is a usage error."""
    with pytest.raises(ValueError, match="line 1"):
        dns_check.parse_expectations(["lonely.example.com"])


def test_check_records_reports_each_status():
    """OK, MISMATCH and NXDOMAIN are all detected."""
    expected = {
        "www.example.com": {"192.0.2.10"},
        "api.example.com": {"192.0.2.20"},
        "gone.example.com": {"192.0.2.99"},
    }
    results = dns_check.check_records(expected, fake_resolver)
    statuses = {r["hostname"]: r["status"] for r in results}
    assert statuses == {
        "api.example.com": "MISMATCH",
        "gone.example.com": "NXDOMAIN",
        "www.example.com": "OK",
    }
    api = results[0]
    assert api["unexpected"] == ["192.0.2.21"]


def test_format_text_lists_problems():
    """Text output names missing and unexpected addresses."""
    results = [
        {
            "hostname": "a.test",
            "status": "MISMATCH",
            "missing": ["10.0.0.1"],
            "unexpected": ["10.0.0.2"],
        }
    ]
    text = dns_check.format_text(results)
    assert text == "a.test  MISMATCH  missing=10.0.0.1  unexpected=10.0.0.2"


def test_system_resolver_returns_addresses_or_nothing(monkeypatch):
    """The system resolver's answers become a set; a failed lookup is empty."""

    def fake_getaddrinfo(hostname, _port, proto):
        if hostname == "gone.example.com":
            raise dns_check.socket.gaierror("no such host")
        return [(2, 1, proto, "", ("192.0.2.10", 0))]

    monkeypatch.setattr(dns_check.socket, "getaddrinfo", fake_getaddrinfo)
    assert dns_check.system_resolver("www.example.com") == {"192.0.2.10"}
    assert dns_check.system_resolver("gone.example.com") == set()


@pytest.mark.parametrize(
    ("args", "status", "printed"),
    [
        ([], 0, "www.example.com  OK"),
        (["--fail-on-mismatch"], 1, "api.example.com  MISMATCH"),
        (["--json"], 0, '"status": "MISMATCH"'),
    ],
)
def test_main_prints_results_and_exits_by_them(
    tmp_path, monkeypatch, capsys, args, status, printed
):
    """The entry point reads the file, checks every host and sets its status."""
    expectations = tmp_path / "expected.txt"
    expectations.write_text("www.example.com 192.0.2.10\napi.example.com 192.0.2.20\n")
    monkeypatch.setattr(dns_check, "system_resolver", fake_resolver)
    assert dns_check.main([str(expectations), *args]) == status
    assert printed in capsys.readouterr().out
