"""How a pull reads on a page: the most literal highlight and its lookalike notes, a
celebration only for an unlikely jackpot, a 10× pull's tiles and summary, share previews."""
from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from patterns.engine import FORMATS, PatternSpec, compile_pattern, evaluate, exact_odds, pull_probability
from pulls import presenters, services
from pulls.models import Pull
from pulls.presenters import BatchView, PullView
from tests.factories import PullFactory

DID_PREFIX = "did:key:z6Mk"


def done_pull(pattern: str, body: str, *, budget: int = 100_000, number: int = 1, **options) -> Pull:
    """An unsaved finished pull of ``body`` (a made-up did:key body), scored by the engine."""
    spec = PatternSpec(pattern, **options)
    result = evaluate(compile_pattern(spec), body)
    return Pull(
        pattern=pattern, format=spec.format, case_insensitive=spec.case_insensitive, fuzzy=spec.fuzzy,
        anchor=spec.anchor, mode=spec.mode, budget=budget, keys_tried=budget, number=number,
        status=Pull.Status.DONE, address=DID_PREFIX + body, body=body, score=result.score, n=result.n,
        jackpot=result.jackpot, matches=[{"part": p, "position": i} for p, i in result.matches],
        missing=list(result.missing), bonus=list(result.bonus),
    )


BODY = "x" * 8 + "Qo" + "x" * 10 + "Go" + "x" * 22  # 44 characters, 'Qo' first, a literal-er 'Go' later


def test_the_highlight_is_the_most_literal_occurrence_and_the_page_says_why() -> None:
    view = PullView(done_pull("GO", BODY, fuzzy=True, case_insensitive=True))
    assert view.matches == [{"part": "GO", "position": 8}]  # the API's first position stays
    highlighted = [s.text for s in view.segments if s.highlighted]
    assert highlighted == ["Go"]
    assert view.shown_matches == [{"part": "GO", "position": 20, "text": "Go", "literal": False}]
    assert view.lookalike_notes == ("'Go' counted as 'GO': o is O in lowercase (case-insensitive).",)


def test_only_an_unlikely_jackpot_is_celebrated() -> None:
    likely = PullView(done_pull("ab", "x" * 10 + "ab" + "x" * 32))
    assert likely.jackpot and likely.jackpot_chance > presenters.CERTAIN_FROM
    assert not likely.celebrate and likely.outcome == "exact match"
    assert "certain in one pull" in likely.jackpot_line

    rare = PullView(done_pull("GoodXyz", "x" * 10 + "GoodXyz" + "x" * 27, fuzzy=True))
    p = pull_probability(exact_odds(PatternSpec("GoodXyz", fuzzy=True))[0], 100_000)
    assert rare.jackpot and rare.jackpot_chance == pytest.approx(p) and p < presenters.CELEBRATE_BELOW
    assert rare.celebrate and rare.outcome == "jackpot!"
    assert re.fullmatch(r"Only 1 in [\d,]+ pulls find a jackpot like this\.", rare.jackpot_line)

    miss = PullView(done_pull("ab", "x" * 44))
    assert not miss.jackpot and not miss.celebrate and miss.outcome == "" and miss.jackpot_line == ""


def test_chance_wording() -> None:
    assert presenters.chance_text(0.9995) == "certain in one pull"
    assert presenters.chance_text(0.87) == "87% of pulls"
    assert presenters.chance_text(0.00025) == "1 in 4,000 pulls"


def test_a_batch_keeps_its_tiles_in_pull_order_while_grinding_and_puts_the_best_first_after() -> None:
    best = done_pull("ab cd", "ab" + "x" * 10 + "cd" + "x" * 30, number=2)
    worse = done_pull("ab cd", "ab" + "x" * 42, number=1)
    running = Pull(pattern="ab cd", format="did:key", budget=100, keys_tried=40, number=3, status=Pull.Status.RUNNING, n=2)
    grinding = BatchView([running, best, worse])
    assert grinding.polling and [v.number for v in grinding.pulls] == [1, 2, 3]
    assert (grinding.keys_tried, grinding.budget, grinding.done_count) == (200_040, 200_100, 2)
    landed = BatchView([worse, best])
    assert not landed.polling and [v.number for v in landed.pulls] == [2, 1]
    assert landed.best.number == 2 and landed.jackpot_count == 1


@pytest.mark.django_db
def test_a_10x_pull_renders_as_tiles_with_a_best_of_summary(user) -> None:
    pulls = [PullFactory(user=user, pattern="ab", finished=True) for _ in range(3)]
    request = RequestFactory().get("/")
    request.user = user
    html = render_to_string("pulls/_panel.html", BatchView(pulls).context(), request=request)
    assert "Best of 3" in html and html.count('data-testid="pull-result"') == 3
    assert html.count('class="tile-more"') == 3  # each tile's details and actions fold
    assert html.count('data-testid="pull-again"') == 1  # once, in the summary
    assert "{#" not in html and "{%" not in html


@pytest.mark.django_db
def test_a_share_page_has_a_preview_with_score_and_address_and_reads_naturally(finished_pull, user, client) -> None:
    pull = services.pull_share(user, public_id=finished_pull(pattern="ab").public_id)
    html = client.get(f"/s/{pull.share_token}").content.decode()  # anyone with the link
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert f"{pull.score} of 1 part of" in description and pull.address in description
    assert re.search(r'<meta property="og:title" content="ab in a did:key', html)
    assert '<meta name="twitter:card" content="summary">' in html
    assert "did:key key" not in html and "PRIVATE KEY" not in html


@pytest.mark.django_db
def test_results_pluralise_and_group_digits(finished_pull, browser_client, settings) -> None:
    pull = finished_pull(pattern="ab")
    html = browser_client.get(f"/pulls/{pull.public_id}").content.decode()
    assert "3,000 keys" in html and "3000 keys" not in html
    assert re.search(r"\b1 keys\b|\b1 pulls\b", html) is None


def test_every_format_has_a_share_noun() -> None:
    for name in FORMATS:
        assert presenters.FORMAT_NOUNS[name].startswith(("a ", "an ")), name
