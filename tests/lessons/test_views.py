"""The home page, the lesson index and lesson pages, as a browser without JavaScript sees them."""

from __future__ import annotations

import pytest

from lbteach.lessons.catalogue import load_catalogue

pytestmark = pytest.mark.django_db


def test_home_page_links_to_every_lesson_and_each_use(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for lesson in load_catalogue().lessons:
        assert f'href="/lessons/{lesson.slug}/"' in html
    for link in ('href="/lab/"', 'href="/quiz/"', 'href="/class/"'):
        assert link in html


def test_lesson_page_has_objectives_takeaways_pager_and_practice_links(client):
    catalogue = load_catalogue()
    second = catalogue.lessons[1]
    html = client.get(f"/lessons/{second.slug}/").content.decode()
    assert "You will be able to" in html
    assert "Key takeaways" in html
    assert f'href="/lessons/{catalogue.lessons[0].slug}/"' in html
    assert f'href="/lessons/{catalogue.lessons[2].slug}/"' in html
    assert f'href="/lab/?scenario={second.lab_preset}"' in html
    assert f'href="/quiz/?topic={second.slug}"' in html


def test_index_shows_which_lessons_this_browser_has_read(client):
    first, second = load_catalogue().lessons[:2]
    assert "You have read <strong>0</strong>" in client.get("/lessons/").content.decode()
    client.get(f"/lessons/{first.slug}/")
    client.get(f"/lessons/{first.slug}/")  # reading twice counts once
    html = client.get("/lessons/").content.decode()
    assert "You have read <strong>1</strong>" in html
    assert html.count('class="badge read"') == 1
    assert html.index(first.title) < html.index('class="badge read"') < html.index(second.title)


def test_unknown_lesson_gets_a_friendly_404_with_a_way_back(client):
    response = client.get("/lessons/no-such-lesson/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't seat you there" in html
    assert 'href="/lessons/"' in html


def test_odd_query_strings_change_nothing(client):
    slug = load_catalogue().lessons[0].slug
    plain = client.get(f"/lessons/{slug}/").content
    odd = client.get(f"/lessons/{slug}/?page=999&slug=../../etc&x=%00<script>")
    assert odd.status_code == 200
    assert odd.content == plain


def test_lesson_pages_refuse_to_be_posted_to(client):
    assert client.post("/lessons/").status_code == 405


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_no_page_has_inline_styles_or_scripts(client):
    for url in ["/", "/lessons/", *(f"/lessons/{s}/" for s in load_catalogue().slugs)]:
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert "<style" not in html, url
        assert "<script>" not in html, url
