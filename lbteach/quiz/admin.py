"""Admin for the question bank: edit questions with their options, export and import TOML.

The same rules as the bank file apply (every option explains itself, one correct answer for a
single choice, a real lesson as topic), so a question saved here always loads and exports.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.text import Truncator

from lbteach.quiz.bank import export_bank, import_bank, topics
from lbteach.quiz.bankfile import BankFileError
from lbteach.quiz.models import Option, Question
from lbteach.quiz.questions import OptionData, QuestionData, check_question


def toml_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class OptionFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        question: Question = self.instance
        options = tuple(
            OptionData(
                key=form.cleaned_data.get("key", ""),
                text=form.cleaned_data.get("text", ""),
                correct=form.cleaned_data.get("correct", False),
                explanation=form.cleaned_data.get("explanation", ""),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        data = QuestionData(
            key=question.key or "new",
            kind=question.kind,
            topic=question.topic,
            prompt=question.prompt or "-",
            explanation=question.explanation or "-",
            options=options,
            model_answer=question.model_answer,
            lab_preset=question.lab_preset,
        )
        problems = [p for p in check_question(data, topics()) if p.field.startswith("options")]
        if problems:
            raise ValidationError([f"{p.field}: {p.message}" for p in problems])


class OptionInline(admin.StackedInline):
    model = Option
    formset = OptionFormSet
    extra = 0
    fields = [("key", "correct", "position"), "text", "explanation"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "key",
            "kind",
            "topic",
            "prompt",
            "explanation",
            "model_answer",
            "lab_preset",
            "source",
            "position",
            "active",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean returns
        data = QuestionData(
            key=cleaned.get("key") or "",
            kind=cleaned.get("kind") or "",
            topic=cleaned.get("topic") or "",
            prompt=cleaned.get("prompt") or "",
            explanation=cleaned.get("explanation") or "",
            model_answer=cleaned.get("model_answer") or "",
            lab_preset=cleaned.get("lab_preset") or "",
        )
        for problem in check_question(data, topics()):
            field = {"id": "key", "answer": "model_answer", "lab": "lab_preset"}.get(
                problem.field, problem.field
            )
            if field in self.fields and field not in self.errors:
                self.add_error(field, problem.message)
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A TOML bank file, as exported.")
    overwrite = forms.BooleanField(
        required=False, help_text="Also replace questions edited here since they were loaded."
    )


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    inlines = [OptionInline]
    list_display = ["key", "topic", "kind", "short_prompt", "source", "active"]
    list_filter = ["topic", "kind", "source", "active"]
    search_fields = ["key", "prompt", "explanation"]
    actions = ["export_selected"]
    change_list_template = "quiz/admin/question_changelist.html"

    @admin.display(description="Prompt")
    def short_prompt(self, question: Question) -> str:
        return Truncator(question.prompt).chars(90)

    @admin.action(description="Export selected questions as TOML")
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Question]) -> HttpResponse:
        return toml_download(export_bank(queryset.values_list("key", flat=True)), "questions.toml")

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "export/", self.admin_site.admin_view(self.export_view), name="quiz_question_export"
            ),
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="quiz_question_import"
            ),
        ]
        return extra + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        return toml_download(export_bank(), "questions.toml")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                text = form.cleaned_data["file"].read().decode("utf-8")
                report = import_bank(text, overwrite_edits=form.cleaned_data["overwrite"])
            except UnicodeDecodeError:
                problems = ["The file is not UTF-8 text."]
            except BankFileError as error:
                problems = [str(problem) for problem in error.problems]
            else:
                messages.success(request, f"Imported the bank: {report.summary()}.")
                return redirect("admin:quiz_question_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Import questions",
            "form": form,
            "problems": problems,
            "opts": self.model._meta,
        }
        return render(request, "quiz/admin/import.html", context, status=400 if problems else 200)
