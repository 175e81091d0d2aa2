"""The lesson catalogue: Markdown files with TOML front matter, parsed and rendered once.

Writing a new lesson means adding one file to `content/`; its name (`NN-slug.md`) gives
the order and the slug. Rendering happens on first use and is cached until a file changes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

CONTENT_DIR = Path(__file__).resolve().parent / "content"
FILE_NAME = re.compile(r"^(?P<order>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
# A live figure is one line: `{% figure preset %}`, or two presets side by side.
FIGURE_LINE = re.compile(r"^\{% figure (?P<presets>[a-z0-9_]+(?: [a-z0-9_]+)?) %\}[ \t]*$", re.M)
REQUIRED_FIELDS = ("title", "summary", "minutes", "objectives", "takeaways", "lab_preset")


class LessonError(ValueError):
    """A lesson file that cannot be published, with the file and the reason."""


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Lesson:
    slug: str
    order: int
    title: str
    summary: str
    minutes: int
    objectives: tuple[str, ...]
    takeaways: tuple[str, ...]
    lab_preset: str
    seed_topics: tuple[str, ...]
    html: str
    headings: tuple[Heading, ...]
    source: str

    @property
    def lab_url(self) -> str:
        return f"{reverse('lab:lab')}?scenario={self.lab_preset}"

    @property
    def quiz_url(self) -> str:
        return f"{reverse('quiz:home')}?topic={self.slug}"


@dataclass(frozen=True)
class Catalogue:
    lessons: tuple[Lesson, ...]

    def get(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        index = self.lessons.index(lesson)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(lesson.slug for lesson in self.lessons)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _add_heading_anchors(state: StateCore) -> None:
    """Give every heading an id so the table of contents can link to it."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", slugify(tokens[index + 1].content))


def _markdown() -> MarkdownIt:
    # Lessons are our own trusted files, so raw HTML (the SVG figures) is allowed.
    md = MarkdownIt("commonmark", {"html": True, "typographer": True}).enable("table")
    md.core.ruler.push("heading_anchors", _add_heading_anchors)
    return md


def split_front_matter(text: str, name: str) -> tuple[dict, str]:
    parts = text.split("+++", 2)
    if len(parts) != 3 or parts[0].strip():
        raise LessonError(f"{name}: must start with TOML front matter between '+++' lines")
    try:
        meta = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as error:
        raise LessonError(f"{name}: front matter is not valid TOML: {error}") from error
    return meta, parts[2]


def parse_lesson(path: Path, md: MarkdownIt | None = None) -> Lesson:
    match = FILE_NAME.match(path.name)
    if not match:
        raise LessonError(f"{path.name}: lesson files are named NN-slug.md")
    meta, body = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    missing = [field for field in REQUIRED_FIELDS if field not in meta]
    if missing:
        raise LessonError(f"{path.name}: front matter lacks {', '.join(missing)}")
    md = md or _markdown()
    tokens = md.parse(_with_figures(body, path.name))
    headings = tuple(
        Heading(int(token.tag[1]), tokens[i + 1].content, slugify(tokens[i + 1].content))
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag in ("h2", "h3")
    )
    return Lesson(
        slug=match["slug"],
        order=int(match["order"]),
        title=meta["title"],
        summary=meta["summary"],
        minutes=int(meta["minutes"]),
        objectives=tuple(meta["objectives"]),
        takeaways=tuple(meta["takeaways"]),
        lab_preset=meta["lab_preset"],
        seed_topics=tuple(meta.get("seed_topics", ())),
        html=md.renderer.render(tokens, md.options, {}),
        headings=headings,
        source=body,
    )


def _with_figures(body: str, name: str) -> str:
    """The Markdown with each figure line replaced by the figure's HTML (its still and caption)."""
    from lbteach.scene.figures import UnknownFigure, figure_html

    def expand(match: re.Match) -> str:
        try:
            return figure_html(tuple(match["presets"].split()))
        except UnknownFigure as error:
            raise LessonError(f"{name}: no scenario preset called {error.args[0]!r}") from None

    return FIGURE_LINE.sub(expand, body)


def _fingerprint(directory: Path) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in directory.glob("*.md")))


@cache
def _load(directory: Path, fingerprint: tuple[tuple[str, int], ...]) -> Catalogue:
    md = _markdown()
    lessons = sorted(
        (parse_lesson(directory / name, md) for name, _ in fingerprint),
        key=lambda lesson: lesson.order,
    )
    return Catalogue(tuple(lessons))


def load_catalogue(directory: Path = CONTENT_DIR) -> Catalogue:
    """The catalogue, rendered once per set of file versions (an edited file is picked up)."""
    return _load(directory, _fingerprint(directory))
