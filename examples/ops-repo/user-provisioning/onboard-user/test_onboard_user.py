"""Tests for onboard_user."""

import json

import pytest

import onboard_user


def test_generate_username_folds_accents():
    """Accents and punctuation are removed from names."""
    assert onboard_user.generate_username("Zoë", "O'Brien-Núñez") == "zobriennunez"


def test_generate_username_numbers_collisions():
    """Taken usernames get the next free number."""
    existing = {"alovelace", "alovelace2"}
    assert onboard_user.generate_username("Ada", "Lovelace", existing) == "alovelace3"


def test_generate_password_has_length_and_digit():
    """Passwords are long enough and contain a digit."""
    password = onboard_user.generate_password(16)
    assert len(password) == 16
    assert any(char.isdigit() for char in password)
    with pytest.raises(ValueError):
        onboard_user.generate_password(8)


def test_main_prints_unique_accounts(capsys):
    """Two people with the same name get different usernames."""
    status = onboard_user.main(
        ["Grace Hopper", "Gina Hopper", "--domain", "corp.test", "--group", "dev"]
    )
    accounts = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [a["username"] for a in accounts] == ["ghopper", "ghopper2"]
    assert accounts[1]["email"] == "ghopper2@corp.test"
    assert accounts[0]["groups"] == ["dev", "staff"]
