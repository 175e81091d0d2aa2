"""The lesson catalogue: file format, order, links and the cache."""

from __future__ import annotations

import re

import pytest

from lbteach.lessons.catalogue import LessonError, load_catalogue, parse_lesson

VENDOR_DOCS = {
    "HAProxy": "docs.haproxy.org",
    "nginx": "nginx.org/en/docs",
    "Envoy": "envoyproxy.io/docs",
    "AWS": "docs.aws.amazon.com",
    "Kubernetes": "kubernetes.io/docs",
}


def test_there_are_at_least_twelve_lessons_in_order():
    lessons = load_catalogue().lessons
    assert len(lessons) >= 12
    assert [lesson.order for lesson in lessons] == sorted(lesson.order for lesson in lessons)
    assert len({lesson.slug for lesson in lessons}) == len(lessons)


def test_every_lesson_has_objectives_takeaways_and_a_body():
    for lesson in load_catalogue().lessons:
        assert len(lesson.objectives) >= 2, lesson.slug
        assert len(lesson.takeaways) >= 2, lesson.slug
        assert len(lesson.source.split()) >= 300, lesson.slug
        assert lesson.headings, lesson.slug


def test_lab_and_quiz_links_are_well_formed():
    for lesson in load_catalogue().lessons:
        assert re.fullmatch(r"/lab/\?scenario=[a-z][a-z0-9_]*", lesson.lab_url), lesson.slug
        assert lesson.quiz_url == f"/quiz/?topic={lesson.slug}"


def test_real_configuration_lesson_has_a_snippet_and_a_link_per_product():
    lesson = load_catalogue().get("real-world-configuration")
    assert lesson is not None
    assert lesson.html.count("<pre><code") >= 5
    for product, host in VENDOR_DOCS.items():
        assert product in lesson.source
        assert host in lesson.source, f"no link to {product}'s documentation"


def test_headings_get_anchors_for_the_table_of_contents():
    lesson = load_catalogue().lessons[0]
    for heading in lesson.headings:
        assert f'id="{heading.anchor}"' in lesson.html


def test_a_new_file_is_a_new_lesson(tmp_path):
    (tmp_path / "01-first.md").write_text(
        '+++\ntitle = "First"\nsummary = "S"\nminutes = 2\nobjectives = ["Know"]\n'
        'takeaways = ["Done"]\nlab_preset = "hybrid"\n+++\n\n## Part one\n\nHello *world*.\n'
    )
    catalogue = load_catalogue(tmp_path)
    assert catalogue.slugs == ("first",)
    assert '<h2 id="part-one">Part one</h2>' in catalogue.lessons[0].html
    assert "<em>world</em>" in catalogue.lessons[0].html

    (tmp_path / "02-second.md").write_text((tmp_path / "01-first.md").read_text())
    assert load_catalogue(tmp_path).slugs == ("first", "second")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("lesson.md", "+++\n+++\n", "named NN-slug.md"),
        ("01-a.md", "no front matter", "must start with TOML front matter"),
        ("01-a.md", "+++\ntitle = \n+++\n", "not valid TOML"),
        ("01-a.md", '+++\ntitle = "A"\n+++\n', "lacks summary, minutes"),
    ],
)
def test_a_broken_lesson_file_says_what_is_wrong(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LessonError, match=message):
        parse_lesson(path)
