"""Rotate database backups using a daily/weekly/monthly retention policy.

Backup files must contain a date in ``YYYY-MM-DD`` form, for example
``orders-2024-03-31.sql.gz``. Files without a date are never touched.
"""

import argparse
import re
import sys
from datetime import date
from pathlib import Path

from opslib import get_logger, load_settings

DATE_PATTERN = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def backup_date(filename):
    """Return the date embedded in ``filename``, or None if there is none."""
    match = DATE_PATTERN.search(filename)
    if not match:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def _newest_per_bucket(dates, bucket, count):
    """Keep the newest date in each of the ``count`` most recent buckets."""
    kept = {}
    for day in sorted(dates, reverse=True):
        key = bucket(day)
        if key not in kept:
            if len(kept) == count:
                break
            kept[key] = day
    return set(kept.values())


def dates_to_keep(dates, daily=7, weekly=4, monthly=6):
    """Return the subset of ``dates`` that the retention policy keeps."""
    dates = set(dates)
    keep = _newest_per_bucket(dates, lambda d: d, daily)
    keep |= _newest_per_bucket(dates, lambda d: d.isocalendar()[:2], weekly)
    keep |= _newest_per_bucket(dates, lambda d: (d.year, d.month), monthly)
    return keep


def plan_rotation(filenames, daily=7, weekly=4, monthly=6):
    """Split ``filenames`` into ``(keep, delete)`` sorted lists."""
    dated = {name: backup_date(name) for name in filenames}
    keep_dates = dates_to_keep(
        {day for day in dated.values() if day}, daily, weekly, monthly
    )
    keep = sorted(n for n, d in dated.items() if d is None or d in keep_dates)
    delete = sorted(n for n, d in dated.items() if d is not None and n not in keep)
    return keep, delete


def build_parser():
    """Create the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="directory holding the backups")
    parser.add_argument(
        "--pattern", default="*", help="glob selecting backup files (default: *)"
    )
    parser.add_argument("--daily", type=int, default=7, help="daily backups to keep")
    parser.add_argument("--weekly", type=int, default=4, help="weekly backups to keep")
    parser.add_argument(
        "--monthly", type=int, default=6, help="monthly backups to keep"
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="really delete files (otherwise only print the plan)",
    )
    return parser


def main(argv=None):
    """Entry point: returns the process exit status."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    log = get_logger("backup-rotate", settings.log_level)
    if not args.directory.is_dir():
        log.error("not a directory: %s", args.directory)
        return 2
    names = [p.name for p in args.directory.glob(args.pattern) if p.is_file()]
    keep, delete = plan_rotation(names, args.daily, args.weekly, args.monthly)
    for name in keep:
        print(f"keep   {name}")
    for name in delete:
        print(f"delete {name}")
        if args.apply:
            (args.directory / name).unlink()
    if delete and not args.apply:
        log.info("dry run: %d files would be deleted, use --apply", len(delete))
    return 0


if __name__ == "__main__":
    sys.exit(main())
