"""Lesson figures: one Markdown line, a still without JavaScript, frames cached and shared."""

from __future__ import annotations

import gzip

import lxml.html
import pytest

from lbteach.lab.figures import FRAMES, figure, frames_body
from lbteach.lessons.catalogue import LessonError, _with_figures


def test_a_figure_line_becomes_a_still_with_its_caption_and_a_link_to_the_lab():
    html = _with_figures("Before.\n\n{% figure mobile_ip_change %}\n\nAfter.\n", "x.md")
    figure_element = lxml.html.fragment_fromstring(html, create_parent=True).find(".//figure")
    assert figure_element.get("data-frames") == "/lab/figures/mobile_ip_change/"
    still = figure_element.find_class("scene")[0]
    assert still.get("role") == "img"
    assert still.findtext("desc")
    assert figure_element.xpath(".//figcaption//a/@href") == ["/lab/?scenario=mobile_ip_change"]
    assert figure_element.find_class("figure-controls")[0].get("hidden") is not None
    assert "\n\n" not in html.split("Before.\n\n", 1)[1].split("\n\nAfter.")[0]


def test_the_still_shows_the_key_moment_of_the_story():
    panel = figure(("mobile_ip_change",)).panels[0]
    assert 'data-cart="broken"' in panel.still or 'data-cart="stranded"' in panel.still
    crash = figure(("server_crash",)).panels[0]
    assert 'data-state="down"' in crash.still


def test_two_presets_stand_side_by_side():
    pair = figure(("scale_out_modulo", "scale_out_consistent"))
    assert [p.preset for p in pair.panels] == ["scale_out_modulo", "scale_out_consistent"]
    assert pair.name == "scale_out_modulo+scale_out_consistent"


def test_an_unknown_preset_in_a_lesson_names_the_file():
    with pytest.raises(LessonError, match=r"x\.md: no scenario preset called 'nope'"):
        _with_figures("{% figure nope %}\n", "x.md")


def test_frames_are_rendered_once_and_served_the_same_to_everyone(client):
    plain, packed = frames_body("server_crash+server_crash_shared")
    assert frames_body("server_crash+server_crash_shared")[0] is plain  # cached
    assert gzip.decompress(packed) == plain
    document = lxml.html.fromstring(plain)
    assert [len(p.find_class("scene")) for p in document.xpath("//*[@data-panel]")] == [
        FRAMES,
        FRAMES,
    ]
    response = client.get("/lab/figures/server_crash+server_crash_shared/")
    assert response.status_code == 200
    assert response.content == plain
    assert response["Cache-Control"] == "public, max-age=3600"
    zipped = client.get("/lab/figures/server_crash/", headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert client.get("/lab/figures/nope/").status_code == 404
    assert client.get("/lab/figures/hybrid+hybrid+hybrid/").status_code == 404
