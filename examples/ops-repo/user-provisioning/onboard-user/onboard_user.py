"""Prepare account records for new employees.

Generates a unique login name, an e-mail address and a one-time password for
each new starter, and prints the records as JSON for the provisioning job.
"""

import argparse
import json
import re
import secrets
import string
import sys
import unicodedata

from opslib import get_logger, load_settings

MAX_USERNAME_LENGTH = 16
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.!"


def ascii_fold(text):
    """Strip accents and anything that is not a lowercase ASCII letter."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z]", "", ascii_text)


def generate_username(first_name, last_name, existing=()):
    """Return ``first initial + last name``, numbered if already taken."""
    first, last = ascii_fold(first_name), ascii_fold(last_name)
    if not first or not last:
        raise ValueError(f"cannot build a username from {first_name!r} {last_name!r}")
    base = (first[0] + last)[:MAX_USERNAME_LENGTH]
    taken = set(existing)
    candidate, suffix = base, 1
    while candidate in taken:
        suffix += 1
        candidate = base[: MAX_USERNAME_LENGTH - len(str(suffix))] + str(suffix)
    return candidate


def generate_password(length=20):
    """Return a random one-time password containing at least one digit."""
    if length < 12:
        raise ValueError("passwords must be at least 12 characters")
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if any(char.isdigit() for char in password):
            return password


def build_account(full_name, domain, groups, existing=()):
    """Build the account record for one person named ``"First Last"``."""
    parts = full_name.split()
    if len(parts) < 2:
        raise ValueError(f"need a first and last name, got {full_name!r}")
    username = generate_username(parts[0], parts[-1], existing)
    return {
        "username": username,
        "display_name": " ".join(parts),
        "email": f"{username}@{domain}",
        "groups": sorted(set(groups)),
        "password": generate_password(),
        "must_change_password": True,
    }


def build_parser():
    """Create the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help='full names, e.g. "Ada Lovelace"')
    parser.add_argument(
        "--domain", default="example.com", help="e-mail domain (default: example.com)"
    )
    parser.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=[],
        help="group to add the user to; repeat for several groups",
    )
    parser.add_argument(
        "--existing",
        type=argparse.FileType("r"),
        help="file listing usernames already in use, one per line",
    )
    return parser


def main(argv=None):
    """Entry point: returns the process exit status."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    log = get_logger("onboard-user", settings.log_level)
    taken = set()
    if args.existing:
        with args.existing as handle:
            taken = {line.strip() for line in handle if line.strip()}
    accounts = []
    for name in args.names:
        account = build_account(name, args.domain, ["staff", *args.groups], taken)
        taken.add(account["username"])
        accounts.append(account)
        log.info("prepared account %s (%s)", account["username"], settings.environment)
    print(json.dumps(accounts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
