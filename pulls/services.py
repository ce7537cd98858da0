"""Writes for pulls: start (pay + record, one transaction), run, finish or fail (refund),
and the custody actions on a pull's private key.

Pull numbers are allocated while holding the user's wallet lock, which paying takes
(``economy.services.wallet_pay_pulls`` → ``wallet_lock``) and keeps until the starting
transaction ends: that one lock serialises a user's payments and their pull numbers, so
two concurrent pulls of one user never get the same number.
"""
import logging
import secrets
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from economy import services as economy
from economy.exceptions import AlreadyRefunded
from patterns import services as pattern_services
from patterns.engine import GrindResult, PatternSpec, RegexTimeout, compile_pattern, grind
from patterns.selectors import compile_or_raise, found_key_fields, next_number

from .exceptions import BadPullCount
from .models import Pull
from .selectors import pull_for_owner

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.25
BATCH_SIZES = (1, settings.MULTI_PULL_COUNT)
UNSETTLED = (Pull.Status.QUEUED, Pull.Status.RUNNING)


def pull_start(user: AbstractBaseUser, *, spec: PatternSpec, count: int = 1) -> list[Pull]:
    """Check the pattern, pay for ``count`` pulls and record them as queued, in one
    transaction; the grinding tasks are queued once it commits.

    Every refusal (a bad count, an invalid pattern, too few tokens, a spending limit) is an
    ApplicationError and changes nothing.
    """
    if count not in BATCH_SIZES:
        raise BadPullCount(f"A pull is 1 or {settings.MULTI_PULL_COUNT} at a time.")
    compile_or_raise(spec)
    batch = uuid.uuid4().hex
    with transaction.atomic():
        spend = economy.wallet_pay_pulls(user, count=count, reference=f"pulls:{batch}")
        first_number = next_number(Pull.objects, user)
        pulls = [
            Pull.objects.create(
                user=user,
                number=first_number + index,
                batch=batch,
                batch_size=count,
                **asdict(spec),
                budget=settings.PULL_BUDGET_KEYS,
                paid_with="free" if spend.amount == 0 else "tokens",
                tokens_spent=-spend.amount // count,
                spend_entry=spend,
            )
            for index in range(count)
        ]
        transaction.on_commit(lambda: _enqueue(pulls))
    return pulls


def _enqueue(pulls: list[Pull]) -> None:
    """Queue the grinding tasks. A broker that does not answer (after Celery's own publish
    retries) does not fail the request: the pulls are paid and recorded as queued, and the
    stale sweep fails and refunds any that no worker took (PULL_QUEUE_TIMEOUT_MINUTES)."""
    from kombu.exceptions import OperationalError

    from .tasks import run_pull_task

    for pull in pulls:
        try:
            run_pull_task.delay(pull.pk)
        except OperationalError:
            log.error("pull %s: the broker did not take its task; the stale sweep will refund it", pull.pk)


def pull_begin(pull_id: int) -> Pull | None:
    """Mark a queued (or redelivered running) pull as running; None when already settled."""
    claimed = Pull.objects.filter(pk=pull_id, status__in=UNSETTLED).update(
        status=Pull.Status.RUNNING, started_at=timezone.now(), keys_tried=0
    )
    return Pull.objects.get(pk=pull_id) if claimed else None


def pull_progress(pull_id: int, *, keys_tried: int) -> None:
    Pull.objects.filter(pk=pull_id, status=Pull.Status.RUNNING).update(keys_tried=keys_tried)


def pull_execute(pull_id: int) -> Pull | None:
    """Grind one pull's budget and store its best key. A regex too slow for a key fails
    the pull (refunded); other errors propagate to the task, which fails it."""
    pull = pull_begin(pull_id)
    if pull is None:
        return None
    compiled = compile_pattern(PatternSpec.from_mapping(pull), check_speed=False)
    try:
        outcome = grind(
            compiled,
            budget=pull.budget,
            progress=lambda progress: pull_progress(pull_id, keys_tried=progress.keys_tried),
            progress_every=PROGRESS_EVERY_SECONDS,
        )
    except RegexTimeout:
        return pull_fail(pull_id, reason="Your regular expression took too long to search a key.")
    if pull.mode == "words":  # a regex's speed says nothing about the pool's
        pattern_services.grinding_rate_record(outcome.keys_per_second)
    return pull_finish(pull_id, outcome=outcome)


def pull_finish(pull_id: int, *, outcome: GrindResult) -> Pull:
    """Store the public result and the sealed seed of the best key, unless the pull was
    settled meanwhile (failed and refunded by the stale sweep): then the key is dropped."""
    with transaction.atomic():
        pull = Pull.objects.select_for_update().get(pk=pull_id)
        if pull.status not in UNSETTLED:
            return pull
        fields = {"status": Pull.Status.DONE, "keys_tried": outcome.keys_tried, "finished_at": timezone.now(),
                  **found_key_fields(outcome.best)}
        for name, value in fields.items():
            setattr(pull, name, value)
        pull.save(update_fields=list(fields))
    return pull


def pull_fail(pull_id: int, *, reason: str) -> Pull:
    """Mark a pull failed and give back what it cost (a free pull or its tokens), once."""
    with transaction.atomic():
        pull = Pull.objects.select_for_update().get(pk=pull_id)
        if pull.status not in UNSETTLED:
            return pull
        pull.status = Pull.Status.FAILED
        pull.failure_reason = reason
        pull.finished_at = timezone.now()
        _refund(pull, reason=f"Automatic refund: {reason}")
        pull.refunded = True
        pull.save()
    return pull


def _refund(pull: Pull, *, reason: str) -> None:
    """Give back what one pull cost: the whole spend for a single pull (its free pull or
    the tokens staff have not refunded already), this pull's share for one of a 10× pull.
    Each is applied at most once; a spend already refunded in full is left as it is."""
    single = pull.batch_size == 1
    try:
        economy.spend_refund(
            pull.spend_entry_id,
            reason=reason,
            reference=f"pull:{pull.public_id}",
            share=None if single else pull.number,
            tokens=None if single else pull.tokens_spent,
        )
    except AlreadyRefunded:
        log.info("pull %s: its spend was already refunded in full (by staff or other pulls)", pull.pk)


def pull_keep_key(user: AbstractBaseUser, *, public_id: str) -> Pull:
    pull = pull_for_owner(user, public_id, with_key=True)
    Pull.objects.filter(pk=pull.pk).update(key_kept=True)
    pull.key_kept = True
    return pull


def pull_erase_key(user: AbstractBaseUser, *, public_id: str) -> Pull:
    pull = pull_for_owner(user, public_id, with_key=True)
    now = timezone.now()
    Pull.objects.filter(pk=pull.pk).update(encrypted_seed=None, key_kept=False, key_erased_at=now)
    pull.encrypted_seed, pull.key_kept, pull.key_erased_at = None, False, now
    return pull


def pull_share(user: AbstractBaseUser, *, public_id: str) -> Pull:
    """Give a finished pull a public, unguessable share URL (idempotent)."""
    pull = pull_for_owner(user, public_id, finished=True)
    if not pull.share_token:
        pull.share_token = secrets.token_urlsafe(32)
        Pull.objects.filter(pk=pull.pk, share_token__isnull=True).update(share_token=pull.share_token)
        pull.refresh_from_db(fields=["share_token"])
    return pull


def pull_unshare(user: AbstractBaseUser, *, public_id: str) -> Pull:
    pull = pull_for_owner(user, public_id)
    Pull.objects.filter(pk=pull.pk).update(share_token=None)
    pull.share_token = None
    return pull


def pulls_erase_expired_keys(*, now: datetime | None = None) -> int:
    """Erase the private keys of pulls not kept within the configured hours; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.UNKEPT_KEY_TTL_HOURS)
    return Pull.objects.filter(
        key_kept=False, encrypted_seed__isnull=False, created_at__lt=cutoff
    ).update(encrypted_seed=None, key_erased_at=now)


def pulls_fail_stale(*, now: datetime | None = None) -> int:
    """Fail and refund pulls no worker took or finished in time (a lost message, a dead
    worker): running ones by when they started, queued ones by a longer queue timeout."""
    now = now or timezone.now()
    stale = Pull.objects.filter(
        Q(status=Pull.Status.RUNNING, started_at__lt=now - timedelta(minutes=settings.PULL_STALE_MINUTES))
        | Q(status=Pull.Status.QUEUED, created_at__lt=now - timedelta(minutes=settings.PULL_QUEUE_TIMEOUT_MINUTES))
    ).values_list("pk", flat=True)
    for pull_id in stale:
        pull_fail(pull_id, reason="No worker finished it in time.")
    return len(stale)
