"""Reads for patterns: validation and odds priced with this deployment's settings."""
import statistics
from functools import lru_cache
from typing import TypeVar
from uuid import UUID

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Max, QuerySet

from core.exceptions import NotFound
from core.validators import as_uuid
from patterns import custody, engine
from patterns.engine import (
    CompiledPattern,
    PatternError,
    PatternIssue,
    PatternSpec,
    RegexTimeout,
    compile_pattern,
    export_private_key,
    files_for_export,
)
from patterns.exceptions import InvalidPattern
from patterns.models import DONE, KeySearch
from patterns.presenters import estimate_json

Search = TypeVar("Search", bound=KeySearch)

WORKER_RATE_CACHE_KEY = "grind:worker_rate_samples"
DEFAULT_KEYS_PER_SECOND_PER_WORKER = 50_000


def compile_or_raise(spec: PatternSpec, *, check_speed: bool = True) -> CompiledPattern:
    """The compiled pattern, or InvalidPattern with the engine's issues. ``check_speed=False``
    skips timing a regex: for a pattern already accepted (a finished pull shown again)."""
    try:
        return _compiled(spec, check_speed)
    except PatternError as exc:
        raise InvalidPattern(list(exc.issues)) from exc


@lru_cache(maxsize=1024)
def _compiled(spec: PatternSpec, check_speed: bool) -> CompiledPattern:
    """Compiling checks that the pattern can match at all (its exact odds) and times a
    regex: a few milliseconds that every estimate, pull, job and page of the pattern
    repeated. A compiled pattern never changes, so each process keeps its recent ones
    (refusals, which raise, are not kept)."""
    return compile_pattern(spec, check_speed=check_speed)


def worker_keys_per_second() -> float:
    """One worker's grinding rate: the median of recent pulls' (robust to one odd pull),
    else a typical figure."""
    samples = cache.get(WORKER_RATE_CACHE_KEY)
    return statistics.median(samples) if samples else DEFAULT_KEYS_PER_SECOND_PER_WORKER


def pool_keys_per_second() -> float:
    """The grinding rate of the worker pool: a worker's measured rate times the workers."""
    return worker_keys_per_second() * settings.GRIND_POOL_WORKERS


def smallest_pack_name() -> str:
    """The pack whose price per token the odds quote in dollars."""
    return min(settings.TOKEN_PACKS.items(), key=lambda item: item[1]["tokens"])[0].capitalize()


def dollars_per_token() -> float:
    """The price of a token in the smallest pack (what a newcomer pays), for 'expected
    dollars' figures: never cheaper than what the user can actually buy first."""
    smallest = min(settings.TOKEN_PACKS.values(), key=lambda pack: pack["tokens"])
    return smallest["price_cents"] / 100 / smallest["tokens"]


def estimate(spec: PatternSpec, budget: int | None = None) -> dict:
    """The odds JSON of PRODUCT.md §4/§9 for this deployment's pull budget and prices;
    a regex too slow to sample is refused like one that fails validation."""
    compiled = compile_or_raise(spec)
    try:
        return estimate_json(engine.estimate(
            compiled,
            budget=budget or settings.PULL_BUDGET_KEYS,
            keys_per_second=pool_keys_per_second(),
            pull_cost_tokens=settings.PULL_COST_TOKENS,
            dollars_per_token=dollars_per_token(),
        ))
    except RegexTimeout as exc:
        raise InvalidPattern([PatternIssue("too_slow", str(exc))]) from exc


def search_for_owner(
    searches: QuerySet[Search], user: AbstractBaseUser, public_id: UUID | str, *,
    missing: type[NotFound], with_key: bool = False, done: bool = False,
) -> Search:
    """The user's pull or job by its public id (what URLs and the API show). ``missing``
    (a 404) for an id that is malformed, unknown or someone else's alike, for one whose
    key is gone when ``with_key``, and for one not done when ``done``."""
    no_such = f"No such {searches.model._meta.verbose_name}."
    public_id = as_uuid(public_id)
    if public_id is None:
        raise missing(no_such)
    searches = searches.filter(public_id=public_id, user=user)
    if with_key:
        searches = searches.filter(encrypted_seed__isnull=False)
    if done:
        searches = searches.filter(status=DONE)
    found = searches.first()
    if found is None:
        raise missing(no_such)
    return found


def next_number(searches: QuerySet[KeySearch], user: AbstractBaseUser) -> int:
    """The user's next pull or job number (1 for their first). The caller holds the user's
    wallet lock, which serialises their numbers (see pulls.services)."""
    return (searches.filter(user=user).aggregate(last=Max("number"))["last"] or 0) + 1


def found_key_result(search: KeySearch) -> dict | None:
    """The public result of a search that is done (PRODUCT.md §9's ``result``), else None."""
    if not search.is_done:
        return None
    return {
        "address": search.address,
        "body": search.body,
        "score": search.score,
        "n": search.n,
        "jackpot": search.jackpot,
        "matches": search.matches,
        "missing": search.missing,
        "bonus": search.bonus,
    }


def candidate_result(candidate) -> dict:
    """The public result (PRODUCT.md §9's ``result``) of a key the grinder found: what a
    pull or job stores and what ``manage.py grind --json`` prints."""
    match = candidate.match
    return {
        "address": candidate.address,
        "body": candidate.body,
        "score": match.score,
        "n": match.n,
        "jackpot": match.jackpot,
        "matches": [{"part": part, "position": position} for part, position in match.matches],
        "missing": list(match.missing),
        "bonus": list(match.bonus),
    }


def found_key_fields(candidate) -> dict:
    """What a pull or a job stores of the key it found: its result and the sealed seed."""
    return {**candidate_result(candidate), "encrypted_seed": custody.seal_seed(candidate.seed)}


def found_key_exports(search: KeySearch) -> dict:
    """Every §1 encoding of the found private key (the caller checked ownership and has_key)."""
    return export_private_key(custody.open_seed(search.encrypted_seed), search.format)


def found_key_files(search: KeySearch) -> dict[str, str | bytes]:
    """The found key as files (filename → content), for the reveal panel and downloads."""
    return files_for_export(custody.open_seed(search.encrypted_seed), search.format)


def public_ids_named(references: list[str], kind: str) -> set[UUID]:
    """The public ids that ledger references of one kind name ("pull:<id>", "job:<id>")."""
    named = (as_uuid(key) for prefix, _, key in (ref.partition(":") for ref in references) if prefix == kind)
    return {public_id for public_id in named if public_id is not None}
