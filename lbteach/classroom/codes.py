"""Join codes, secrets and nicknames: what a class is called and how its people prove who they are.

A join code is public (it is on the projector); the teacher's key is a separate random
secret, never derivable from the code, and only its hash is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata

# No 0/O, 1/I/L: a code read off a projector across a room must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
NICKNAME_MIN, NICKNAME_MAX = 2, 24
# Letters (any script), digits, spaces and a few joiners; nothing that renders as markup.
NICKNAME_PATTERN = re.compile(r"^[\w][\w .'\-]*$", re.UNICODE)


# The leaderboard without names calls a student "Student 7": nobody may be called that.
ANONYMOUS_LABEL = re.compile(r"^student\s*\d*$")
# Letters of other alphabets drawn exactly like Latin ones ("А" is Cyrillic): two names that
# differ only by these look the same on a projector.
LOOKALIKES = str.maketrans(
    {
        **dict(zip("авсдеһіјкмнорѕтхуԁԛԝ", "abcdehijkmhopstxydqw", strict=True)),
        **dict(zip("αβεικμνορτυχ", "abeikmnoptux", strict=True)),
        "0": "o",
        "1": "l",
        "|": "l",
    }
)


class NicknameError(ValueError):
    """A nickname the class refuses, with the reason in words."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed, as a code: upper case, no spaces or dashes."""
    return re.sub(r"[\s\-]", "", str(text)).upper()[:12]


def is_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_nickname(raw: object) -> str:
    """A nickname fit to show on a projector, or NicknameError saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise NicknameError("Enter a nickname.")
    name = unicodedata.normalize("NFKC", " ".join(raw.split()))
    if len(name) < NICKNAME_MIN:
        raise NicknameError(f"Use at least {NICKNAME_MIN} characters.")
    if len(name) > NICKNAME_MAX:
        raise NicknameError(f"Use at most {NICKNAME_MAX} characters.")
    if not NICKNAME_PATTERN.match(name) or "_" in name:
        raise NicknameError("Use letters, digits, spaces, dots, dashes or apostrophes only.")
    if len(scripts(name)) > 1:
        raise NicknameError("Use the letters of one alphabet: mixed alphabets look like others.")
    if ANONYMOUS_LABEL.match(" ".join(name.casefold().split())):
        raise NicknameError(
            "“Student” and a number is how the leaderboard hides names: pick another."
        )
    return name


def scripts(name: str) -> set[str]:
    """The alphabets a name's letters come from ("LATIN", "CYRILLIC", ...)."""
    return {unicodedata.name(char, "?").split()[0] for char in name if char.isalpha()}


def skeleton(name: str) -> str:
    """What a name looks like, for telling look-alike names apart: no accents, no case, and
    letters of other alphabets that are drawn like Latin ones read as those."""
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char)
    )
    return " ".join(plain.casefold().translate(LOOKALIKES).split())
