"""Lesson figures: one Markdown line, a still without JavaScript, frames cached and shared."""

from __future__ import annotations

import gzip
import re

import lxml.html
import pytest

from lbteach.lessons.catalogue import LessonError, _with_figures, load_catalogue
from lbteach.scene.figures import EVENT_EVERY, FRAMES, LEAD, figure, figure_html, frames_body
from tests.text import search


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


def frame_facts(name: str) -> list[dict]:
    """What each frame of a figure's panel shows: its counters and the words in its band."""
    plain, _ = frames_body(name)
    facts = []
    for svg in lxml.html.fromstring(plain).find_class("scene"):
        facts.append(
            {
                "breaks": int(svg.xpath('.//*[@data-count="breaks"]')[0].text),
                "lost": int(svg.xpath('.//*[@data-count="lost"]')[0].text),
                "told": [t.text for t in svg.xpath(".//*[@data-event]")],
                "crashes": [t.text for t in svg.xpath(".//*[@data-crash-of]")],
                "breaks_named": [t.text for t in svg.xpath(".//text[@data-break-of]")],
                "served": {
                    t.get("data-table"): int(
                        t.xpath('.//text[@class="state-word"]')[0].text.split()[0]
                    )
                    for t in svg.xpath(".//*[@data-table]")
                    if t.get("data-state") == "up"
                },
                "waiting": {
                    t.get("data-table")
                    for t in svg.xpath(".//*[@data-table]")
                    if "waiting" in " ".join(t.xpath('.//text[@class="queue"]/text()'))
                },
            }
        )
    return facts


def moved_share(facts: list[dict]) -> float:
    said = next(t for f in facts for t in f["told"] if "joined" in t)
    return int(search(r"(\d+) of \d+ customers move", said)) / int(search(r"of (\d+)", said))


def hot_spot(frame: dict) -> bool:
    """One table has served three times any other, and only it has a queue."""
    served = sorted(frame["served"].items(), key=lambda item: -item[1])
    (hot, most), rest = served[0], served[1:]
    return all(most >= 3 * n for _, n in rest) and frame["waiting"] == {hot}


# Each caption's claim, as the figure's own frames must show it.
CLAIMS = {
    # "about four customers in five now hash to a different table and their carts break"
    "scale_out_modulo": lambda f: abs(moved_share(f) - 4 / 5) <= 0.1 and f[-1]["breaks"] > 0,
    # "only the customers whose ring segment the new table takes over move, about one in five"
    "scale_out_consistent": lambda f: abs(moved_share(f) - 1 / 5) <= 0.1,
    # "Every cart it held in memory is lost"
    "server_crash": lambda f: (
        all(
            int(search(r"^B crashed: (\d+) carts? lost$", c)) == x["lost"] > 0
            for x in f
            for c in x["crashes"]
        )
        and any(x["crashes"] for x in f)
    ),
    # "the redispatched customers find their carts on the new table and nothing is lost"
    "server_crash_shared": lambda f: (
        all(x["lost"] == 0 and x["breaks"] == 0 for x in f)
        and any("kept in the pantry" in c for x in f for c in x["crashes"])
    ),
    # "most now hash to another table and find an empty cart"
    "mobile_ip_change": lambda f: (
        f[-1]["breaks"] > 0 and any("new IP" in b for x in f for b in x["breaks_named"])
    ),
    # "those with a cart usually lose it to another table"
    "cookie_cleared": lambda f: (
        f[-1]["breaks"] > 0 and any("no cookie" in b for x in f for b in x["breaks_named"])
    ),
    # "carts break all the time"
    "round_robin_basics": lambda f: f[-1]["breaks"] > f[0]["breaks"],
    # "nothing breaks: the cookie travels with the browser"
    "ecommerce_cart": lambda f: all(x["breaks"] == 0 for x in f),
    # "their sessions stay put because the cookie, not the IP address, decides"
    "banking_login": lambda f: all(x["breaks"] == 0 for x in f),
    # "no cart ever breaks, a crash loses nothing"
    "hybrid": lambda f: all(x["breaks"] == 0 and x["lost"] == 0 for x in f),
    # "source-IP affinity sends all of them to one table. That table's queue grows while the
    # others idle: a hot spot"
    "nat_hot_spot": lambda f: hot_spot(f[-1]),
    # "Searches need no session ... nothing can break"
    "product_search": lambda f: all(x["breaks"] == 0 for x in f),
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_each_figures_caption_is_what_its_frames_show(name):
    assert CLAIMS[name](frame_facts(name)), frame_facts(name)


def test_every_figure_in_a_lesson_has_its_caption_checked():
    in_lessons = set()
    for lesson in load_catalogue().lessons:
        in_lessons.update(re.findall(r'data-frames="/lab/figures/([^/]+)/"', lesson.html))
    assert {n for name in in_lessons for n in name.split("+")} == set(CLAIMS)


def test_a_figure_loops_from_a_little_before_its_key_moment():
    for name in ("mobile_ip_change", "server_crash"):
        panel = figure((name,)).panels[0]
        facts = frame_facts(name)
        assert len(panel.frames) == FRAMES
        assert facts[0]["breaks"] == facts[LEAD - 1]["breaks"]  # nothing has happened yet
        assert facts[0]["lost"] == 0
        assert LEAD <= panel.key < LEAD + EVENT_EVERY
        assert panel.counts == tuple((x["breaks"], x["lost"]) for x in facts)


def test_a_pair_shows_both_counts_under_it_from_the_still():
    html = figure_html(("scale_out_modulo", "scale_out_consistent"))
    document = lxml.html.fragment_fromstring(html, create_parent=True)
    tallies = document.xpath(".//*[@data-tally]")
    for tally, panel in zip(
        tallies, figure(("scale_out_modulo", "scale_out_consistent")).panels, strict=True
    ):
        assert [int(n.text) for n in tally.xpath(".//*[@data-tally-count]")] == list(
            panel.key_counts
        )
    assert document.xpath('.//button[@data-act="back"]/text()') == ["Step back"]
