"""Report which TCP ports are open on a host.

Intended for checking our own hosts after firewall changes; only scan
machines you are responsible for.
"""

import argparse
import socket
import sys

from opslib import get_logger, load_settings

MAX_PORT = 65535


def parse_ports(spec):
    """Expand a spec such as ``"22,80,8000-8002"`` into a sorted list of ports."""
    ports = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start_text, end_text = part.split("-", 1)
            start, end = int(start_text), int(end_text)
            if start > end:
                raise ValueError(f"invalid range {part!r}: start is after end")
            ports.update(range(start, end + 1))
        else:
            ports.add(int(part))
    bad = [port for port in ports if not 1 <= port <= MAX_PORT]
    if bad:
        raise ValueError(f"ports out of range 1-{MAX_PORT}: {sorted(bad)}")
    return sorted(ports)


def tcp_connect(host, port, timeout):
    """Return True if a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def scan(host, ports, timeout, connect=tcp_connect):
    """Probe every port; return a ``{port: is_open}`` mapping."""
    return {port: connect(host, port, timeout) for port in ports}


def summarise(results, show_closed=False):
    """Render scan results as ``PORT STATE`` lines."""
    lines = []
    for port in sorted(results):
        state = "open" if results[port] else "closed"
        if results[port] or show_closed:
            lines.append("%5d/tcp %s" % (port, state))
    open_count = sum(1 for is_open in results.values() if is_open)
    lines.append(f"{open_count} of {len(results)} ports open")
    return "\n".join(lines)


def build_parser():
    """Create the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host", help="hostname or IP address to scan")
    parser.add_argument(
        "--ports",
        default="22,80,443",
        help="comma-separated ports and ranges (default: 22,80,443)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait per port (default: OPS_TIMEOUT or 5)",
    )
    parser.add_argument(
        "--show-closed", action="store_true", help="also list closed ports"
    )
    return parser


def main(argv=None):
    """Entry point: returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    log = get_logger("port-scan", settings.log_level)
    try:
        ports = parse_ports(args.ports)
    except ValueError as exc:
        parser.error(str(exc))
    timeout = args.timeout if args.timeout is not None else settings.timeout
    log.info("scanning %d ports on %s", len(ports), args.host)
    print(summarise(scan(args.host, ports, timeout), args.show_closed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
