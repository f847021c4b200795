"""Tests for port_scan; a fake connector means no sockets are opened."""

import pytest

import port_scan


def test_parse_ports_expands_ranges_and_deduplicates():
    """Ranges are inclusive and duplicates collapse."""
    assert port_scan.parse_ports("443, 22,8000-8002,22") == [22, 443, 8000, 8001, 8002]


@pytest.mark.parametrize("spec", ["0", "70000", "90-80"])
def test_parse_ports_rejects_invalid_specs(spec):
    """Out-of-range ports and reversed ranges are errors."""
    with pytest.raises(ValueError):
        port_scan.parse_ports(spec)


def test_scan_uses_connector_for_every_port():
    """Each port is probed once with the requested timeout."""
    calls = []

    def fake_connect(host, port, timeout):
        calls.append((host, port, timeout))
        return port == 22

    results = port_scan.scan("db01", [22, 80], 0.5, connect=fake_connect)
    assert results == {22: True, 80: False}
    assert calls == [("db01", 22, 0.5), ("db01", 80, 0.5)]


def test_summarise_hides_closed_ports_by_default():
    """Closed ports only appear with show_closed."""
    results = {22: True, 80: False}
    assert port_scan.summarise(results) == "   22/tcp open\n1 of 2 ports open"
    assert "80/tcp closed" in port_scan.summarise(results, show_closed=True)


class Connection:
    """What socket.create_connection returns, as a context manager."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def only_port(open_port):
    """A fake socket.create_connection that reaches one port alone."""

    def create_connection(address, timeout):
        assert timeout > 0
        if address[1] == open_port:
            return Connection()
        raise ConnectionRefusedError(address)

    return create_connection


def test_tcp_connect_reports_refused_connections(monkeypatch):
    """A connection that fails is a closed port, not an error."""
    monkeypatch.setattr(port_scan.socket, "create_connection", only_port(22))
    assert port_scan.tcp_connect("db01", 22, 0.5)
    assert not port_scan.tcp_connect("db01", 80, 0.5)


def test_main_scans_the_requested_ports(monkeypatch, capsys):
    """The entry point parses the ports and prints the summary."""
    monkeypatch.setattr(port_scan.socket, "create_connection", only_port(443))
    assert port_scan.main(["db01", "--ports", "80,443", "--timeout", "0.1"]) == 0
    assert "443/tcp open" in capsys.readouterr().out


def test_main_rejects_a_bad_port_spec(capsys):
    """An invalid spec is a usage error (exit status 2) that names it."""
    with pytest.raises(SystemExit) as exited:
        port_scan.main(["db01", "--ports", "90-80"])
    assert exited.value.code == 2
    assert "invalid range" in capsys.readouterr().err
