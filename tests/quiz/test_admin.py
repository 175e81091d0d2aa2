"""The admin: teachers edit questions under the bank's rules, and export and import TOML."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lbteach.quiz.bankfile import DEFAULT_BANK
from lbteach.quiz.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(admin_client, bank):
    return admin_client


def edit_form(question: Question, **changes) -> dict:
    options = list(question.options.all())
    data = {
        "key": question.key,
        "kind": question.kind,
        "topic": question.topic,
        "prompt": question.prompt,
        "explanation": question.explanation,
        "model_answer": question.model_answer,
        "lab_preset": question.lab_preset,
        "source": question.source,
        "position": question.position,
        "active": "on",
        "options-TOTAL_FORMS": len(options),
        "options-INITIAL_FORMS": len(options),
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for i, option in enumerate(options):
        data |= {
            f"options-{i}-id": option.pk,
            f"options-{i}-question": question.pk,
            f"options-{i}-key": option.key,
            f"options-{i}-text": option.text,
            f"options-{i}-explanation": option.explanation,
            f"options-{i}-position": option.position,
        }
        if option.correct:
            data[f"options-{i}-correct"] = "on"
    return data | changes


def test_a_teacher_can_edit_a_question(teacher):
    question = Question.objects.get(key="nat-cgnat")
    url = f"/admin/quiz/question/{question.pk}/change/"
    response = teacher.post(url, edit_form(question, prompt="A clearer prompt."))
    assert response.status_code == 302
    assert Question.objects.get(pk=question.pk).prompt == "A clearer prompt."


def test_the_admin_refuses_a_second_right_answer_and_an_unknown_topic(teacher):
    question = Question.objects.get(key="ip-hash-three-octets")
    url = f"/admin/quiz/question/{question.pk}/change/"
    form = edit_form(question, topic="no-such-lesson") | {
        f"options-{i}-correct": "on" for i in range(4)
    }
    html = teacher.post(url, form).content.decode()
    assert "&#x27;no-such-lesson&#x27; is not a lesson slug" in html
    assert "exactly one option must be correct, found 4" in html
    assert Question.objects.get(pk=question.pk).topic == "source-ip-affinity"


def test_export_all_and_export_selected_download_toml(teacher):
    response = teacher.get("/admin/quiz/question/export/")
    assert response["Content-Type"] == "application/toml; charset=utf-8"
    assert response.content.decode().count("\n[[questions]]\n") == Question.objects.count()
    picked = Question.objects.filter(topic="server-failure").values_list("pk", flat=True)
    response = teacher.post(
        "/admin/quiz/question/",
        {"action": "export_selected", "_selected_action": list(picked)},
    )
    assert response.content.decode().count("\n[[questions]]\n") == len(picked)


def test_importing_a_broken_file_in_the_admin_lists_the_problems(teacher):
    text = DEFAULT_BANK.read_text(encoding="utf-8").replace(
        'id = "ip-mobile-wifi-lte"\nkind = "scenario"', 'id = "ip-mobile-wifi-lte"\nkind = "essay"'
    )
    upload = SimpleUploadedFile("bank.toml", text.encode())
    response = teacher.post("/admin/quiz/question/import/", {"file": upload})
    assert response.status_code == 400
    assert (
        "question &#x27;ip-mobile-wifi-lte&#x27;, field &#x27;kind&#x27;"
        in response.content.decode()
    )


def test_importing_a_good_file_in_the_admin_reports_and_redirects(teacher):
    upload = SimpleUploadedFile("bank.toml", DEFAULT_BANK.read_bytes())
    response = teacher.post("/admin/quiz/question/import/", {"file": upload}, follow=True)
    assert "Imported the bank: 0 created, 0 updated" in response.content.decode()


def test_the_import_page_and_export_need_staff(client, bank):
    assert client.get("/admin/quiz/question/import/").status_code == 302
    assert client.get("/admin/quiz/question/export/").status_code == 302
