"""How a pull looks on a page: stars, highlighted windows, lookalikes, progress, whether
a jackpot deserves a celebration, a batch's summary, key files."""
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property, lru_cache

from django.conf import settings

from patterns.engine import (
    CompiledPattern,
    Display,
    PatternError,
    PatternSpec,
    RegexTimeout,
    display,
    estimate,
    exact_odds,
    pull_probability,
)
from patterns.exceptions import InvalidPattern
from patterns.presenters import format_one_in, format_percent
from patterns.selectors import compile_or_raise

from .models import Pull
from .selectors import best_first

# A jackpot is celebrated ("jackpot!", confetti, the jackpot chime) only when one pull of
# its budget had less than this chance of it; a likelier one is an "exact match" whose
# odds are said plainly ("certain in one pull").
CELEBRATE_BELOW = 0.5
# At or above this, one pull is as good as certain to find the jackpot.
CERTAIN_FROM = 0.999

# How a share page names a key of each format: "a did:key", never "a did:key key".
FORMAT_NOUNS = {
    "did:key": "a did:key",
    "solana": "a Solana address",
    "ssh": "an OpenSSH key",
    "ssh-fp": "an OpenSSH key fingerprint",
    "onion": "a Tor onion address",
}


@dataclass(frozen=True)
class Segment:
    text: str
    highlighted: bool


def _compiled(spec: PatternSpec) -> CompiledPattern | None:
    """The pull's pattern compiled for display (None if the engine no longer takes it)."""
    try:
        return compile_or_raise(spec, check_speed=False)
    except InvalidPattern:
        return None


@lru_cache(maxsize=512)
def jackpot_chance_per_pull(spec: PatternSpec, budget: int) -> float | None:
    """P(a pull of ``budget`` keys finds the jackpot): exact for words patterns, sampled for
    a regex; None when the engine cannot say (a pattern it no longer takes)."""
    compiled = _compiled(spec)
    if compiled is None or budget <= 0:
        return None
    try:
        if spec.mode == "regex":
            p_key = estimate(compiled, budget=budget, keys_per_second=None, pull_cost_tokens=0, dollars_per_token=0.0).p_jackpot
        else:
            p_key = exact_odds(spec)[0]
    except (PatternError, RegexTimeout):
        return None
    return pull_probability(p_key, budget)


def chance_text(p: float) -> str:
    """"certain in one pull", or "87% of pulls" / "1 in 4,000 pulls"."""
    if p >= CERTAIN_FROM:
        return "certain in one pull"
    if p >= 0.01:
        return f"{format_percent(p)} of pulls"
    return f"{format_one_in(p)} pulls"


class PullView:
    def __init__(self, pull: Pull) -> None:
        self.pull = pull

    def __getattr__(self, name: str):
        return getattr(self.pull, name)

    @property
    def finished(self) -> bool:
        return self.pull.status in (Pull.Status.DONE, Pull.Status.FAILED)

    @property
    def key_expires_at(self):
        """When the private key of a pull not kept is erased by the beat task."""
        return self.pull.created_at + timedelta(hours=settings.UNKEPT_KEY_TTL_HOURS)

    @property
    def percent(self) -> int:
        if not self.pull.budget:
            return 0
        return min(100, round(100 * self.pull.keys_tried / self.pull.budget))

    @property
    def stars(self) -> str:
        score = self.pull.score or 0
        return "★" * score + "☆" * (self.pull.n - score)

    @cached_property
    def display(self) -> Display | None:
        """What the result shows (the engine's ``display``): the most literal occurrence of
        each part and the lookalikes that counted; None without a body."""
        compiled = _compiled(PatternSpec.from_mapping(self.pull))
        if compiled is None or not self.pull.body:
            return None
        return display(compiled, self.pull.body)

    @property
    def segments(self) -> list[Segment]:
        """The address split into plain and highlighted runs: the windows ``display`` shows
        (the most literal placement of a jackpot, else each found part's most literal
        occurrence)."""
        address, body = self.pull.address, self.pull.body
        offset = address.find(body) if body else -1
        marked = [False] * len(address)
        if offset >= 0 and self.display is not None:
            for start, end in self.display.spans:
                for index in range(offset + start, offset + end):
                    marked[index] = True
        segments: list[Segment] = []
        for char, flag in zip(address, marked):
            if segments and segments[-1].highlighted == flag:
                segments[-1] = Segment(segments[-1].text + char, flag)
            else:
                segments.append(Segment(char, flag))
        return segments

    @property
    def shown_matches(self) -> list[dict]:
        """The found parts as shown: part, position, the characters there and whether they
        are the part literally (the API's ``matches`` keep the first positions)."""
        if self.display is None or not self.display.windows:
            return [{"part": m["part"], "position": m["position"], "text": m["part"], "literal": True}
                    for m in (self.pull.matches or [])]
        return [{"part": w.part, "position": w.start, "text": w.text, "literal": w.literal} for w in self.display.windows]

    @property
    def lookalike_notes(self) -> tuple[str, ...]:
        """"'Qo' counted as 'GO': Q is a lookalike of G (…)." for each substituted window."""
        return self.display.notes if self.display is not None else ()

    @cached_property
    def jackpot_chance(self) -> float | None:
        """P(one pull of this budget finds the jackpot), from the engine's odds."""
        budget = getattr(self.pull, "budget", None)
        if not budget:
            return None
        return jackpot_chance_per_pull(PatternSpec.from_mapping(self.pull), budget)

    @property
    def celebrate(self) -> bool:
        """A jackpot that was unlikely (see CELEBRATE_BELOW): "jackpot!" and confetti."""
        if not self.pull.jackpot:
            return False
        chance = self.jackpot_chance
        return chance is None or chance < CELEBRATE_BELOW

    @property
    def outcome(self) -> str:
        """The word for the result: "jackpot!", "exact match" (a likely jackpot) or ""."""
        if not self.pull.jackpot:
            return ""
        return "jackpot!" if self.celebrate else "exact match"

    @property
    def jackpot_line(self) -> str:
        """One sentence on how rare the exact match was ("" for none, or unknown odds)."""
        chance = self.jackpot_chance
        if not self.pull.jackpot or chance is None:
            return ""
        if self.celebrate:
            return f"Only {chance_text(chance)} find a jackpot like this."
        if chance >= CERTAIN_FROM:
            return "An exact match of this pattern is certain in one pull; longer or more words make a real jackpot."
        return f"{chance_text(chance).capitalize()} find an exact match of this pattern; longer or more words make a real jackpot."

    @property
    def format_noun(self) -> str:
        return FORMAT_NOUNS.get(self.pull.format, f"a {self.pull.format} key")

    @property
    def share_description(self) -> str:
        """A share page's preview text: score and address, nothing private."""
        score, n = self.pull.score or 0, self.pull.n
        outcome = " — a jackpot" if self.celebrate else (" — an exact match" if self.pull.jackpot else "")
        return (f"{score} of {n} part{'s' if n != 1 else ''} of “{self.pull.pattern}” found{outcome}: "
                f"{self.pull.address}. Find your own vanity key on VaniKeys.")


class BatchView:
    """The pulls of one batch (or one pull) as the live panel shows them: in pull order
    while any is grinding (tiles stay put), best first once all are done."""

    def __init__(self, pulls: list) -> None:
        views = [pull if isinstance(pull, PullView) else PullView(pull) for pull in pulls]
        self.polling = any(not view.finished for view in views)
        self.pulls = sorted(views, key=(lambda view: view.number) if self.polling else best_first)
        self.lead = views[0]

    @property
    def size(self) -> int:
        return len(self.pulls)

    @property
    def multi(self) -> bool:
        return self.size > 1

    @property
    def best(self) -> PullView | None:
        done = [view for view in self.pulls if view.status == Pull.Status.DONE]
        return min(done, key=best_first, default=None)

    @property
    def done_count(self) -> int:
        return sum(1 for view in self.pulls if view.finished)

    @property
    def jackpot_count(self) -> int:
        return sum(1 for view in self.pulls if view.jackpot)

    @property
    def celebrate(self) -> bool:
        return any(view.celebrate for view in self.pulls)

    @property
    def keys_tried(self) -> int:
        return sum(view.keys_tried for view in self.pulls)

    @property
    def budget(self) -> int:
        return sum(view.budget for view in self.pulls)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.keys_tried / self.budget)) if self.budget else 0

    def context(self) -> dict:
        return {"batch": self, "pulls": self.pulls, "lead": self.lead, "polling": self.polling}


# --- History exports ---------------------------------------------------------------------

HISTORY_EXPORT_FIELDS = ["number", "created_at", "pattern", "format", "status", "address", "score", "n", "jackpot", "missing", "bonus"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A text cell a spreadsheet would run as a formula (=, +, -, @ first) is quoted with a
    leading apostrophe (OWASP's CSV-injection advice); numbers and other text pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_row(row: dict) -> list:
    result = row["result"] or {}
    flat = {**row, **row["pattern"], **result}
    return [
        csv_safe(json.dumps(flat[field]) if isinstance(flat.get(field), list) else flat.get(field, ""))
        for field in HISTORY_EXPORT_FIELDS
    ]
