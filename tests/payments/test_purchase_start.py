"""Starting a purchase: the Purchase row first, then a Checkout Session (or PaymentIntent)
at Stripe that names it; refusals are §9 JSON errors and create nothing at Stripe."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from core.exceptions import NotFound
from payments import selectors
from payments.models import Purchase

pytestmark = pytest.mark.django_db


def post_json(client: Client, path: str, body) -> tuple[int, dict]:
    response = client.post(path, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_buy_button_creates_a_purchase_and_redirects_to_checkout(stripe_standin, user, client_of):
    response = client_of(user).post("/pricing/checkout", {"pack": "popular"})
    purchase = Purchase.objects.get()
    assert response.status_code == 303
    assert response["Location"] == purchase.checkout_url == f"{stripe_standin.url}/checkout/{purchase.checkout_session_id}"
    assert (purchase.user, purchase.pack, purchase.tokens, purchase.amount_cents, purchase.currency, purchase.status) == (
        user, "popular", 500, 399, "usd", "pending"
    )
    session = stripe_standin.objects[purchase.checkout_session_id]
    assert session["client_reference_id"] == str(purchase.pk)
    assert session["metadata"] == {
        "purchase_id": str(purchase.pk), "pack": "popular", "tokens": "500", "user_id": str(user.public_id),
        "flow": "checkout",
    }
    assert (session["amount_total"], session["currency"], session["mode"]) == (399, "usd", "payment")
    assert session["success_url"] == "http://testserver/pricing/success?session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == "http://testserver/pricing/cancel"
    assert session["customer_email"] == user.email
    assert stripe_standin.hidden[session["id"]]["payment_intent_data"]["metadata"]["purchase_id"] == str(purchase.pk)


def test_signed_out_buy_goes_to_log_in(stripe_standin):
    response = Client().post("/pricing/checkout", {"pack": "popular"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fpricing"
    assert not Purchase.objects.exists()


def test_unknown_pack_on_the_page_is_a_message_not_a_500(stripe_standin, user, client_of):
    response = client_of(user).post("/pricing/checkout", {"pack": "mega"}, follow=True)
    assert response.status_code == 200 and "is not one of starter, popular, power, whale" in response.content.decode()
    assert not Purchase.objects.exists() and not stripe_standin.paths("POST")


def test_api_purchase_answers_purchase_id_and_checkout_url(stripe_standin, api_client, user):
    status, body = post_json(api_client, "/api/tokens/purchase", {"pack": "whale"})
    purchase = Purchase.objects.get()
    assert status == 200
    assert body == {"purchase_id": str(purchase.pk), "checkout_url": purchase.checkout_url}
    assert purchase.user == user and purchase.amount_cents == 4999 and purchase.tokens == 10_000
    assert urlsplit(body["checkout_url"]).netloc == urlsplit(stripe_standin.url).netloc


def test_api_purchase_refusals(stripe_standin, api_client):
    assert post_json(api_client, "/api/tokens/purchase", {"pack": "mega"}) == (
        400, {"error": "bad_request", "message": "pack: Input should be 'starter', 'popular', 'power' or 'whale'"}
    )
    status, body = post_json(api_client, "/api/tokens/purchase", {})
    assert status == 400 and body["error"] == "bad_request"
    status, body = post_json(Client(), "/api/tokens/purchase", {"pack": "starter"})
    assert status == 401 and body["error"] == "not_authenticated"
    assert not Purchase.objects.exists() and not stripe_standin.paths("POST")


def test_browser_session_needs_csrf(stripe_standin, browser_client):
    status, body = post_json(browser_client, "/api/tokens/purchase", {"pack": "starter"})
    assert status in (401, 403) and "error" in body
    assert not Purchase.objects.exists()


def test_without_stripe_keys_purchases_answer_503_and_nothing_is_created(no_stripe, api_client):
    for path in ("/api/tokens/purchase", "/api/payments/create-intent"):
        assert post_json(api_client, path, {"pack": "starter"}) == (
            503,
            {"error": "purchases_disabled", "message": "Purchases are disabled on this server: no payment provider is configured."},
        )
    assert not Purchase.objects.exists()


def test_without_stripe_keys_the_buy_form_says_so(no_stripe, user, client_of):
    response = client_of(user).post("/pricing/checkout", {"pack": "starter"}, follow=True)
    assert response.status_code == 200 and "Purchases are disabled" in response.content.decode()


def test_stripe_down_is_a_503_and_the_purchase_is_marked_failed(stripe_standin, api_client):
    stripe_standin.fail_next = 5
    status, body = post_json(api_client, "/api/tokens/purchase", {"pack": "starter"})
    assert status == 503 and body["error"] == "payment_provider_unavailable"
    purchase = Purchase.objects.get()
    assert purchase.status == "failed" and purchase.checkout_session_id is None and purchase.credit_entry is None


def test_create_intent_answers_the_client_secret(stripe_standin, api_client, user):
    status, body = post_json(api_client, "/api/payments/create-intent", {"pack": "power"})
    purchase = Purchase.objects.get()
    intent = stripe_standin.objects[purchase.payment_intent_id]
    assert status == 200
    assert body == {"purchase_id": str(purchase.pk), "client_secret": intent["client_secret"]}
    assert (intent["amount"], intent["currency"], intent["metadata"]["purchase_id"], intent["metadata"]["flow"]) == (
        1499, "usd", str(purchase.pk), "intent"
    )
    assert intent["metadata"]["user_id"] == str(user.public_id) != str(user.pk)
    assert purchase.flow == "intent" and purchase.status == "pending"


def test_purchases_are_listed_for_their_owner_only(stripe_standin, api_client, other_user):
    _, started = post_json(api_client, "/api/tokens/purchase", {"pack": "starter"})
    response = api_client.get("/api/payments/purchases")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["purchase_id"] == started["purchase_id"]
    assert body["items"][0]["status"] == "pending"
    assert api_client.get(f"/api/payments/purchases/{started['purchase_id']}").status_code == 200
    other = Client()
    other.force_login(other_user)
    assert other.get(f"/api/payments/purchases/{started['purchase_id']}").status_code == 404
    assert other.get("/api/payments/purchases/not-a-uuid").status_code == 404
    assert other.get("/api/payments/purchases").json()["count"] == 0


def test_a_purchase_is_found_by_its_id_in_any_form_and_only_by_a_uuid(stripe_standin, api_client, user, other_user):
    _, started = post_json(api_client, "/api/tokens/purchase", {"pack": "starter"})
    purchase = Purchase.objects.get()
    for same in (purchase.pk, str(purchase.pk), str(purchase.pk).upper(), purchase.pk.hex):
        assert selectors.purchase_for_owner(user, same) == purchase
    for junk in (None, purchase.pk.int, f" {purchase.pk} ", f"{purchase.pk}\x00", f"{{{purchase.pk}}}", "\ud800"):
        with pytest.raises(NotFound):
            selectors.purchase_for_owner(user, junk)
    with pytest.raises(NotFound):
        selectors.purchase_for_owner(other_user, purchase.pk)
    assert api_client.get(f"/api/payments/purchases/{started['purchase_id']}%00").status_code == 404


def test_cancel_page(stripe_standin):
    response = Client().get("/pricing/cancel")
    assert response.status_code == 200 and "Nothing was charged" in response.content.decode()


def test_success_url_query_is_what_stripe_fills_in(stripe_standin, api_client):
    _, body = post_json(api_client, "/api/tokens/purchase", {"pack": "starter"})
    purchase = Purchase.objects.get(pk=body["purchase_id"])
    success = stripe_standin.objects[purchase.checkout_session_id]["success_url"]
    assert parse_qs(urlsplit(success).query) == {"session_id": ["{CHECKOUT_SESSION_ID}"]}
