"""factory-boy factories for every model, shared by every app's tests.

Whatever holds tokens is made through the services that production uses (consent through
``accounts.services``, balances and entries through ``economy.services``, pulls through
``pulls.services``, jobs and their chunks through ``jobs.services``), never as raw rows,
so every balance adds up to its ledger and every pull or job has the entry that paid for it.
"""
import factory
from django.conf import settings
from django.db import transaction

from accounts import services as account_services
from accounts.models import ApiToken, User
from accounts.selectors import active_token
from economy import services as economy
from economy.models import LedgerEntry, Wallet
from jobs import services as jobs
from jobs.models import Chunk, Job
from patterns.engine import PatternSpec
from pulls import services as pulls
from pulls.models import Pull

PASSWORD = "correct horse battery staple"
Kind = LedgerEntry.Kind


class UserFactory(factory.django.DjangoModelFactory):
    """A user who signed up: 18+ and the current terms confirmed, password ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def consent(user, create, extracted, **kwargs):
        if create:
            user.save()
            account_services.user_record_consent(user)


class WalletFactory(factory.django.DjangoModelFactory):
    """A wallet holding ``balance`` tokens (one purchase entry) and the given spending limits."""

    class Meta:
        model = Wallet

    user = factory.SubFactory(UserFactory)
    balance = 0
    tokens_per_day = None
    tokens_per_month = None

    @classmethod
    def _create(cls, model_class, user, balance=0, tokens_per_day=None, tokens_per_month=None, **kwargs) -> Wallet:
        if balance:
            economy.wallet_credit(user, amount=balance, kind=Kind.PURCHASE, reference="test:funding")
        return economy.wallet_set_limits(user, per_day=tokens_per_day, per_month=tokens_per_month)


class FundedUserFactory(UserFactory):
    """A user whose wallet starts with ``tokens`` (a purchase entry), e.g. FundedUserFactory(tokens=250)."""

    @factory.post_generation
    def tokens(user, create, extracted, **kwargs):
        if create and extracted:
            WalletFactory(user=user, balance=extracted)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An active bearer token, issued by ``accounts.services``; the plain token (which only
    its owner ever sees) is on ``.token``."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, user, **kwargs) -> ApiToken:
        token = account_services.token_issue(user)
        api_token = active_token(token)
        api_token.token = token
        return api_token


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """One entry, written by the ledger service for its kind: a positive ``amount`` is a
    credit (purchase, grant, adjustment), a negative one a debit (pull, job, adjustment) of
    a wallet that must hold the tokens, e.g. LedgerEntryFactory(user=u, kind="job", amount=-300)."""

    class Meta:
        model = LedgerEntry

    user = factory.SubFactory(UserFactory)
    kind = Kind.PURCHASE
    amount = 100
    reference = factory.Sequence(lambda n: f"test:{n}")
    reason = "test"

    @classmethod
    def _create(cls, model_class, user, kind, amount, reference, reason, **kwargs) -> LedgerEntry:
        write = economy.wallet_credit if amount > 0 else economy.wallet_debit
        return write(user, amount=abs(amount), kind=kind, reference=reference, reason=reason, **kwargs)


class KeySearchFactory(factory.django.DjangoModelFactory):
    """The pattern object a pull or a job is made for (PRODUCT.md §9's defaults), and
    ``finished``: whether the test also grinds it here, as a worker would."""

    class Meta:
        abstract = True

    pattern = "ab"
    format = "did:key"
    case_insensitive = False
    fuzzy = False
    anchor = "anywhere"
    mode = "words"
    finished = False


class PullFactory(KeySearchFactory):
    """A pull started the way a user starts one, paid through the ledger (a free pull while
    any is left, else tokens); ``finished=True`` also grinds it as a worker does. Its task
    is queued only if the test's transaction commits (never, in an ordinary ``db`` test)."""

    class Meta:
        model = Pull

    user = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, user, finished=False, **spec) -> Pull:
        (pull,) = pulls.pull_start(user, spec=PatternSpec(**spec))
        return pulls.pull_execute(pull.pk) if finished else pull


def pay_pulls(user, *, count: int = 1, reference: str = "test:pull") -> LedgerEntry:
    """Pay for ``count`` pulls as starting them does: in a transaction, which holds the
    wallet lock until it ends. The entry is ``free`` (0 tokens) or ``pull``."""
    with transaction.atomic():
        return economy.wallet_pay_pulls(user, count=count, reference=reference)


def use_up_free_pulls(user) -> None:
    for _ in range(settings.FREE_PULLS_PER_DAY):
        pay_pulls(user, reference="test:free")


class JobFactory(KeySearchFactory):
    """A guaranteed job bought the way a user buys one (its price paid through the ledger,
    its first chunks queued); ``finished=True`` also grinds its chunks here, as a worker
    would, until the match (give it an easy pattern: the default is found in a chunk)."""

    class Meta:
        model = Job

    user = factory.SubFactory(FundedUserFactory, tokens=1_000_000)
    pattern = "xyz"

    @classmethod
    def _create(cls, model_class, user, finished=False, **spec) -> Job:
        job = jobs.job_create(user, spec=PatternSpec(**spec))
        return grind_until_found(job) if finished else job


def grind_until_found(job: Job, *, attempts: int = 5) -> Job:
    """Claim and grind the job's queued chunks in this process until one finds its match."""
    for _ in range(attempts):
        chunk = Chunk.objects.filter(job=job, status="queued").order_by("index").first()
        lease = jobs.chunk_claim(chunk.pk, worker="test:1")
        if jobs.chunk_grind(lease) == "found":
            job.refresh_from_db()
            return job
    raise AssertionError(f"no match in {attempts} chunks of {job.pattern!r}")
