"""manage.py estimate: the odds table of PRODUCT.md §4 for one pattern."""

from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.management.base import CommandParser

from patterns.engine import CompiledPattern, PatternError, PatternSpec, RegexTimeout, compile_pattern, estimate, grind
from patterns.presenters import estimate_json, format_duration
from patterns.selectors import dollars_per_token
from vanikeys_site.cli import VaniKeysCommand, usage_error

RATE_SAMPLE_KEYS = 8192


class Command(VaniKeysCommand):
    help = "Print the exact odds of a pattern: per key, per pull and for a guaranteed job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pattern", help='the parts, e.g. "GO BE AWE SOME"')
        parser.add_argument("--format", default="did:key", help="did:key, solana, ssh, ssh-fp or onion")
        parser.add_argument("--fuzzy", action="store_true")
        parser.add_argument("--case-insensitive", action="store_true")
        parser.add_argument("--anchor", default="anywhere", help="anywhere, prefix or suffix")
        parser.add_argument("--mode", default="words", help="words or regex")
        parser.add_argument("--budget", type=int, default=100_000, help="keys per pull (default 100000)")
        parser.add_argument("--keys-per-second", type=float, help="grinding rate (default: measured here)")
        parser.add_argument("--json", action="store_true", help="print the odds as JSON")

    def handle(self, *args, **options) -> None:
        spec = PatternSpec(options["pattern"], options["format"], options["case_insensitive"],
                           options["fuzzy"], options["anchor"], options["mode"])
        try:
            compiled = compile_pattern(spec)
        except PatternError as exc:
            raise usage_error(str(exc)) from exc
        if options["budget"] < 1:
            raise usage_error("--budget must be at least 1 key")
        try:
            rate = options["keys_per_second"] or measured_keys_per_second(compiled)
            result = estimate_json(estimate(compiled, budget=options["budget"], keys_per_second=rate,
                                            pull_cost_tokens=settings.PULL_COST_TOKENS,
                                            dollars_per_token=dollars_per_token()))
        except RegexTimeout as exc:
            raise usage_error(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2) if options["json"] else render_table(result))


def measured_keys_per_second(compiled: CompiledPattern) -> float:
    """This machine's rate: one short single-process grind, times the CPU cores."""
    result = grind(compiled, budget=RATE_SAMPLE_KEYS)
    return result.keys_per_second * (os.cpu_count() or 1)


def _stars(score: int, n: int) -> str:
    return "★" * score + "☆" * (n - score)


def render_table(odds: dict) -> str:
    """The human odds table."""
    options = [o for o in ("fuzzy", "case_insensitive") if odds[o]] + [f"anchor {odds['anchor']}"]
    method = "exact" if not odds["estimated"] else f"estimated from {odds['samples']:,} keys (95% CI)"
    lines = [
        f"{odds['pattern']}  ({odds['format']}, {', '.join(options).replace('_', '-')}; {method} odds)",
        "",
        f"{'level':<18}{'per key':>24}{'':>12}{'per pull of ' + format(odds['budget'], ',') + ' keys':>34}"
        f"{'by pulling (expected)':>34}",
    ]
    for level in odds["levels"]:
        name = "jackpot" if level["level"] == "jackpot" else f"{_stars(level['score'], odds['n'])} {level['level']}"
        tokens = "—" if level["expected_tokens"] is None else f"{level['expected_tokens']:,.0f} tokens"
        dollars = "" if level["expected_dollars"] is None else f"${level['expected_dollars']:,.2f}"
        lines.append(f"{name:<18}{level['key_one_in']:>24}{level['key_percent']:>12}"
                     f"{level['pull_one_in']:>22}{level['pull_percent']:>12}{tokens:>22}{dollars:>12}")
    if odds["estimated"]:
        low, high = odds["p_jackpot_interval"]
        lines.append(f"\nhit rate 95% interval: {low:.3%} – {high:.3%}")
    lines += ["", *_guaranteed_lines(odds)]
    return "\n".join(lines)


def _guaranteed_lines(odds: dict) -> list[str]:
    guaranteed = odds["guaranteed"]
    if not guaranteed["offered"]:
        return [f"guaranteed: not offered ({guaranteed['reason']})"]
    rate = odds["keys_per_second"]
    lines = [f"guaranteed (grind until a jackpot) at {rate:,.0f} keys/s:"]
    for name in ("expected", "median", "p99"):
        tokens = guaranteed[f"{name}_tokens_at_pull_price"]
        lines.append(f"  {name:<9}{guaranteed[f'{name}_keys_text']:>28} keys"
                     f"{format_duration(guaranteed[f'{name}_seconds']):>16}"
                     f"{tokens:>24,.0f} tokens at the pull price")
    return lines
