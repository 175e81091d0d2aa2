"""The lab page's buttons come from the action table: each labelled action, its words."""

from __future__ import annotations

import lxml.html
import pytest

from lbteach.lab.actions import LAB_ACTIONS
from lbteach.live.actions import LAB

pytestmark = pytest.mark.django_db


def lab_page(client, path: str = "/lab/") -> lxml.html.HtmlElement:
    return lxml.html.fromstring(client.get(path).content.decode())


def test_every_labelled_lab_action_has_its_control_with_its_label(client):
    page = lab_page(client)
    labelled = [a for a in LAB_ACTIONS if a.label and LAB in a.roles]
    assert len(labelled) == 15
    for action in labelled:
        (form,) = page.xpath(f'//form[input[@name="action"][@value="{action.name}"]]')
        words = " ".join(form.text_content().split())
        assert action.label in words, action.name


def test_each_button_says_what_it_does(client):
    page = lab_page(client)
    crash = page.xpath('//form[input[@value="crash_table"]]/button')[0]
    assert crash.text == "Crash table"
    assert crash.get("title") == LAB_ACTIONS["crash_table"].description
    assert crash.get("class") == "button danger"
    assert crash.getparent().get("hx-include") == "#table-choice"
    add_table = page.xpath('//form[input[@value="add_table"]]')[0]
    assert add_table.get("hx-include") is None


def test_the_page_names_the_actions_its_script_sends(client):
    (root,) = lab_page(client).xpath("//div[@ws-connect]")
    assert root.get("data-snapshot") == "snapshot"
    assert root.get("data-reattach") == "reattach"
    assert {"snapshot", "reattach"} <= LAB_ACTIONS.names(LAB)


def test_compare_mode_has_no_balancer_switch(client):
    page = lab_page(client, "/lab/compare/")
    assert page.xpath('//input[@value="set_balancer"]') == []
    assert len(page.xpath('//input[@value="crash_table"]')) == 1
