"""Loading the bank into the database, and exporting and importing it as a teacher would."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from lbteach.quiz.bank import export_bank, import_bank, load_default_bank
from lbteach.quiz.bankfile import DEFAULT_BANK, load_bank_file
from lbteach.quiz.models import Option, Question

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[int | str | None, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_load_content_loads_the_bank_and_a_second_run_changes_nothing():
    code, out, _ = run("load_content")
    total = len(load_bank_file(DEFAULT_BANK, [q for q in _lesson_slugs()]))
    assert code == 0
    assert f"Question bank: {total} created, 0 updated, 0 unchanged." in out
    rows = list(Question.objects.values_list("id", "key", "loaded_fingerprint", "position"))
    options = list(Option.objects.values_list("id", "question_id", "key", "correct"))
    code, out, _ = run("load_content")
    assert f"Question bank: 0 created, 0 updated, {total} unchanged." in out
    assert list(Question.objects.values_list("id", "key", "loaded_fingerprint", "position")) == rows
    assert list(Option.objects.values_list("id", "question_id", "key", "correct")) == options


def _lesson_slugs():
    from lbteach.lessons.catalogue import load_catalogue

    return load_catalogue().slugs


def test_an_admin_edit_survives_reloading_the_file_until_an_explicit_overwrite():
    load_default_bank()
    Question.objects.filter(key="nat-cgnat").update(prompt="Edited by a teacher.")
    report = load_default_bank()
    assert report.kept_edits == ["nat-cgnat"]
    assert Question.objects.get(key="nat-cgnat").prompt == "Edited by a teacher."
    report = import_bank(DEFAULT_BANK.read_text(encoding="utf-8"), overwrite_edits=True)
    assert report.updated == ["nat-cgnat"]
    assert Question.objects.get(key="nat-cgnat").prompt.startswith("With carrier-grade NAT")


def test_a_changed_file_updates_questions_nobody_edited():
    load_default_bank()
    text = DEFAULT_BANK.read_text(encoding="utf-8").replace(
        'prompt = "Which are HAProxy cookie persistence modes?',
        'prompt = "Which cookie modes does HAProxy have?',
    )
    report = import_bank(text)
    assert report.updated == ["config-haproxy-cookie-modes"]
    assert Question.objects.get(key="config-haproxy-cookie-modes").prompt.startswith(
        "Which cookie modes does HAProxy have?"
    )


def test_export_then_import_round_trips_the_bank_exactly():
    load_default_bank()
    before = [q.as_data() for q in Question.objects.prefetch_related("options")]
    code, exported, _ = run("export_questions")
    assert code == 0
    assert exported == export_bank()
    Question.objects.all().delete()
    assert import_bank(exported).created == [q.key for q in before]
    assert [q.as_data() for q in Question.objects.prefetch_related("options")] == before


def test_export_can_name_questions():
    load_default_bank()
    _, exported, _ = run("export_questions", "nat-cgnat", "seed-key-difference")
    assert exported.count("\n[[questions]]\n") == 2


def test_importing_a_broken_file_exits_2_naming_the_question_and_field(tmp_path):
    load_default_bank()
    broken = tmp_path / "broken.toml"
    broken.write_text(
        DEFAULT_BANK.read_text(encoding="utf-8").replace(
            'topic = "nat-and-hot-spots"', 'topic = "nat-and-hotspots"', 1
        ),
        encoding="utf-8",
    )
    before = list(Question.objects.values_list("key", "topic"))
    code, _, err = run("import_questions", str(broken))
    assert code == 2
    assert (
        "question 'nat-office-hot-spot', field 'topic': 'nat-and-hotspots' is not a lesson slug"
        in err
    )
    assert list(Question.objects.values_list("key", "topic")) == before


def test_importing_a_missing_file_exits_2(tmp_path):
    code, _, err = run("import_questions", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "cannot read the file" in err


def test_importing_a_good_file_reports_what_changed(tmp_path):
    good = tmp_path / "bank.toml"
    good.write_text(DEFAULT_BANK.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run("import_questions", str(good))
    assert code == 0
    assert "0 updated, 0 unchanged." in out
