"""Who this browser is in a class: its teacher, a projector it may show, or one of its students.

Each is a secret kept in the browser's session, by class code; the database holds only the
teacher's and students' hashes, and the projector's key is derived from the teacher's hash.
"""

from __future__ import annotations

import hmac

from django.contrib.sessions.backends.base import SessionBase
from django.core import signing

from lbteach.classroom.codes import hash_secret
from lbteach.classroom.models import Classroom, Student

TEACHER_SESSION_KEY = "class_teacher"
# A teacher key is 32 characters (codes.new_secret); anything much longer is not one.
KEY_MAX_LENGTH = 64
STUDENT_SESSION_KEY = "class_student"
PROJECTOR_SESSION_KEY = "class_projector"


def _remember(session: SessionBase, name: str, code: str, key: str) -> None:
    keys = dict(session.get(name, {}))
    keys[code] = key
    session[name] = keys


def is_teacher(classroom: Classroom, session: SessionBase) -> bool:
    key = session.get(TEACHER_SESSION_KEY, {}).get(classroom.code)
    return bool(key) and hmac.compare_digest(hash_secret(key), classroom.teacher_key_hash)


def teacher_key_matches(classroom: Classroom, key: str) -> bool:
    return bool(key) and hmac.compare_digest(hash_secret(key), classroom.teacher_key_hash)


def remember_teacher(session: SessionBase, code: str, key: str) -> None:
    _remember(session, TEACHER_SESSION_KEY, code, key)


def projector_key(classroom: Classroom) -> str:
    """The key of the projector link: it opens this class's projector page on another device
    and nothing else. Derived from the teacher's secret (its hash), so nothing more is stored
    and a new class gets a new key."""
    signer = signing.Signer(salt=f"class-projector:{classroom.teacher_key_hash}")
    return signer.signature(classroom.code)


def projector_key_matches(classroom: Classroom, key: str) -> bool:
    return bool(key) and hmac.compare_digest(key, projector_key(classroom))


def remember_projector(session: SessionBase, code: str, key: str) -> None:
    _remember(session, PROJECTOR_SESSION_KEY, code, key)


def may_project(classroom: Classroom, session: SessionBase) -> bool:
    """Whether this browser may show the class's projector: the teacher's, or one that opened
    the projector link."""
    key = session.get(PROJECTOR_SESSION_KEY, {}).get(classroom.code, "")
    return is_teacher(classroom, session) or projector_key_matches(classroom, key)


def student_in(classroom: Classroom, session: SessionBase) -> Student | None:
    key = session.get(STUDENT_SESSION_KEY, {}).get(classroom.code)
    if not key:
        return None
    return Student.objects.filter(classroom=classroom, key_hash=hash_secret(key)).first()


def remember_student(session: SessionBase, code: str, key: str) -> None:
    _remember(session, STUDENT_SESSION_KEY, code, key)


def belongs(classroom: Classroom, session: SessionBase) -> bool:
    """Whether this browser is already the class's teacher or one of its students."""
    return is_teacher(classroom, session) or student_in(classroom, session) is not None
