"""Every idea of the syllabus (docs/seed.md, the seed the project was made from) is taught.

Each row anchors a phrase that really is in the seed to the words a lesson must use when
it teaches that idea. A lesson claims the idea in its `seed_topics` front matter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lbteach.lessons.catalogue import load_catalogue

SEED = (Path(__file__).resolve().parents[2] / "docs" / "seed.md").read_text(encoding="utf-8")

# topic id: (phrase found in the seed, words the claiming lesson's body must contain)
SEED_TOPICS = {
    "load-balancing-definition": ("load balancing can be classified", ["load balanc", "server"]),
    "stateless-definition": ("Does not retain session information", ["stateless"]),
    "stateless-no-session-data": ("No session data retained", ["session"]),
    "stateless-independent-decisions": ("Independent routing decisions", ["independent"]),
    "stateless-pros": ("High performance", ["performance", "scal", "simpl"]),
    "stateless-cons": ("No Session Persistence", ["persistence", "login"]),
    "product-search-example": ("product search", ["product search"]),
    "geographic-routing": ("geographic location", ["geograph"]),
    "stateful-definition": ("Retains session information", ["stateful", "same server"]),
    "stateful-pros": ("Session Persistence:", ["persistence", "profile"]),
    "stateful-cons": ("Scalability Issues", ["complexity", "scal"]),
    "banking-example": ("banking application", ["bank"]),
    "source-ip-affinity": ("Source IP Affinity", ["ip address"]),
    "mobile-ip-change": ("mobile network", ["mobile"]),
    "session-affinity": ("Session Affinity", ["session affinity"]),
    "cookies": ("cookies", ["cookie"]),
    "url-parameters": ("URL parameters", ["url parameter"]),
    "cookies-cleared": ("clears cookies", ["clear"]),
    "session-expiry": ("session expires", ["expir"]),
    "ecommerce-cart-example": ("E-commerce website maintaining shopping cart", ["cart"]),
    "restaurant-analogy": ("assigning tables at a restaurant", ["host", "table", "regular"]),
    "mnemonic": ("Some Servers Retain Seats", ["Some Servers Retain Seats"]),
    "microservices": ("microservices architecture", ["microservice"]),
    "container-orchestration": ("container orchestration", ["orchestrat"]),
    "hybrid-approach": ("hybrid approach", ["hybrid"]),
    "choosing-strategy": ("Choose the appropriate load balancing strategy", ["choos"]),
    "interview-key-difference": ("key difference between stateless and stateful", ["differ"]),
    "interview-when-stateless": ("When would you choose stateless", ["stateless"]),
    "interview-microservices-challenges": ("challenges might arise", ["restart"]),
    "interview-session-vs-ip-affinity": ("How does session affinity differ", ["ip"]),
}


@pytest.mark.parametrize("topic", sorted(SEED_TOPICS))
def test_seed_idea_is_taught_by_a_lesson(topic):
    phrase, words = SEED_TOPICS[topic]
    assert phrase.lower() in SEED.lower(), f"the seed no longer says {phrase!r}"
    claiming = [lesson for lesson in load_catalogue().lessons if topic in lesson.seed_topics]
    assert claiming, f"no lesson claims seed topic {topic!r}"
    bodies = " ".join(lesson.source for lesson in claiming).lower()
    missing = [word for word in words if word.lower() not in bodies]
    assert not missing, f"lessons claiming {topic!r} never say {missing}"


def test_lessons_claim_only_known_seed_topics():
    unknown = {
        (lesson.slug, topic)
        for lesson in load_catalogue().lessons
        for topic in lesson.seed_topics
        if topic not in SEED_TOPICS
    }
    assert unknown == set()


def test_mnemonic_is_spelled_out_letter_by_letter():
    lesson = load_catalogue().get("some-servers-retain-seats")
    assert lesson is not None
    body = lesson.source
    for word in ("Stateless", "Stateful", "Retain", "Session affinity", "Source IP", "Don"):
        assert word.lower() in body.lower()


def test_restaurant_analogy_has_an_accessible_svg_figure():
    lesson = load_catalogue().get("restaurant-analogy")
    assert lesson is not None
    html = lesson.html
    assert "<svg" in html
    assert 'role="img"' in html
    assert "<title" in html
    assert "style=" not in html  # inline styles would be refused by the CSP
