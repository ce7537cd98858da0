"""Django admin: staff grant and refund through forms that write ledger entries in their name."""
import pytest
from django.urls import reverse, reverse_lazy

from economy import selectors, services
from economy.exceptions import AlreadyRefunded
from economy.models import LedgerEntry, Wallet
from tests.factories import FundedUserFactory, LedgerEntryFactory, UserFactory, pay_pulls

Kind = LedgerEntry.Kind
pytestmark = pytest.mark.django_db


def wallet_of(user) -> Wallet:
    """The user's wallet; for a user with no entries yet, an empty one such as a first entry makes."""
    return Wallet.objects.get_or_create(user=user)[0]


def submit(client, url: str, data: dict):
    """Send a staff form as a browser does: open it first, then post it with its one-time id."""
    submission = client.get(url).context["form"]["submission"].value()
    return client.post(url, {**data, "submission": submission})


def grant_url(user) -> str:
    return reverse("admin:economy_wallet_grant", args=[wallet_of(user).pk])


def refund_url(user) -> str:
    return reverse("admin:economy_wallet_refund", args=[wallet_of(user).pk])


GRANT_TO_USER_URL = reverse_lazy("admin:economy_wallet_grant_to_user")


def test_staff_grant_tokens_with_a_reason_as_a_ledger_entry(admin_client, staff, user):
    assert admin_client.get(grant_url(user)).status_code == 200

    response = submit(admin_client, grant_url(user), {"amount": "120", "reason": "Outage on 3 March"})

    assert response.status_code == 302
    entry = selectors.transactions(user).get()
    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 120, "Outage on 3 March", staff)
    assert selectors.balance(user) == 120


@pytest.mark.parametrize(
    "data", [{"amount": "120", "reason": ""}, {"amount": "0", "reason": "x"}, {"amount": "-5", "reason": "x"}]
)
def test_a_grant_without_a_reason_or_a_positive_amount_changes_nothing(admin_client, user, data):
    response = submit(admin_client, grant_url(user), data)

    assert response.status_code == 200  # the form again, with its errors
    assert response.context["form"].errors
    assert not selectors.transactions(user).exists()


def test_staff_refund_a_pull_with_a_reason_once(admin_client, staff, settings):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=100)
    spend = pay_pulls(user, reference="pull:12")

    response = submit(admin_client, refund_url(user), {"entry": spend.pk, "reason": "Result page broke"})

    assert response.status_code == 302
    refund = selectors.transactions(user).filter(kind=LedgerEntry.Kind.REFUND).get()
    assert (refund.amount, refund.reference, refund.reason) == (100, "pull:12", "Result page broke")
    assert refund.created_by == staff
    assert selectors.balance(user) == 100

    again = submit(admin_client, refund_url(user), {"entry": spend.pk, "reason": "Again"})
    assert "entry" in again.context["form"].errors
    assert selectors.balance(user) == 100


def test_a_staff_refund_and_the_automatic_refund_never_both_pay(admin_client, settings):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=100)
    spend = pay_pulls(user, reference="pull:12")
    submit(admin_client, refund_url(user), {"entry": spend.pk, "reason": "Support ticket"})

    with pytest.raises(AlreadyRefunded):
        services.spend_refund(spend.pk, reason="Worker lost", reference="pull:12")

    assert selectors.balance(user) == 100


def test_a_partial_refund_cannot_exceed_what_the_entry_took(admin_client):
    user = FundedUserFactory(tokens=1000)
    job = LedgerEntryFactory(user=user, kind=Kind.JOB, amount=-300, reference="job:4")

    too_much = submit(admin_client, refund_url(user), {"entry": job.pk, "amount": "301", "reason": "x"})
    assert "amount" in too_much.context["form"].errors

    submit(admin_client, refund_url(user), {"entry": job.pk, "amount": "100", "reason": "Partly slow"})
    assert selectors.balance(user) == 800


def test_only_the_wallets_own_spends_can_be_refunded(admin_client, user):
    other = FundedUserFactory(tokens=500)
    others_job = LedgerEntryFactory(user=other, kind=Kind.JOB, amount=-300, reference="job:9")

    response = submit(admin_client, refund_url(user), {"entry": others_job.pk, "reason": "x"})

    assert "entry" in response.context["form"].errors
    assert selectors.balance(user) == 0


def test_the_ledger_is_read_only_in_the_admin(admin_client, user):
    entry = services.wallet_grant(user, amount=10, reason="test", created_by=None)

    assert admin_client.get(reverse("admin:economy_ledgerentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:economy_ledgerentry_delete", args=[entry.pk])).status_code == 403
    admin_client.post(reverse("admin:economy_ledgerentry_change", args=[entry.pk]), {"amount": "999999"})
    assert LedgerEntry.objects.get(pk=entry.pk).amount == 10


def test_the_balance_cannot_be_edited_in_the_admin(admin_client, user):
    wallet = wallet_of(user)
    admin_client.post(reverse("admin:economy_wallet_change", args=[wallet.pk]), {"balance": "999999"})
    assert selectors.balance(user) == 0


def test_staff_find_wallets_and_entries_by_username_email_and_reference(admin_client, user):
    LedgerEntryFactory(user=user, kind=Kind.PURCHASE, amount=50, reference="stripe:cs_findme")

    wallets = admin_client.get(reverse("admin:economy_wallet_changelist"), {"q": user.email})
    entries = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"q": "cs_findme"})
    by_kind = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"kind__exact": "purchase"})

    assert wallets.status_code == entries.status_code == by_kind.status_code == 200
    assert user.username in wallets.content.decode()
    assert list(entries.context["cl"].result_list) == list(selectors.transactions(user))
    assert entries.context["cl"].result_count == by_kind.context["cl"].result_count == 1


def test_staff_find_an_entry_by_the_public_id_the_api_shows(admin_client, user):
    entry = LedgerEntryFactory(user=user, amount=50)
    LedgerEntryFactory(user=user, amount=60)

    found = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"q": str(entry.public_id)})
    page = admin_client.get(reverse("admin:economy_ledgerentry_change", args=[entry.pk])).content.decode()

    assert list(found.context["cl"].result_list) == [entry]
    assert str(entry.public_id) in page


def test_the_wallet_page_links_to_grant_refund_and_the_users_ledger(admin_client, user):
    wallet = wallet_of(user)
    services.wallet_grant(user, amount=10, reason="test", created_by=None)

    page = admin_client.get(reverse("admin:economy_wallet_change", args=[wallet.pk])).content.decode()
    ledger = admin_client.get(reverse("admin:economy_ledgerentry_changelist"), {"user__id__exact": user.pk})

    assert grant_url(user) in page and refund_url(user) in page
    assert ledger.status_code == 200
    assert ledger.context["cl"].result_count == 1


def test_non_staff_cannot_grant(user, client_of):
    client_of(user).post(grant_url(user), {"amount": "1000", "reason": "me"})
    assert selectors.balance(user) == 0


def test_after_a_partial_refund_staff_can_refund_the_rest(admin_client):
    user = FundedUserFactory(tokens=1000)
    job = LedgerEntryFactory(user=user, kind=Kind.JOB, amount=-300, reference="job:4")
    submit(admin_client, refund_url(user), {"entry": job.pk, "amount": "100", "reason": "Partly slow"})

    form_page = admin_client.get(refund_url(user))
    assert "200 left" in form_page.content.decode()
    too_much = submit(admin_client, refund_url(user), {"entry": job.pk, "amount": "201", "reason": "x"})
    assert "Only 200 tokens" in str(too_much.context["form"].errors["amount"])

    rest = submit(admin_client, refund_url(user), {"entry": job.pk, "reason": "Failed in the end"})

    assert rest.status_code == 302
    assert selectors.balance(user) == 1000
    refunds = selectors.transactions(user).filter(kind=LedgerEntry.Kind.REFUND)
    assert sorted(refunds.values_list("amount", flat=True)) == [100, 200]


def test_a_ten_pull_refunded_share_by_share_is_not_offered_and_cannot_be_refunded_again(admin_client, settings):
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=1000)
    spend = pay_pulls(user, reference="pull:10x", count=10)
    for share in range(1, 11):
        services.spend_refund(spend.pk, reason="Worker lost", reference=f"pull:{share}", share=share, tokens=100)

    offered = admin_client.get(refund_url(user)).context["form"].fields["entry"].queryset
    response = submit(admin_client, refund_url(user), {"entry": spend.pk, "reason": "Again"})

    assert spend.pk not in offered.values_list("pk", flat=True)
    assert response.status_code == 200
    assert "entry" in response.context["form"].errors
    assert selectors.balance(user) == 1000


def test_a_refund_that_loses_a_race_is_a_form_error_not_a_500(admin_client, monkeypatch):
    user = FundedUserFactory(tokens=1000)
    job = LedgerEntryFactory(user=user, kind=Kind.JOB, amount=-300, reference="job:4")

    def refunded_meanwhile(*args, **kwargs):
        services.spend_refund(job.pk, reason="Worker lost", reference="job:4")
        return real_entry_refund(*args, **kwargs)

    real_entry_refund = services.entry_refund
    monkeypatch.setattr(services, "entry_refund", refunded_meanwhile)
    response = submit(admin_client, refund_url(user), {"entry": job.pk, "reason": "Support ticket"})

    assert response.status_code == 200
    assert "already refunded" in str(response.context["form"].non_field_errors())
    assert selectors.balance(user) == 1000


@pytest.mark.parametrize("amount", ["1000000001", "99999999999999999999"])
def test_a_grant_past_a_billion_tokens_is_a_form_error(admin_client, user, amount):
    response = submit(admin_client, grant_url(user), {"amount": amount, "reason": "Typo"})

    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert selectors.balance(user) == 0


def test_a_grant_past_the_maximum_balance_is_a_form_error(admin_client, user, monkeypatch):
    monkeypatch.setattr(services, "MAX_BALANCE", 1_000)
    services.wallet_grant(user, amount=900, reason="test", created_by=None)

    response = submit(admin_client, grant_url(user), {"amount": "101", "reason": "Too much"})

    assert response.status_code == 200
    assert "past the most a wallet holds" in str(response.context["form"].non_field_errors())
    assert selectors.balance(user) == 900


def test_staff_grant_to_a_user_without_a_wallet_from_the_wallet_list(admin_client, staff, user):
    assert not Wallet.objects.filter(user=user).exists()
    wallets = admin_client.get(reverse("admin:economy_wallet_changelist")).content.decode()
    assert str(GRANT_TO_USER_URL) in wallets

    response = submit(admin_client, GRANT_TO_USER_URL, {"user": user.email, "amount": "50", "reason": "Welcome"})

    wallet = Wallet.objects.get(user=user)
    assert response.status_code == 302
    assert response.url == reverse("admin:economy_wallet_change", args=[wallet.pk])
    entry = selectors.transactions(user).get()
    assert (entry.kind, entry.amount, entry.reason, entry.created_by) == ("grant", 50, "Welcome", staff)


@pytest.mark.parametrize(("login", "message"), [("nobody", "No user"), ("twin@example.com", "Several accounts")])
def test_granting_to_an_unknown_or_ambiguous_login_is_a_form_error(admin_client, login, message):
    UserFactory(email="twin@example.com")
    UserFactory(email="Twin@example.com")

    response = submit(admin_client, GRANT_TO_USER_URL, {"user": login, "amount": "50", "reason": "x"})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors["user"])
    assert not LedgerEntry.objects.exists()


def test_non_staff_cannot_grant_to_a_user(user, client_of):
    client_of(user).post(GRANT_TO_USER_URL, {"user": user.username, "amount": "1000", "reason": "me"})
    assert selectors.balance(user) == 0


def test_a_resubmitted_grant_or_refund_form_applies_once(admin_client, settings):
    settings.FREE_PULLS_PER_DAY = 0
    settings.PULL_COST_TOKENS = 100
    user = FundedUserFactory(tokens=1_000)
    spend = pay_pulls(user, reference="pulls:batch", count=10)
    submission = admin_client.get(refund_url(user)).context["form"]["submission"].value()
    form = {"entry": spend.pk, "amount": "300", "reason": "double click", "submission": submission}
    assert admin_client.post(refund_url(user), form).status_code == 302
    assert admin_client.post(refund_url(user), form).status_code == 302
    assert selectors.balance(user) == 300

    submission = admin_client.get(grant_url(user)).context["form"]["submission"].value()
    grant = {"amount": "50", "reason": "sorry", "submission": submission}
    admin_client.post(grant_url(user), grant)
    admin_client.post(grant_url(user), grant)
    assert selectors.balance(user) == 350
