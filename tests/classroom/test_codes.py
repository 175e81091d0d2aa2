"""Join codes, teacher secrets and nicknames."""

from __future__ import annotations

import pytest

from lbteach.classroom.codes import (
    CODE_ALPHABET,
    NicknameError,
    clean_nickname,
    hash_secret,
    is_code,
    new_code,
    new_secret,
    normalise_code,
    skeleton,
)


def test_codes_are_six_characters_none_of_them_confusable():
    codes = {new_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == 6
        assert is_code(code)
        assert not set(code) & set("01OIL")
    assert not set(CODE_ALPHABET) & set("01OILo")


def test_a_typed_code_is_normalised():
    assert normalise_code(" ab-c 2de ") == "ABC2DE"
    assert not is_code("ABC1DE")
    assert not is_code("ABCDE")


def test_the_teacher_secret_is_random_and_stored_only_as_a_hash():
    first, second = new_secret(), new_secret()
    assert first != second
    assert len(first) >= 32
    assert hash_secret(first) != first
    assert len(hash_secret(first)) == 64


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Ana  ", "Ana"),
        ("José   María", "José María"),
        ("O'Neil-2", "O'Neil-2"),
        ("李雷", "李雷"),
    ],
)
def test_good_nicknames_are_tidied(raw, clean):
    assert clean_nickname(raw) == clean


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "Enter a nickname."),
        (None, "Enter a nickname."),
        ("A", "at least 2"),
        ("x" * 25, "at most 24"),
        ("<script>", "letters, digits"),
        ("a_b", "letters, digits"),
        ("-dash", "letters, digits"),
        ("\u0410lice", "letters of one alphabet"),  # a Cyrillic A before Latin letters
        ("Student 1", "how the leaderboard hides names"),
        ("student 12", "how the leaderboard hides names"),
    ],
)
def test_bad_nicknames_say_why(raw, says):
    with pytest.raises(NicknameError, match=says):
        clean_nickname(raw)


def test_look_alike_names_share_a_skeleton_and_different_names_do_not():
    assert skeleton("\u0410\u0441\u0435") == skeleton("Ace") == "ace"  # all Cyrillic
    assert skeleton("Jos\u00e9  Mar\u00eda") == skeleton("jose maria")
    assert skeleton("B0b") == skeleton("Bob")
    assert skeleton("Ana") != skeleton("Ann")
