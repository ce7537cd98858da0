"""Writes for pulls: start (pay + record, one transaction), run, finish or fail (refund),
and the custody actions on a pull's private key."""
import logging
import secrets
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from economy import services as economy
from patterns import services as pattern_services
from patterns.engine import GrindResult, PatternSpec, RegexTimeout, compile_pattern, grind
from patterns.selectors import InvalidPattern, compile_or_raise
from vanikeys_site import ratelimit

from . import custody
from .models import Pull
from .selectors import pull_for_owner

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.25
BATCH_SIZES = (1, 10)
UNSETTLED = (Pull.Status.QUEUED, Pull.Status.RUNNING)


class PullRefused(Exception):
    """A pull that was not started, with the HTTP status and code that say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def request_pulls(*, user: AbstractBaseUser, spec: PatternSpec, count: int = 1) -> list[Pull]:
    """Check the pattern, pay and queue; every refusal is a PullRefused and changes nothing."""
    if count not in BATCH_SIZES:
        raise PullRefused(400, "bad_request", "A pull is 1 or 10 at a time.")
    if settings.THROTTLE_ENABLED and not ratelimit.allow(f"pulls:{user.pk}", settings.THROTTLE_PULL_RATE):
        raise PullRefused(429, "rate_limited", f"Too many pulls at once (limit {settings.THROTTLE_PULL_RATE}); wait a moment.")
    try:
        compile_or_raise(spec)
        return pull_start(user=user, spec=spec, count=count)
    except InvalidPattern as exc:
        raise PullRefused(exc.status, exc.code, str(exc)) from exc
    except economy.InsufficientTokens as exc:
        raise PullRefused(402, "insufficient_tokens", str(exc)) from exc
    except economy.SpendingLimitExceeded as exc:
        raise PullRefused(402, "spending_limit", str(exc)) from exc


def pull_start(*, user: AbstractBaseUser, spec: PatternSpec, count: int = 1) -> list[Pull]:
    """Pay for ``count`` pulls of ``spec`` and record them as queued, in one transaction.

    The pattern must already compile. Raises economy's InsufficientTokens or
    SpendingLimitExceeded, in which case nothing is recorded. The grinding tasks are
    queued only once the transaction commits.
    """
    if count not in BATCH_SIZES:
        raise ValueError(f"A pull is 1 or 10 keys' worth, not {count}.")
    batch = uuid.uuid4().hex
    with transaction.atomic():
        spend = economy.spend_for_pull(user, count=count, reference=f"pulls:{batch}")
        first_number = (Pull.objects.filter(user=user).aggregate(last=Max("number"))["last"] or 0) + 1
        pulls = [
            Pull.objects.create(
                user=user,
                number=first_number + index,
                batch=batch,
                batch_size=count,
                **asdict(spec),
                budget=settings.PULL_BUDGET_KEYS,
                paid_with="free" if spend.free else "tokens",
                tokens_spent=spend.tokens // count,
                spend_entry_id=spend.entry_id,
            )
            for index in range(count)
        ]
        transaction.on_commit(lambda: enqueue(pulls))
    return pulls


def enqueue(pulls: list[Pull]) -> None:
    from .tasks import run_pull

    for pull in pulls:
        run_pull.delay(pull.pk)


def pull_begin(pull_id: int) -> Pull | None:
    """Mark a queued (or redelivered running) pull as running; None when already settled."""
    claimed = Pull.objects.filter(pk=pull_id, status__in=UNSETTLED).update(
        status=Pull.Status.RUNNING, started_at=timezone.now(), keys_tried=0
    )
    return Pull.objects.get(pk=pull_id) if claimed else None


def pull_progress(pull_id: int, keys_tried: int) -> None:
    Pull.objects.filter(pk=pull_id, status=Pull.Status.RUNNING).update(keys_tried=keys_tried)


def execute_pull(pull_id: int) -> Pull | None:
    """Grind one pull's budget and store its best key; any failure refunds it."""
    pull = pull_begin(pull_id)
    if pull is None:
        return None
    try:
        compiled = compile_pattern(PatternSpec.from_mapping(pull), check_speed=False)
        outcome = grind(
            compiled,
            budget=pull.budget,
            progress=lambda progress: pull_progress(pull_id, progress.keys_tried),
            progress_every=PROGRESS_EVERY_SECONDS,
        )
    except RegexTimeout:
        return pull_fail(pull_id, "Your regular expression took too long to search a key.")
    except SoftTimeLimitExceeded:
        return pull_fail(pull_id, f"The pull ran past its time limit of {settings.PULL_TIME_LIMIT_SECONDS} s.")
    except Exception:
        log.exception("pull %s failed while grinding", pull_id)
        return pull_fail(pull_id, "The grinder failed on our side.")
    if pull.mode == "words":  # a regex's speed says nothing about the pool's
        pattern_services.record_grinding_rate(outcome.keys_per_second)
    return pull_finish(pull_id, outcome)


def pull_finish(pull_id: int, outcome: GrindResult) -> Pull:
    """Store the public result and the sealed seed of the best key, unless the pull was
    settled meanwhile (failed and refunded by the stale sweep): then the key is dropped."""
    best = outcome.best
    match = best.match
    with transaction.atomic():
        pull = Pull.objects.select_for_update().get(pk=pull_id)
        if pull.status not in UNSETTLED:
            return pull
        pull.status = Pull.Status.DONE
        pull.keys_tried = outcome.keys_tried
        pull.finished_at = timezone.now()
        pull.address = best.address
        pull.body = best.body
        pull.score = match.score
        pull.n = match.n
        pull.jackpot = match.jackpot
        pull.matches = [{"part": part, "position": position} for part, position in match.matches]
        pull.missing = list(match.missing)
        pull.bonus = list(match.bonus)
        pull.encrypted_seed = custody.seal_seed(best.seed)
        pull.save()
    return pull


def pull_fail(pull_id: int, reason: str) -> Pull:
    """Mark a pull failed and give back what it cost (a free pull or its tokens), once."""
    with transaction.atomic():
        pull = Pull.objects.select_for_update().get(pk=pull_id)
        if pull.status not in UNSETTLED:
            return pull
        pull.status = Pull.Status.FAILED
        pull.failure_reason = reason
        pull.finished_at = timezone.now()
        refund_spend(pull, f"Automatic refund: {reason}")
        pull.refunded = True
        pull.save()
    return pull


def refund_spend(pull: Pull, reason: str) -> None:
    """Give back what one pull cost: the whole spend for a single pull (its free pull or
    the tokens staff have not refunded already), this pull's share for one of a 10× pull.
    Each is applied at most once; a spend already refunded in full is left as it is."""
    spend = economy.Spend(
        user_id=pull.user_id,
        entry_id=pull.spend_entry_id,
        free=pull.paid_with == "free",
        tokens=pull.tokens_spent * pull.batch_size,
        day=pull.created_at.astimezone(UTC).date(),
    )
    reference = f"pull:{pull.pk}"
    try:
        if pull.batch_size == 1:
            economy.refund_pull_spend(spend, reference, reason)
        else:
            economy.refund_pull_share(spend, share=pull.number, tokens=pull.tokens_spent, reference=reference, reason=reason)
    except economy.AlreadyRefunded:
        log.info("pull %s: its spend was already refunded in full (by staff or other pulls)", pull.pk)


def keep_key(user: AbstractBaseUser, pull_id: int) -> Pull:
    pull = pull_for_owner(user, pull_id, with_key=True)
    Pull.objects.filter(pk=pull.pk).update(key_kept=True)
    pull.key_kept = True
    return pull


def erase_key(user: AbstractBaseUser, pull_id: int) -> Pull:
    pull = pull_for_owner(user, pull_id, with_key=True)
    Pull.objects.filter(pk=pull.pk).update(encrypted_seed=None, key_erased_at=timezone.now())
    pull.encrypted_seed = None
    return pull


def share(user: AbstractBaseUser, pull_id: int) -> Pull:
    """Give a finished pull a public, unguessable share URL (idempotent)."""
    pull = pull_for_owner(user, pull_id, finished=True)
    if not pull.share_token:
        pull.share_token = secrets.token_urlsafe(32)
        Pull.objects.filter(pk=pull.pk, share_token__isnull=True).update(share_token=pull.share_token)
        pull.refresh_from_db(fields=["share_token"])
    return pull


def unshare(user: AbstractBaseUser, pull_id: int) -> Pull:
    pull = pull_for_owner(user, pull_id)
    Pull.objects.filter(pk=pull.pk).update(share_token=None)
    pull.share_token = None
    return pull


def erase_expired_keys(now: datetime | None = None) -> int:
    """Erase the private keys of pulls not kept within the configured hours; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UNKEPT_KEY_TTL_HOURS)
    return Pull.objects.filter(
        key_kept=False, encrypted_seed__isnull=False, created_at__lt=cutoff
    ).update(encrypted_seed=None, key_erased_at=now)


def fail_stale_pulls(now: datetime | None = None) -> int:
    """Fail and refund pulls no worker took or finished in time (a lost message, a dead
    worker): running ones by when they started, queued ones by a longer queue timeout."""
    now = now or timezone.now()
    stale = Pull.objects.filter(
        Q(status=Pull.Status.RUNNING, started_at__lt=now - timedelta(minutes=settings.PULL_STALE_MINUTES))
        | Q(status=Pull.Status.QUEUED, created_at__lt=now - timedelta(minutes=settings.PULL_QUEUE_TIMEOUT_MINUTES))
    ).values_list("pk", flat=True)
    for pull_id in stale:
        pull_fail(pull_id, "No worker finished it in time.")
    return len(stale)
