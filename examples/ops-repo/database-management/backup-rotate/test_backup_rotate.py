"""Tests for backup_rotate's retention logic."""

from datetime import date, timedelta

import backup_rotate


def test_backup_date_extracts_embedded_date():
    """Dates are found anywhere in the name; invalid dates are ignored."""
    assert backup_rotate.backup_date("orders-2024-03-31.sql.gz") == date(2024, 3, 31)
    assert backup_rotate.backup_date("orders-2024-02-30.sql.gz") is None
    assert backup_rotate.backup_date("README") is None


def test_dates_to_keep_applies_daily_weekly_monthly():
    """Recent days, the newest of each week and of each month survive."""
    start = date(2024, 1, 1)
    dates = [start + timedelta(days=offset) for offset in range(90)]
    keep = backup_rotate.dates_to_keep(dates, daily=3, weekly=2, monthly=2)
    assert keep == {
        date(2024, 3, 30),
        date(2024, 3, 29),
        date(2024, 3, 28),
        date(2024, 3, 24),
        date(2024, 2, 29),
    }


def test_plan_rotation_never_deletes_undated_files():
    """Files without a date are always kept."""
    names = ["db-2024-01-01.dump", "db-2024-01-02.dump", "notes.txt"]
    keep, delete = backup_rotate.plan_rotation(names, daily=1, weekly=0, monthly=0)
    assert keep == ["db-2024-01-02.dump", "notes.txt"]
    assert delete == ["db-2024-01-01.dump"]


def test_main_dry_run_keeps_files(tmp_path, capsys):
    """Without --apply nothing is deleted."""
    for day in range(1, 4):
        (tmp_path / f"db-2024-01-0{day}.dump").write_text("x")
    status = backup_rotate.main([str(tmp_path), "--daily", "1", "--weekly", "0"])
    assert status == 0
    assert len(list(tmp_path.iterdir())) == 3
    assert "delete db-2024-01-01.dump" in capsys.readouterr().out
