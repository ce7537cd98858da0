"""Reads for pulls: owner-only lookups, history, the public view of a result."""
from dataclasses import asdict
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from patterns.engine import PatternSpec
from patterns.engine.pattern import split_parts
from patterns.selectors import (
    found_key_exports,
    found_key_files,
    found_key_result,
    public_ids_named,
    search_for_owner,
)

from .exceptions import PullNotFound
from .models import Pull


def pull_for_owner(
    user: AbstractBaseUser, public_id: UUID | str, *, with_key: bool = False, finished: bool = False
) -> Pull:
    """The user's pull by its public id; PullNotFound for a missing id, a malformed one or
    someone else's alike."""
    return search_for_owner(Pull.objects, user, public_id, missing=PullNotFound, with_key=with_key, done=finished)


def shared_pull(share_token: str) -> Pull:
    pull = Pull.objects.filter(share_token=share_token, status=Pull.Status.DONE).first() if share_token else None
    if pull is None:
        raise PullNotFound("No such shared pull.")
    return pull


def history(user: AbstractBaseUser, *, min_score: int | None = None, jackpot: bool | None = None) -> QuerySet[Pull]:
    pulls = Pull.objects.filter(user=user).order_by("-created_at", "-id")
    if min_score is not None:
        pulls = pulls.filter(score__gte=min_score)
    if jackpot is not None:
        pulls = pulls.filter(jackpot=jackpot)
    return pulls


def batch_of_pull(user: AbstractBaseUser, public_id: UUID | str) -> list[Pull]:
    """The pulls paid for together with this one (itself alone for a single pull)."""
    pull = pull_for_owner(user, public_id)
    return list(Pull.objects.filter(user=user, batch=pull.batch)) if pull.batch else [pull]


def best_first(pull: Pull) -> tuple:
    """How a batch ranks its pulls: a jackpot first, then the score, then the bonus words."""
    return (not pull.jackpot, -(pull.score or 0), -len(pull.bonus or ()))


def private_key_for_owner(user: AbstractBaseUser, public_id: UUID | str) -> tuple[Pull, dict]:
    """Every §1 encoding of the pull's private key; 404 once the key is erased."""
    pull = pull_for_owner(user, public_id, with_key=True)
    return pull, found_key_exports(pull)


def key_files_for_owner(user: AbstractBaseUser, public_id: UUID | str) -> dict[str, str | bytes]:
    """The key as files (filename → content), for the reveal panel and downloads."""
    pull = pull_for_owner(user, public_id, with_key=True)
    return found_key_files(pull)


def pull_as_dict(pull: Pull) -> dict:
    """The API's view of a pull (PRODUCT.md §9): status, progress and the result."""
    return {
        "id": str(pull.public_id),
        "number": pull.number,
        "status": pull.status,
        "pattern": asdict(PatternSpec.from_mapping(pull)),
        "progress": {"keys_tried": pull.keys_tried, "budget": pull.budget},
        "result": found_key_result(pull),
        "paid_with": pull.paid_with,
        "tokens_spent": pull.tokens_spent,
        "refunded": pull.refunded,
        "failure_reason": pull.failure_reason,
        "key_available": pull.has_key,
        "key_kept": pull.key_kept,
        "shared": bool(pull.share_token),
        "created_at": pull.created_at,
        "finished_at": pull.finished_at,
    }


def paid_spend_ids_for_pattern(user: AbstractBaseUser, spec: PatternSpec) -> set[int]:
    """The ledger entries that paid in tokens for the user's pulls of one pattern: the same
    parts after whitespace normalisation, format and options (free pulls excluded). The
    spark meter (jobs.spark) counts what is left of them after refunds."""
    parts = split_parts(spec.pattern)
    rows = (
        Pull.objects.filter(
            user=user, paid_with="tokens", format=spec.format, case_insensitive=spec.case_insensitive,
            fuzzy=spec.fuzzy, anchor=spec.anchor, mode=spec.mode,
        )
        .values_list("pattern", "spend_entry_id")
        .distinct()
    )
    return {entry_id for pattern, entry_id in rows if split_parts(pattern) == parts}


def pulls_by_ledger_reference(user: AbstractBaseUser, references: list[str]) -> dict[str, Pull]:
    """The user's pulls that ledger references name ("pulls:<batch>" for what paid for
    them, "pull:<public id>" for a refund of one), by reference; others are left out."""
    batches = {ref.partition(":")[2] for ref in references if ref.startswith("pulls:")}
    found: dict[str, Pull] = {}
    for pull in Pull.objects.filter(user=user, batch__in=batches).order_by("number"):
        found.setdefault(f"pulls:{pull.batch}", pull)
    for pull in Pull.objects.filter(user=user, public_id__in=public_ids_named(references, "pull")):
        found[f"pull:{pull.public_id}"] = pull
    return found
