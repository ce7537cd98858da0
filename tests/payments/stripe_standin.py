"""A local stand-in for Stripe: a real HTTP server the tests start, answering the API calls
the product and dj-stripe make, with Stripe's JSON shapes and errors.

API (``/v1/…``, ``Authorization: Bearer <secret key>``):
  GET  /v1/account, /v1/accounts/<id>
  POST /v1/checkout/sessions · GET /v1/checkout/sessions/<id>
  POST /v1/payment_intents · GET /v1/payment_intents/<id>
  GET  /v1/charges/<id> · /v1/refunds/<id> · /v1/disputes/<id> · /v1/events/<id> ·
       /v1/customers/<id> · /v1/payment_methods/<id> · /v1/balance_transactions/<id>
  ``expand[]`` is honoured for ids this server knows (``a.b`` paths, ``data`` in lists).

A hosted checkout page (what a buyer sees at ``session.url``):
  GET /checkout/<session id> → "Pay" and "Cancel"; POST /checkout/<id>/pay pays it
  (``?async=1``: accepted but not yet settled, as bank debits are) and redirects to the
  session's ``success_url``.

What Stripe does later is driven from the test (``pay``, ``settle``, ``fail_async``,
``expire``, ``refund``, ``dispute``, ``pay_intent``): each returns the events Stripe would send, signed with the
webhook secret by ``signed``; ``deliver`` posts them to the app's webhook endpoint.
With ``auto_deliver`` the checkout page delivers its events before redirecting (the
webhook first) — or, with ``deliver_after_redirect``, leaves them in ``outbox``.

``requests`` is the list of (method, path) the server answered, so a test can show that
dj-stripe and the product really called it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_standin" + "0" * 24
PUBLISHABLE_KEY = "pk_test_standin" + "0" * 24
WEBHOOK_SECRET = "whsec_standin_test_secret"
ACCOUNT_ID = "acct_standin0000000001"
API_VERSION = "2026-05-27.dahlia"


def sign(payload: bytes | str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's ``Stripe-Signature`` header: ``t=<unix time>,v1=HMAC-SHA256(secret, "t.payload")``."""
    body = payload.decode() if isinstance(payload, bytes) else payload
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (``a[b][0][c]=v``, ``expand[]=x``) back into nested data."""
    root: dict = {}
    for key, value in pairs:
        if "[" in key:
            head, rest = key.split("[", 1)
            parts = [head, *rest.removesuffix("]").split("][")]
        else:
            parts = [key]
        node = root
        for i, part in enumerate(parts):
            part = part or str(len(node))
            if i == len(parts) - 1:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class StripeStandin:
    def __init__(self, *, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET) -> None:
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.objects: dict[str, dict] = {}
        self.hidden: dict[str, dict] = {}  # line_items of sessions, shown only when expanded
        self.events: list[dict] = []
        self.outbox: list[dict] = []
        self.requests: list[tuple[str, str]] = []
        self.webhook_url: str | None = None
        self.auto_deliver = False
        self.deliver_after_redirect = False
        self.deliveries: list[tuple[str, int]] = []
        self.fail_next: int = 0  # answer the next N API calls with a 500 (Stripe down)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.objects[ACCOUNT_ID] = {
            "id": ACCOUNT_ID,
            "object": "account",
            "business_profile": {"name": "VaniKeys (stand-in)"},
            "charges_enabled": True,
            "country": "US",
            "created": int(time.time()),
            "default_currency": "usd",
            "details_submitted": True,
            "email": "stripe@example.com",
            "metadata": {},
            "payouts_enabled": True,
            "settings": {"dashboard": {"display_name": "VaniKeys (stand-in)"}},
            "type": "standard",
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> StripeStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}{int(time.time() * 1000) % 10**8:08d}"

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path in self.requests if method in (None, m)]

    # ------------------------------------------------------------------ objects

    def create_checkout_session(self, params: dict) -> dict:
        with self._lock:
            session_id = self.new_id("cs")
            items = params.get("line_items") or []
            line_items = []
            for item in items:
                price = item.get("price_data") or {}
                quantity = _int(item.get("quantity"), 1)
                unit = _int(price.get("unit_amount"))
                line_items.append(
                    {
                        "id": self.new_id("li"),
                        "object": "item",
                        "amount_subtotal": unit * quantity,
                        "amount_total": unit * quantity,
                        "currency": price.get("currency", "usd"),
                        "description": (price.get("product_data") or {}).get("name", ""),
                        "quantity": quantity,
                    }
                )
            currency = (items[0].get("price_data") or {}).get("currency", "usd") if items else "usd"
            total = sum(item["amount_total"] for item in line_items)
            session = {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": total,
                "amount_total": total,
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "created": int(time.time()),
                "currency": currency,
                "customer": None,
                "customer_email": params.get("customer_email"),
                "expires_at": int(time.time()) + 24 * 3600,
                "livemode": False,
                "metadata": params.get("metadata") or {},
                "mode": params.get("mode", "payment"),
                "payment_intent": None,
                "payment_method_types": ["card"],
                "payment_status": "unpaid",
                "status": "open",
                "success_url": params.get("success_url"),
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                "url": f"{self.url}/checkout/{session_id}",
            }
            self.hidden[session_id] = {
                "line_items": {
                    "object": "list",
                    "data": line_items,
                    "has_more": False,
                    "url": f"/v1/checkout/sessions/{session_id}/line_items",
                },
                "payment_intent_data": params.get("payment_intent_data") or {},
            }
            self.objects[session_id] = session
            return session

    def create_payment_intent(self, params: dict) -> dict:
        with self._lock:
            intent_id = self.new_id("pi")
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": _int(params.get("amount")),
                "amount_capturable": 0,
                "amount_received": 0,
                "capture_method": "automatic",
                "client_secret": f"{intent_id}_secret_{next(self._ids):08d}",
                "confirmation_method": "automatic",
                "created": int(time.time()),
                "currency": params.get("currency", "usd"),
                "customer": None,
                "description": params.get("description"),
                "latest_charge": None,
                "livemode": False,
                "metadata": params.get("metadata") or {},
                "on_behalf_of": None,
                "payment_method": None,
                "payment_method_types": ["card"],
                "receipt_email": params.get("receipt_email"),
                "status": "requires_payment_method",
            }
            self.objects[intent_id] = intent
            return intent

    def _charge_for(self, intent: dict) -> dict:
        charge_id = self.new_id("ch")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "balance_transaction": None,
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "captured": True,
            "created": int(time.time()),
            "currency": intent["currency"],
            "customer": None,
            "description": intent.get("description"),
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "invoice": None,
            "livemode": False,
            "metadata": {},
            "outcome": {"network_status": "approved_by_network", "type": "authorized", "seller_message": "ok"},
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method": None,
            "receipt_url": f"{self.url}/receipts/{charge_id}",
            "refunded": False,
            "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge_id}/refunds"},
            "status": "succeeded",
        }
        self.objects[charge_id] = charge
        return charge

    # ------------------------------------------------------------------ what Stripe does later

    def pay(self, session_id: str, *, settle: bool = True, amount: int | None = None) -> list[dict]:
        """The buyer pays at Checkout. ``settle=False``: accepted, not yet paid (async
        methods). ``amount``: what Stripe charged, if not the session's total (to test a
        mismatch). Returns the events Stripe sends."""
        with self._lock:
            session = self.objects[session_id]
            if amount is not None:
                session["amount_total"] = session["amount_subtotal"] = amount
            intent = self.create_payment_intent(
                {
                    "amount": session["amount_total"],
                    "currency": session["currency"],
                    "metadata": self.hidden[session_id]["payment_intent_data"].get("metadata") or {},
                    "description": self.hidden[session_id]["payment_intent_data"].get("description"),
                }
            )
            session["payment_intent"] = intent["id"]
            session["status"] = "complete"
            if not settle:
                intent["status"] = "processing"
                return [self.event("checkout.session.completed", session)]
            return self._settle(session, intent)

    def settle(self, session_id: str) -> list[dict]:
        """An async payment (``pay(settle=False)``) goes through."""
        with self._lock:
            session = self.objects[session_id]
            intent = self.objects[session["payment_intent"]]
            return self._settle(session, intent, event_type="checkout.session.async_payment_succeeded")

    def fail_async(self, session_id: str) -> list[dict]:
        """An async payment (``pay(settle=False)``) bounces."""
        with self._lock:
            session = self.objects[session_id]
            self.objects[session["payment_intent"]]["status"] = "requires_payment_method"
            return [self.event("checkout.session.async_payment_failed", session)]

    def _settle(self, session: dict, intent: dict, *, event_type: str = "checkout.session.completed") -> list[dict]:
        charge = self._charge_for(intent)
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])
        session["payment_status"] = "paid"
        return [
            self.event("charge.succeeded", charge),
            self.event("payment_intent.succeeded", intent),
            self.event(event_type, session),
        ]

    def expire(self, session_id: str) -> list[dict]:
        with self._lock:
            session = self.objects[session_id]
            session["status"] = "expired"
            return [self.event("checkout.session.expired", session)]

    def pay_intent(self, intent_id: str) -> list[dict]:
        """The buyer confirms a PaymentIntent (Stripe Elements) and it succeeds."""
        with self._lock:
            intent = self.objects[intent_id]
            charge = self._charge_for(intent)
            intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])
            return [self.event("charge.succeeded", charge), self.event("payment_intent.succeeded", intent)]

    def charge_of_session(self, session_id: str) -> dict:
        return self.objects[self.objects[self.objects[session_id]["payment_intent"]]["latest_charge"]]

    def refund(self, charge_id: str, amount: int | None = None) -> list[dict]:
        """Staff refund (part of) a charge in Stripe's dashboard."""
        with self._lock:
            charge = self.objects[charge_id]
            amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            refund = {
                "id": self.new_id("re"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": None,
                "charge": charge_id,
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": "requested_by_customer",
                "status": "succeeded",
            }
            self.objects[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund)
            return [self.event("charge.refunded", charge)]

    def dispute(self, charge_id: str, amount: int | None = None) -> list[dict]:
        """The cardholder disputes the charge."""
        with self._lock:
            charge = self.objects[charge_id]
            dispute = {
                "id": self.new_id("dp"),
                "object": "dispute",
                "amount": charge["amount"] if amount is None else amount,
                "balance_transactions": [],
                "charge": charge_id,
                "created": int(time.time()),
                "currency": charge["currency"],
                "evidence": {},
                "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "has_evidence": False,
                                     "past_due": False, "submission_count": 0},
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": "fraudulent",
                "status": "needs_response",
            }
            self.objects[dispute["id"]] = dispute
            charge["disputed"] = True
            return [self.event("charge.dispute.created", dispute)]

    # ------------------------------------------------------------------ events and webhooks

    def event(self, event_type: str, obj: dict) -> dict:
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "account": None,
            "api_version": API_VERSION,
            "created": int(time.time()),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.objects[event["id"]] = event
        self.events.append(event)
        return event

    def signed(self, event: dict, *, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, str]:
        body = json.dumps(event).encode()
        return body, sign(body, secret or self.webhook_secret, timestamp)

    def deliver(self, events: list[dict], url: str | None = None) -> list[int]:
        """POST each event, signed, to the app's webhook endpoint (as Stripe does)."""
        statuses = []
        for event in events:
            body, signature = self.signed(event)
            request = urllib.request.Request(
                url or self.webhook_url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "Stripe-Signature": signature,
                         "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            self.deliveries.append((event["id"], status))
            statuses.append(status)
        return statuses

    def flush(self) -> list[int]:
        """Deliver what the checkout page left in the outbox."""
        events, self.outbox = self.outbox, []
        return self.deliver(events)

    # ------------------------------------------------------------------ HTTP

    def _expanded(self, obj: dict, expand: list[str]) -> dict:
        result = copy.deepcopy(obj)
        for path in expand:
            self._expand_path(result, path.split("."))
        return result

    def _expand_path(self, node, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        if head == "data" and isinstance(node.get("data"), list):
            for item in node["data"]:
                self._expand_path(item, rest)
            return
        if head not in node and node.get("id") in self.hidden and head in self.hidden[node["id"]]:
            node[head] = copy.deepcopy(self.hidden[node["id"]][head])
        value = node.get(head)
        if isinstance(value, str) and value in self.objects:
            node[head] = copy.deepcopy(self.objects[value])
        self._expand_path(node.get(head), rest)

    def _handler_class(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # quiet
                pass

            def _send(self, status: int, body, content_type="application/json", headers=None):
                data = body if isinstance(body, bytes) else (
                    json.dumps(body).encode() if content_type == "application/json" else body.encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(standin._ids):08d}")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, kind: str = "invalid_request_error", code=None):
                self._send(status, {"error": {"type": kind, "message": message, "code": code}})

            def _form(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                return decode_form(parse_qsl(raw, keep_blank_values=True))

            def do_GET(self):
                self._dispatch("GET")

            def do_POST(self):
                self._dispatch("POST")

            def _dispatch(self, method: str):
                parts = urlsplit(self.path)
                path = parts.path.rstrip("/")
                query = decode_form(parse_qsl(parts.query, keep_blank_values=True))
                with standin._lock:
                    standin.requests.append((method, path))
                if path.startswith("/checkout/"):
                    return self._checkout_page(method, path, query)
                if path.startswith("/receipts/"):
                    return self._send(200, f"<h1>Receipt {html.escape(path)}</h1>", "text/html")
                if not path.startswith("/v1/"):
                    return self._error(404, f"Unrecognized request URL ({method}: {path}).")
                if self.headers.get("Authorization") != f"Bearer {standin.secret_key}":
                    return self._error(401, "Invalid API Key provided.", kind="invalid_request_error")
                if standin.fail_next > 0:
                    standin.fail_next -= 1
                    return self._error(500, "Stand-in told to fail.", kind="api_error")
                body = self._form() if method == "POST" else {}
                expand = query.get("expand") or body.pop("expand", None) or []
                if isinstance(expand, dict):
                    expand = list(expand.values())
                with standin._lock:
                    if method == "POST" and path == "/v1/checkout/sessions":
                        return self._send(200, standin._expanded(standin.create_checkout_session(body), expand))
                    if method == "POST" and path == "/v1/payment_intents":
                        return self._send(200, standin._expanded(standin.create_payment_intent(body), expand))
                    if method == "GET" and path == "/v1/account":
                        return self._send(200, standin.objects[ACCOUNT_ID])
                    if method == "GET":
                        object_id = path.rsplit("/", 1)[-1]
                        obj = standin.objects.get(object_id)
                        if obj is not None:
                            return self._send(200, standin._expanded(obj, expand))
                        return self._error(404, f"No such object: '{object_id}'", code="resource_missing")
                return self._error(404, f"Unrecognized request URL ({method}: {path}).")

            def _checkout_page(self, method: str, path: str, query: dict):
                match = re.fullmatch(r"/checkout/([A-Za-z0-9_]+)(/pay)?", path)
                session = standin.objects.get(match.group(1)) if match else None
                if session is None:
                    return self._error(404, "No such checkout session.")
                if method == "GET":
                    page = (
                        "<!doctype html><html><head><meta charset='utf-8'><title>Stand-in Checkout</title>"
                        "<meta name='viewport' content='width=device-width, initial-scale=1'></head><body>"
                        f"<h1>Pay {session['amount_total'] / 100:.2f} {html.escape(session['currency'].upper())}</h1>"
                        f"<form method='post' action='/checkout/{session['id']}/pay'>"
                        "<button type='submit' data-testid='standin-pay'>Pay</button></form>"
                        f"<form method='post' action='/checkout/{session['id']}/pay?async=1'>"
                        "<button type='submit' data-testid='standin-pay-async'>Pay by bank debit</button></form>"
                        f"<p><a href='{html.escape(session['cancel_url'] or '')}' data-testid='standin-cancel'>Cancel</a></p>"
                        "</body></html>"
                    )
                    return self._send(200, page, "text/html; charset=utf-8")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                events = standin.pay(session["id"], settle=query.get("async") != "1")
                if standin.auto_deliver and not standin.deliver_after_redirect:
                    standin.deliver(events)
                else:
                    standin.outbox.extend(events)
                location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
                return self._send(303, "", "text/plain", headers={"Location": location})

        return Handler
