"""Read and write question bank files (TOML), reporting every problem by question id and field.

The format, one `[[questions]]` table per question:

    [[questions]]
    id = "mobile-wifi-to-lte"          # stable: progress is keyed by it
    kind = "scenario"                  # single | multiple | true_false | scenario | flashcard
    topic = "source-ip-affinity"       # a lesson slug
    prompt = "..."
    explanation = "..."
    lab = "mobile_ip_change"           # optional lab preset showing the answer live
    answer = "..."                     # flashcards only: the model answer
    source = "seed"                    # optional: where the question comes from

    [[questions.options]]              # choice kinds: one table per option
    key = "a"
    text = "..."
    correct = true
    explanation = "why this option is right or wrong"

`write_bank()` emits the same format, so an exported bank imports back unchanged.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

from lbteach.quiz.questions import OptionData, Problem, QuestionData, check_question

DEFAULT_BANK = Path(__file__).resolve().parent / "bank" / "questions.toml"

QUESTION_FIELDS = {
    "id": "key",
    "kind": "kind",
    "topic": "topic",
    "prompt": "prompt",
    "explanation": "explanation",
    "answer": "model_answer",
    "lab": "lab_preset",
    "source": "source",
    "options": "options",
}
REQUIRED = ("id", "kind", "topic", "prompt", "explanation")
OPTION_FIELDS = ("key", "text", "correct", "explanation")


class BankFileError(ValueError):
    """A bank file that cannot be loaded; `problems` names each question id and field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def read_bank(text: str, topics: Iterable[str]) -> list[QuestionData]:
    """Parse and check a whole bank file; raise BankFileError listing every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BankFileError([Problem("-", "-", f"not valid TOML: {error}")]) from error
    unknown = sorted(set(data) - {"questions"})
    if unknown or not isinstance(data.get("questions"), list):
        raise BankFileError([Problem("-", "questions", "the file must hold [[questions]] tables")])
    topics = tuple(topics)
    problems: list[Problem] = []
    questions: list[QuestionData] = []
    seen: set[str] = set()
    for index, table in enumerate(data["questions"], start=1):
        question, found = _question_from_table(table, index)
        problems.extend(found)
        if question is None:
            continue
        if question.key in seen:
            problems.append(Problem(question.key, "id", "appears more than once in the file"))
        seen.add(question.key)
        problems.extend(check_question(question, topics))
        questions.append(question)
    if problems:
        raise BankFileError(problems)
    return questions


def _text(table: dict, name: str, question: str, field: str, problems: list[Problem]) -> str:
    value = table.get(name, "")
    if not isinstance(value, str):
        problems.append(Problem(question, field, "must be text"))
        return ""
    return value.strip()


def _question_from_table(table: object, index: int) -> tuple[QuestionData | None, list[Problem]]:
    if not isinstance(table, dict):
        return None, [Problem(f"#{index}", "-", "each entry must be a [[questions]] table")]
    raw_key = table.get("id")
    name = raw_key if isinstance(raw_key, str) and raw_key else f"#{index}"
    problems = [
        Problem(name, field, "is not a known field")
        for field in sorted(set(table) - set(QUESTION_FIELDS))
    ]
    problems += [Problem(name, field, "is missing") for field in REQUIRED if field not in table]
    if problems:
        return None, problems
    values = {
        QUESTION_FIELDS[field]: _text(table, field, name, field, problems)
        for field in QUESTION_FIELDS
        if field != "options"
    }
    options = []
    raw_options = table.get("options", [])
    if not isinstance(raw_options, list):
        problems.append(Problem(name, "options", "must be [[questions.options]] tables"))
        raw_options = []
    for position, raw in enumerate(raw_options, start=1):
        option = _option_from_table(raw, name, position, problems)
        if option is not None:
            options.append(option)
    if problems:
        return None, problems
    return QuestionData(**values, options=tuple(options)), []


def _option_from_table(
    raw: object, question: str, position: int, problems: list[Problem]
) -> OptionData | None:
    where = f"options[{position}]"
    if not isinstance(raw, dict):
        problems.append(Problem(question, where, "must be a table"))
        return None
    unknown = sorted(set(raw) - set(OPTION_FIELDS))
    missing = [field for field in OPTION_FIELDS if field not in raw]
    for field in unknown:
        problems.append(Problem(question, f"{where}.{field}", "is not a known field"))
    for field in missing:
        problems.append(Problem(question, f"{where}.{field}", "is missing"))
    if unknown or missing:
        return None
    if not isinstance(raw["correct"], bool):
        problems.append(Problem(question, f"{where}.correct", "must be true or false"))
        return None
    texts = {
        field: _text(raw, field, question, f"{where}.{field}", problems)
        for field in ("key", "text", "explanation")
    }
    return OptionData(correct=raw["correct"], **texts)


def load_bank_file(path: Path, topics: Iterable[str]) -> list[QuestionData]:
    return read_bank(path.read_text(encoding="utf-8"), topics)


# Writing -------------------------------------------------------------------------------------


def _escape(text: str, keep: str) -> str:
    escaped = []
    for char in text:
        if char in keep:
            escaped.append(char)
        elif char in '\\"':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    return "".join(escaped)


def toml_string(text: str) -> str:
    """A TOML string for any text: one line when it fits, a multi-line basic string otherwise."""
    if "\n" not in text:
        return '"' + _escape(text, keep="\t") + '"'
    # The newline right after the opening quotes is trimmed by TOML, keeping the text exact.
    return '"""\n' + _escape(text, keep="\n\t") + '"""'


def write_bank(questions: Iterable[QuestionData]) -> str:
    """The bank as TOML in the format `read_bank` reads; exporting then importing is lossless."""
    lines = [
        "# lbteach question bank. Each [[questions]] table is one question;",
        "# `id` is its stable key. Kinds: single, multiple, true_false, scenario",
        "# (choice questions with [[questions.options]]) and flashcard (an open",
        "# question with a model `answer`). `topic` is a lesson slug.",
    ]
    for question in questions:
        lines += ["", "[[questions]]"]
        lines.append(f"id = {toml_string(question.key)}")
        lines.append(f"kind = {toml_string(question.kind)}")
        lines.append(f"topic = {toml_string(question.topic)}")
        if question.source:
            lines.append(f"source = {toml_string(question.source)}")
        if question.lab_preset:
            lines.append(f"lab = {toml_string(question.lab_preset)}")
        lines.append(f"prompt = {toml_string(question.prompt)}")
        if question.model_answer:
            lines.append(f"answer = {toml_string(question.model_answer)}")
        lines.append(f"explanation = {toml_string(question.explanation)}")
        for option in question.options:
            lines += ["", "[[questions.options]]"]
            lines.append(f"key = {toml_string(option.key)}")
            lines.append(f"text = {toml_string(option.text)}")
            lines.append(f"correct = {'true' if option.correct else 'false'}")
            lines.append(f"explanation = {toml_string(option.explanation)}")
    return "\n".join(lines) + "\n"
