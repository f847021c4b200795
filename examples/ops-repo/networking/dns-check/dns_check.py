"""Check that DNS records resolve to the addresses we expect.

Expectations are read from a file with one ``hostname address [address ...]``
entry per line; blank lines and ``#`` comments are ignored.
"""

import argparse
import json
import socket
import sys

from opslib import get_logger, load_settings


def parse_expectations(lines):
    """Parse expectation lines into a ``{hostname: set(addresses)}`` mapping."""
    expected = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 2:
            raise ValueError(f"line {number}: expected 'hostname address ...'")
        hostname = fields[0].rstrip(".").lower()
        expected.setdefault(hostname, set()).update(fields[1:])
    return expected


def system_resolver(hostname):
    """Resolve ``hostname`` with the system resolver; return a set of addresses."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return set()
    return {info[4][0] for info in infos}


def check_records(expected, resolver):
    """Compare resolved addresses with ``expected``; return one result per host."""
    results = []
    for hostname in sorted(expected):
        actual = resolver(hostname)
        want = expected[hostname]
        if not actual:
            status = "NXDOMAIN"
        elif actual == want:
            status = "OK"
        else:
            status = "MISMATCH"
        results.append(
            {
                "hostname": hostname,
                "status": status,
                "missing": sorted(want - actual),
                "unexpected": sorted(actual - want),
            }
        )
    return results


def format_text(results):
    """Render results as aligned text lines."""
    width = max((len(r["hostname"]) for r in results), default=0)
    lines = []
    for result in results:
        line = f"{result['hostname']:<{width}}  {result['status']}"
        if result["missing"]:
            line += "  missing=" + ",".join(result["missing"])
        if result["unexpected"]:
            line += "  unexpected=" + ",".join(result["unexpected"])
        lines.append(line)
    return "\n".join(lines)


def build_parser():
    """Create the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "expectations",
        type=argparse.FileType("r"),
        help="file listing 'hostname address ...' per line",
    )
    parser.add_argument(
        "--json", action="store_true", help="print results as JSON instead of text"
    )
    parser.add_argument(
        "--fail-on-mismatch",
        action="store_true",
        help="exit with status 1 if any record is missing or wrong",
    )
    return parser


def main(argv=None):
    """Entry point: returns the process exit status."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    log = get_logger("dns-check", settings.log_level)
    with args.expectations as handle:
        expected = parse_expectations(handle)
    log.info("checking %d hostnames", len(expected))
    results = check_records(expected, system_resolver)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(format_text(results))
    failed = [r for r in results if r["status"] != "OK"]
    if failed and args.fail_on_mismatch:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
