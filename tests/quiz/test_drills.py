"""Predict-it drills: the engine gives every answer and its numbers; bad input gets a 400."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from lbteach.quiz.drill_practice import TOKEN_SALT
from lbteach.quiz.drills import KINDS, SEED_MAX, DrillError, generate
from lbteach.quiz.models import DrillAnswer, DrillCard, Learner
from lbteach.sim import Simulation, ring_points, route, scenario_from_preset
from tests.quiz.conftest import HTMX
from tests.text import search

SEEDS = (0, 1, 2, 3, 41, 977, 65_535, SEED_MAX)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["nginx-ip-hash", "haproxy-source", "consistent-hash"])
def test_a_hash_drill_answers_what_route_answers(kind, seed):
    drill = generate(kind, seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    table, reason = route(facts["balancer"], facts["servers"], facts["ip"])
    assert drill.answer_text == f"Table {table}"
    assert drill.explanation[1] == f"The engine says: {reason}."
    assert facts["ip"] in drill.prompt
    # The lab opens the same number of tables as the drill has.
    assert f"{scenario_from_preset(drill.lab['scenario']).servers} tables" in drill.prompt


def test_the_nginx_drill_gives_the_hash_and_works_the_modulo_after():
    drill = generate("nginx-ip-hash", 1)
    assert drill.facts["ip"] == "10.155.142.24"
    assert drill.givens[1] == "nginx's hash of 10.155.142 is 1409."
    assert drill.answer_text == "Table B"
    assert drill.worked_step == "10.155.142.24 → 1409; 1409 % 4 = 1 → table B."
    assert drill.explanation[1] == (
        "The engine says: nginx ip_hash of 10.155.142.x -> 1409 % 4 = 1 -> table B."
    )


def test_the_haproxy_drill_gives_the_address_as_a_number():
    drill = generate("haproxy-source", 1)
    assert drill.givens[1] == "10.83.247.86 read as a number is 173274966."
    assert drill.worked_step == "10.83.247.86 → 173274966; 173274966 % 4 = 2 → table C."
    assert drill.answer_text == "Table C"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_consistent_drill_shows_the_engines_own_ring_around_the_key(seed):
    drill = generate("consistent-hash", seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    ring = dict(ring_points("nginx_hash_consistent", facts["servers"]))
    listed = [re.fullmatch(r"([\d,]+) \(table ([A-H])\)", item) for item in drill.listing]
    assert len(listed) == 6
    assert all(m and ring[int(m[1].replace(",", ""))] == m[2] for m in listed)
    assert f"crc32(“{facts['ip']}”) is {facts['key']:,}." == drill.givens[1]


def test_the_consistent_drill_of_seed_one():
    drill = generate("consistent-hash", 1)
    assert drill.worked_step == (
        "10.112.233.178 → 354,914,312; the first point at or after 354,914,312 is 356,173,239"
        " → table B."
    )
    assert drill.explanation[1] == (
        "The engine says: nginx hash $remote_addr consistent: crc32(10.112.233.178) ="
        " 354914312; next point 356173239 -> table B."
    )


def test_the_scale_out_drill_of_seed_one_moves_the_customers_before_the_new_points():
    drill = generate("scale-out", 1)
    assert drill.givens[1:] == (
        "Table points: A at 68 and 98; B at 14 and 42; C at 33 and 47; D at 54 and 82.",
        "Customers: 1 at 20, 2 at 26, 3 at 32, 4 at 51, 5 at 62, 6 at 70.",
        "Table E joins at 27 and 91.",
    )
    assert drill.answer_text == "Customers 1 and 2"
    assert drill.worked_step == (
        "customer 1: C → E; customer 2: C → E. Every other customer's first point clockwise"
        " is unchanged."
    )
    # The drawing carries every point and customer the text lists, once each.
    assert sorted((m.role, m.label, m.position) for m in drill.ring) == sorted(
        [("customer", str(i), p) for i, p in enumerate((20, 26, 32, 51, 62, 70), 1)]
        + [("new", "E", 27), ("new", "E", 91)]
        + [
            ("table", t, p)
            for t, p in [
                ("A", 68),
                ("A", 98),
                ("B", 14),
                ("B", 42),
                ("C", 33),
                ("C", 47),
                ("D", 54),
                ("D", 82),
            ]
        ]
    )


@pytest.mark.parametrize("seed", range(30))
def test_marks_on_one_circle_of_the_ring_never_overlap(seed):
    drill = generate("scale-out", seed)
    for outer in (True, False):
        marks = [m.position for m in drill.ring if (m.role != "customer") == outer]
        gaps = [min((a - b) % 100, (b - a) % 100) for a in marks for b in marks if a != b]
        assert min(gaps) >= 4


@pytest.mark.parametrize("seed", range(30))
def test_the_scale_out_options_are_four_different_sets_with_one_right(seed):
    drill = generate("scale-out", seed)
    assert len(set(drill.options)) == 4
    assert 1 <= len(drill.facts["moved"]) <= 3  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(12))
def test_the_cart_drill_replays_the_customer_through_the_engine(seed):
    drill = generate("cart-survives", seed)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    sim = Simulation(
        scenario_from_preset(
            drill.lab["scenario"],
            balancer=facts["balancer"],
            clients=0,
            seed=seed,
            mobile_share=1.0,
            shared_sessions=facts["shared"],
            events=[],
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
    assert drill.explanation[1] == f"Before: {before.reason}."
    assert drill.worked_step.startswith(f"Next request: {after.reason}.")
    assert f"table {after.server}" in drill.decider


def test_a_crash_without_a_shared_store_loses_the_cart_and_with_one_keeps_it():
    answers: dict[object, set[int]] = {}
    for seed in range(80):
        drill = generate("cart-survives", seed)
        if drill.facts["event"] == "crash":
            answers.setdefault(drill.facts["shared"], set()).add(drill.answer)
    assert answers == {False: {2}, True: {1}}


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
    nat_ip = search(r"share the address ([\d.]+);", drill.prompt)
    _table, reason = route("source_ip", facts["servers"], nat_ip)
    assert drill.explanation[3] == f"The engine says: {reason}."
    assert f"{facts['behind_nat']} of the customers sit behind one office NAT" in drill.prompt


def test_the_hot_spot_of_seed_one_is_the_nat_address_table():
    drill = generate("hot-spot", 1)
    facts: dict[str, Any] = drill.facts  # each kind of drill has facts of its own types
    hot = facts["per_server"][facts["hot"]]
    assert (facts["servers"], facts["customers"]) == (4, 72)
    assert facts["hot"] == facts["nat_table"]
    assert drill.answer_text == f"Table {facts['nat_table']}"
    assert drill.explanation[2] == (
        f"Table {facts['hot']} served the most: {hot} of 3,000 ({100 * hot / 3000:.0f}%)."
    )


def test_hot_spot_drills_do_not_all_share_one_answer():
    assert len({generate("hot-spot", seed).answer for seed in range(20)}) == 4


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_drill_is_the_same_for_the_same_seed(kind):
    assert generate(kind, 123) == generate(kind, "123")
    assert generate(kind, 123).givens != generate(kind, 124).givens


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
def test_every_drill_kinds_lab_link_opens_a_lab_showing_its_set_up(client, kind):
    for seed in (3, 4):
        drill = generate(kind, seed)
        html = client.get(f"/quiz/drills/{kind}/{seed}/").content.decode()
        result = client.post(
            f"/quiz/drills/{kind}/{seed}/answer/",
            {"token": hidden_token(html), "choice": "1"},
        ).content.decode()
        link = search(r'<a class="button" href="([^"]*)" data-drill-lab>', result)
        lab = client.get(link.replace("&amp;", "&"))
        assert lab.status_code == 200
        page = lab.content.decode()
        # The tables the drill talks about, the balancer it names, the seed and customers.
        tables = re.findall(r'data-table="([A-H])"', page)
        servers: Any = drill.facts["servers"]
        assert tables == [chr(ord("A") + i) for i in range(servers)]
        assert f'<option value="{drill.lab["balancer"]}" selected>' in page
        assert f'<option value="{drill.lab["scenario"]}" selected>' in page
        assert f"seed={seed}&amp;" in page
        if "shared" in drill.lab:
            checked = re.search(r'id="shared_sessions" checked', page) is not None
            assert checked == drill.facts["shared"]
        if "customers" in drill.lab:
            assert f"customers={drill.facts['customers']}" in page


class Draws:
    """Stands in for the seed source: hands out the given seeds in order."""

    def __init__(self, *seeds: int) -> None:
        self.seeds = list(seeds)

    def randint(self, low: int, high: int) -> int:
        return self.seeds.pop(0)


def answer_drill(client, kind: str, seed: int, right: bool) -> str:
    drill = generate(kind, seed)
    html = client.get(f"/quiz/drills/{kind}/{seed}/").content.decode()
    choice = drill.answer if right else drill.answer % len(drill.options) + 1
    return client.post(
        f"/quiz/drills/{kind}/{seed}/answer/", {"token": hidden_token(html), "choice": choice}
    ).content.decode()


@pytest.mark.django_db
def test_a_wrong_drill_brings_its_type_back_later_as_a_fresh_instance(client, monkeypatch):
    from lbteach.quiz import drill_practice

    result = answer_drill(client, "nginx-ip-hash", 5, right=False)
    assert "A fresh “nginx ip_hash” drill, with new numbers, comes back in 1 minute." in result
    card = DrillCard.objects.get(drill="nginx-ip-hash")
    # Not straight back: the next drill is another type while this one waits for its time.
    assert "/quiz/drills/haproxy-source/" in client.get("/quiz/drills/next/")["Location"]
    DrillCard.objects.filter(pk=card.pk).update(due=card.due - timedelta(minutes=2))
    # Due again: the same type, and the seed source's repeat of seed 5 is passed over.
    monkeypatch.setattr(drill_practice, "_seeds", Draws(5, 5, 77))
    assert client.get("/quiz/drills/next/")["Location"] == "/quiz/drills/nginx-ip-hash/77/"
    monkeypatch.setattr(drill_practice, "_seeds", Draws(5, 78))
    assert client.get("/quiz/drills/nginx-ip-hash/")["Location"] == "/quiz/drills/nginx-ip-hash/78/"


@pytest.mark.django_db
def test_with_every_type_seen_and_none_due_the_type_just_answered_waits(client):
    for kind in KINDS:
        answer_drill(client, kind, 1, right=True)
    answer_drill(client, "hot-spot", 2, right=False)  # due in a minute, sooner than any other
    assert not DrillCard.objects.filter(due__lte=timezone.now()).exists()
    soonest = DrillCard.objects.exclude(drill="hot-spot").order_by("due").first()
    assert soonest is not None
    location = client.get("/quiz/drills/next/")["Location"]
    assert location.startswith(f"/quiz/drills/{soonest.drill}/")


@pytest.mark.parametrize(
    ("balancer", "share"), [("nginx_hash_consistent", (1, 5)), ("source_ip", (4, 5))]
)
def test_the_scale_out_theory_holds_in_the_engine(balancer, share):
    """The feedback's promise (about 1 in 5 move on a ring, 4 in 5 with modulo), run for real
    in the lab's own set-up with many customers."""
    drill = generate("scale-out", 1)
    assert f"about {share[0]} customer in {share[1]} moves" in drill.explanation[1] or (
        f"would move about {share[0]} in {share[1]}" in drill.explanation[1]
    )
    customers = 400
    sim = Simulation(
        scenario_from_preset(
            drill.lab["scenario"], balancer=balancer, clients=customers, seed=1, events=[]
        )
    )
    sim.step(customers * 8)
    seated = sum(1 for client in sim.view()["clients"] if client["last_table"])
    moved = sim.apply({"do": "add_server"}).remapped
    assert seated == customers
    assert abs(moved / seated - share[0] / share[1]) < 0.08
