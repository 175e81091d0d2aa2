"""Predict-it drills: the engine gives every answer and its numbers; bad input gets a 400."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from django.utils.html import escape

from lbteach.quiz.drill_practice import TOKEN_SALT
from lbteach.quiz.drills import BANDS, KINDS, SEED_MAX, DrillError, band_of, generate
from lbteach.quiz.models import DrillAnswer, DrillCard, Learner
from lbteach.sim import Scenario, Simulation, route
from tests.quiz.conftest import HTMX
from tests.text import search

SEEDS = (0, 1, 2, 3, 41, 977, 65_535, SEED_MAX)


def percent_of(moved: int, seated: int) -> str:
    return f"{100 * moved / seated:.0f}%"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["nginx-ip-hash", "haproxy-source", "consistent-hash"])
def test_a_hash_drill_answers_what_route_answers(kind, seed):
    drill = generate(kind, seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    table, reason = route(facts["balancer"], facts["servers"], facts["ip"])
    assert drill.answer_text == f"Table {table}"
    assert drill.explanation[0] == f"The engine says: {reason}."
    assert facts["ip"] in drill.prompt
    assert f"{facts['servers']} tables" in drill.prompt
    # Every number of the engine's arithmetic is in the explanation.
    for number in re.findall(r"\d+", reason):
        assert number in drill.explanation[0]


def test_the_nginx_drill_shows_the_three_octet_arithmetic():
    drill = generate("nginx-ip-hash", 1)
    assert drill.facts["ip"] == "10.142.46.72"
    assert drill.answer_text == "Table D"
    assert drill.explanation[0] == (
        "The engine says: nginx ip_hash of 10.142.46.x -> 6115 % 4 = 3 -> table D."
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_the_scale_out_drill_answers_from_a_simulation_of_its_own_customers(seed):
    drill = generate("scale-out", seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    customers = int(search(r"^(\d+) regular customers", drill.prompt))
    sim = Simulation(
        Scenario.from_dict(
            {
                "balancer": facts["balancer"],
                "servers": facts["servers"],
                "clients": customers,
                "seed": seed,
                "mobile_share": 0.0,
                "nat_share": 0.0,
            }
        )
    )
    sim.step(customers * 8)
    seated = sum(1 for client in sim.view()["clients"] if client["last_table"])
    moved = sim.apply({"do": "add_server"}).remapped
    assert (facts["seated"], facts["moved"]) == (seated, moved)
    assert drill.answer == band_of(100 * moved / seated)
    assert (
        f"{moved} of {seated} now go to a different table ({percent_of(moved, seated)})"
        in (drill.explanation[0])
    )


# The engine's hashes may be refined (to match HAProxy bit for bit), so these pin what the
# drill must say about the engine's numbers, not the numbers themselves.


def test_modulo_moves_most_customers_and_consistent_hashing_few():
    modulo = generate("scale-out", 1)
    facts: dict[str, Any] = modulo.facts  # each kind of drill has facts of its own types
    assert (facts["balancer"], facts["servers"]) == ("source_ip", 5)
    assert facts["seated"] == 64  # every one of the drill's customers has a table
    assert modulo.answer_text == "70% or more"
    assert modulo.explanation == (
        f"The engine seated 64 customers, then added table F: {facts['moved']} of 64 now go"
        f" to a different table ({percent_of(facts['moved'], 64)}).",
        "In theory a customer keeps their table only when hash % 5 equals hash % 6, about 1 in"
        " 6, so about 83% move.",
    )
    consistent = [
        drill
        for drill in (generate("scale-out", seed) for seed in range(30))
        if drill.facts["balancer"] == "source_ip_consistent"
    ]
    assert len(consistent) >= 5
    assert {drill.answer for drill in consistent} <= {1, 2}


def test_bands_cover_every_share_once():
    assert [band_of(p) for p in (0, 9.9, 10, 39.9, 40, 69.9, 70, 100)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert BANDS[0][0] == 0
    assert BANDS[-1][1] > 100


@pytest.mark.parametrize("seed", range(12))
def test_the_cart_drill_replays_the_customer_through_the_engine(seed):
    drill = generate("cart-survives", seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    sim = Simulation(
        Scenario.from_dict(
            {
                "balancer": facts["balancer"],
                "servers": int(search(r"with (\d) tables", drill.prompt)),
                "clients": 0,
                "seed": seed,
                "mobile_share": 1.0,
                "shared_sessions": facts["event"] == "crash_shared",
            }
        )
    )
    [customer] = sim.add_clients(1, auto=False)
    sim.request(customer, "browse")
    for _ in range(facts["items"]):
        before = sim.request(customer, "add_to_cart")
    assert before.server == facts["home"]
    event = facts["event"]
    if event in ("clear_cookies", "change_ip"):
        sim.client_event(customer, event)
    elif event == "expire":
        sim.apply({"do": "expire_sessions"})
    else:
        sim.apply({"do": "crash_server", "server": before.server})
    after = sim.request(customer, "view_cart")
    survives = after.cart_items == facts["items"] and not after.cart_broken
    assert drill.answer_text == (
        "Yes: the cart is still there"
        if survives
        else ("No: the cart is gone or left at another table")
    )
    assert drill.explanation[0] == f"Before: {before.reason}."
    assert drill.explanation[2] == f"Next request: {after.reason}."
    assert f"table {after.server}" in drill.explanation[3]


def test_a_crash_without_a_shared_store_loses_the_cart_and_with_one_keeps_it():
    answers: dict[object, set[int]] = {}
    for seed in range(60):
        drill = generate("cart-survives", seed)
        if drill.facts["event"] in ("crash", "crash_shared"):
            answers.setdefault(drill.facts["event"], set()).add(drill.answer)
    assert answers == {"crash": {2}, "crash_shared": {1}}


@pytest.mark.parametrize("seed", [0, 1, 7, SEED_MAX])
def test_the_hot_spot_is_the_busiest_table_of_the_engines_run(seed):
    drill = generate("hot-spot", seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    per_server = facts["per_server"]
    busiest = max(per_server.values())
    assert per_server[drill.answer_text.removeprefix("Table ")] == busiest
    assert list(per_server.values()).count(busiest) == 1
    assert sum(per_server.values()) == 3000
    counts = ", ".join(f"{name} {count}" for name, count in per_server.items())
    assert drill.explanation[1] == f"Requests per table, from the engine: {counts}."
    _table, reason = route("source_ip", facts["servers"], "100.64.0.1")
    assert drill.explanation[0] == f"The NAT address hashes like one customer: {reason}."
    assert f"{facts['behind_nat']} of the customers sit behind one office NAT" in drill.prompt


def test_the_hot_spot_of_seed_one_is_the_nat_address_table():
    drill = generate("hot-spot", 1)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    hot = facts["per_server"][facts["hot"]]
    assert (facts["servers"], facts["customers"], facts["behind_nat"]) == (5, 82, 42)
    assert facts["hot"] == facts["nat_table"]
    assert drill.answer_text == f"Table {facts['nat_table']}"
    assert drill.explanation[2] == (
        f"Table {facts['hot']} served the most: {hot} of 3,000 ({100 * hot / 3000:.0f}%)."
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_drill_is_the_same_for_the_same_seed(kind):
    assert generate(kind, 123) == generate(kind, "123")
    assert generate(kind, 123).prompt != generate(kind, 124).prompt or kind == "cart-survives"


@pytest.mark.parametrize("seed", ["-1", "1000000", "12a", "", "9" * 40, "１２"])
def test_seeds_out_of_range_are_refused(seed):
    with pytest.raises(DrillError):
        generate("hot-spot", seed)


def test_an_unknown_drill_is_refused():
    with pytest.raises(DrillError, match="no drill called"):
        generate("guess-the-table", 1)


# Pages ----------------------------------------------------------------------------------


def hidden_token(html: str) -> str:
    return search(r'name="token" value="([^"]*)"', html)


def snapshot() -> tuple:
    return (
        sorted(DrillAnswer.objects.values_list("nonce", "choice", "correct")),
        sorted(DrillCard.objects.values_list("drill", "due", "reviews")),
        Learner.objects.count(),
    )


@pytest.mark.django_db
def test_answering_a_drill_grades_it_schedules_its_type_and_links_the_lab(client):
    drill = generate("nginx-ip-hash", 1)
    page = client.get("/quiz/drills/nginx-ip-hash/1/")
    assert page.status_code == 200
    html = page.content.decode()
    assert drill.prompt in html
    assert "Keyboard shortcuts" in html
    response = client.post(
        "/quiz/drills/nginx-ip-hash/1/answer/",
        {"token": hidden_token(html), "choice": str(drill.answer)},
    )
    assert response.status_code == 200
    result = response.content.decode()
    assert "Right" in result
    assert escape(drill.explanation[0]) in result
    lab = "/lab/?" + urlencode(
        {"scenario": "proxy_single_ip", "balancer": "nginx_ip_hash", "seed": "1"}
    )
    assert f'href="{lab.replace("&", "&amp;")}"' in result
    assert 'href="/quiz/drills/nginx-ip-hash/1/"' in result  # replay
    answer = DrillAnswer.objects.get()
    assert (answer.drill, answer.seed, answer.choice, answer.correct) == (
        "nginx-ip-hash",
        1,
        drill.answer,
        True,
    )
    card = DrillCard.objects.get()
    assert (card.drill, card.reviews) == ("nginx-ip-hash", 1)
    assert client.get("/lab/?" + urlencode(drill.lab)).status_code == 200


@pytest.mark.django_db
def test_a_wrong_prediction_is_counted_wrong_and_shows_the_right_one(client):
    drill = generate("hot-spot", 1)
    html = client.get("/quiz/drills/hot-spot/1/", **HTMX).content.decode()
    response = client.post(
        "/quiz/drills/hot-spot/1/answer/", {"token": hidden_token(html), "choice": "2"}, **HTMX
    )
    result = response.content.decode()
    assert result.strip().startswith('<section id="quiz-card"')
    assert "Not quite" in result
    assert f"<strong data-drill-answer>{drill.answer_text}</strong>" in result
    assert DrillAnswer.objects.get().correct is False


@pytest.mark.django_db
def test_the_same_served_drill_counts_once(client):
    html = client.get("/quiz/drills/hot-spot/1/").content.decode()
    form = {"token": hidden_token(html), "choice": "1"}
    assert client.post("/quiz/drills/hot-spot/1/answer/", form).status_code == 200
    before = snapshot()
    again = client.post("/quiz/drills/hot-spot/1/answer/", {**form, "choice": "2"})
    assert again.status_code == 409
    assert "Your first answer counts" in again.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/quiz/drills/hot-spot/1000000/", "from 0 to 999,999"),
        ("/quiz/drills/hot-spot/abc/", "from 0 to 999,999"),
        ("/quiz/drills/hot-spot/-5/", "from 0 to 999,999"),
        ("/quiz/drills/guess/1/", "There is no drill called “guess”."),
        ("/quiz/drills/guess/", "There is no drill called “guess”."),
    ],
)
def test_bad_drill_addresses_get_a_clear_400(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.content.decode()


def signed(kind: str, seed: int) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign_object({"k": kind, "s": seed, "n": "0" * 32})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "fields", "message"),
    [
        ("/quiz/drills/hot-spot/1/answer/", {"choice": "1"}, "token is not valid"),
        ("/quiz/drills/hot-spot/1/answer/", {"token": "forged", "choice": "1"}, "not valid"),
        # A token served for seed 2, posted as seed 1: a tampered seed.
        (
            "/quiz/drills/hot-spot/1/answer/",
            {"token": signed("hot-spot", 2), "choice": "1"},
            "belongs to another drill",
        ),
        (
            "/quiz/drills/hot-spot/1/answer/",
            {"token": signed("scale-out", 1), "choice": "1"},
            "belongs to another drill",
        ),
        (
            "/quiz/drills/hot-spot/1/answer/",
            {"token": signed("hot-spot", 1), "choice": "6"},
            "is not one of this drill",
        ),
        (
            "/quiz/drills/hot-spot/1/answer/",
            {"token": signed("hot-spot", 1), "choice": "0"},
            "is not one of this drill",
        ),
        (
            "/quiz/drills/hot-spot/1/answer/",
            {"token": signed("hot-spot", 1)},
            "is not one of this drill",
        ),
        (
            "/quiz/drills/hot-spot/9999999/answer/",
            {"token": signed("hot-spot", 1), "choice": "1"},
            "from 0 to 999,999",
        ),
    ],
)
def test_tampered_drill_answers_get_a_400_and_change_nothing(client, url, fields, message):
    before = snapshot()
    response = client.post(url, fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_a_drill_answer_needs_a_post(client):
    assert client.get("/quiz/drills/hot-spot/1/answer/").status_code == 405


@pytest.mark.django_db
def test_practise_next_offers_new_types_in_order_then_what_is_due(client):
    first = client.get("/quiz/drills/next/")
    assert first.status_code == 302
    assert re.fullmatch(r"/quiz/drills/nginx-ip-hash/\d+/", first["Location"])
    html = client.get(first["Location"]).content.decode()
    seed = int(first["Location"].split("/")[4])
    assert 0 <= seed <= SEED_MAX
    choice = str(generate("nginx-ip-hash", seed).answer)
    client.post(first["Location"] + "answer/", {"token": hidden_token(html), "choice": choice})
    assert "/quiz/drills/haproxy-source/" in client.get("/quiz/drills/next/")["Location"]
    assert "drill type due" not in client.get("/quiz/").content.decode()
    DrillCard.objects.update(due=DrillCard.objects.get().due - timedelta(hours=1))
    assert '<p data-drills-due="1"><strong>1</strong> drill type due for review.</p>' in (
        client.get("/quiz/").content.decode()
    )
    assert "/quiz/drills/nginx-ip-hash/" in client.get("/quiz/drills/next/")["Location"]
    DrillCard.objects.update(due=DrillCard.objects.get().due + timedelta(hours=1))
    listing = client.get("/quiz/drills/").content.decode()
    assert listing.count('class="card drill-kind"') == 6
    assert "in 10 minutes</span> 1 of 1 right" in listing


@pytest.mark.django_db
def test_drill_answers_show_on_the_progress_page_and_reset_erases_them(client):
    drill = generate("scale-out", 1)
    html = client.get("/quiz/drills/scale-out/1/").content.decode()
    client.post(
        "/quiz/drills/scale-out/1/answer/",
        {"token": hidden_token(html), "choice": str(drill.answer)},
    )
    progress = client.get("/quiz/progress/").content.decode()
    assert 'data-days-studied="1"' in progress
    assert 'data-topic="Drill: Add a table" data-recalled="1" data-answers="1"' in progress
    reset = client.post("/quiz/progress/reset/", {"confirm": "yes"})
    assert "1 answer erased" in reset.content.decode()
    assert (DrillAnswer.objects.count(), DrillCard.objects.count()) == (0, 0)


def test_a_fresh_client_never_becomes_a_learner_by_looking(db):
    client = Client()
    assert client.get("/quiz/drills/").status_code == 200
    assert client.get("/quiz/drills/hot-spot/3/").status_code == 200
    assert client.post("/quiz/drills/hot-spot/3/answer/", {"choice": "1"}).status_code == 400
    assert Learner.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_drill_kind_opens_the_same_situation_in_the_lab(client, kind):
    for seed in (3, 4):
        drill = generate(kind, seed)
        assert drill.lab["seed"] == str(seed)
        assert client.get("/lab/?" + urlencode(drill.lab)).status_code == 200
