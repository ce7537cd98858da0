"""Logs: JSON lines with request ids; private keys, tokens, passwords, CSRF values and
session ids never get written, whatever logs them."""
import json
import logging

import pytest
from django.test import Client

from core.logs import REDACTED, JsonFormatter, RedactingFilter, RequestIdFilter, redact
from patterns.engine import export_private_key, files_for_export

SEED = bytes(range(32))


@pytest.mark.parametrize("text, secret", [
    ("Authorization: Bearer vk_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "vk_abcdefghijklmnopqrstuvwxyz"),
    ("token vk_Zz9-_abcdefghijk issued", "vk_Zz9-_abcdefghijk"),
    ("POST body password=hunter2hunter2&username=bob", "hunter2hunter2"),
    ('{"username": "bob", "password": "correct horse battery"}', "correct horse battery"),
    ("{'password1': 'p@ss w0rd!', 'password2': 'p@ss w0rd!'}", "p@ss w0rd!"),
    ("csrfmiddlewaretoken=QWERTYUIOPasdfghjklZXCVBNM1234567890qwertyuiopASDF&x=1", "QWERTYUIOPasdfghjkl"),
    ("Cookie: csrftoken=abcDEF123456; sessionid=zyx987sessionvalue", "zyx987sessionvalue"),
    ("Cookie: csrftoken=abcDEF123456; sessionid=zyx987sessionvalue", "abcDEF123456"),
    ("X-CSRFToken: 5Gh7Jk9Lm1Nb3Vc5Xz7Qw9Er1Ty3Ui5Op7As9Df1Gh3Jk5Lm", "5Gh7Jk9Lm1Nb3Vc5Xz7Qw9Er1Ty3Ui5Op7As9Df1Gh3Jk5Lm"),
    (f"seed {SEED.hex()}", SEED.hex()),
    ("stripe sk_live_51Habcdefghijklmnop and whsec_abcdefghijklmnop", "sk_live_51Habcdefghijklmnop"),
    ("sealed gAAAAABlZxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", "gAAAAABlZxyz"),
])
def test_redact(text, secret):
    assert secret not in redact(text)
    assert REDACTED in redact(text)


@pytest.mark.parametrize("fmt", ["did:key", "ssh", "solana", "onion"])
def test_every_private_key_encoding_is_redacted(fmt):
    exports = export_private_key(SEED, fmt)
    files = files_for_export(SEED, fmt)
    texts = [str(value) for value in exports.values()] + [
        value if isinstance(value, str) else value.decode("latin-1") for value in files.values()
    ]
    line = redact("key material: " + json.dumps(exports) + " " + " ".join(texts))
    for secret in [value for value in exports.values() if isinstance(value, str)]:
        for chunk in (secret[i:i + 24] for i in range(0, max(1, len(secret) - 24), 24)):
            assert chunk not in line or chunk.startswith(("-----", "{", "[")), (fmt, chunk)
    assert SEED.hex() not in line


def test_harmless_text_is_kept():
    text = "pull 7 done: did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK score 3/4 in 1.2 s"
    assert redact(text) == text


def make_record(message, *args, exc_info=None, **extra):
    record = logging.LogRecord("vanikeys.test", logging.ERROR, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_the_filter_redacts_arguments_tracebacks_and_extras():
    try:
        raise ValueError("bad seed " + SEED.hex())
    except ValueError as exc:
        record = make_record("login %s with %r", "bob", {"password": "hunter2hunter2"}, exc_info=(type(exc), exc, exc.__traceback__),
                             payload={"token": "vk_secretsecretsecret", "note": "fine"})
    RequestIdFilter().filter(record)
    RedactingFilter().filter(record)
    line = JsonFormatter("%(levelname)s %(name)s %(request_id)s %(message)s").format(record)
    data = json.loads(line)
    assert "hunter2hunter2" not in line and SEED.hex() not in line and "vk_secretsecretsecret" not in line
    assert data["payload"] == {"token": REDACTED, "note": "fine"}
    assert "ValueError" in data["exc_info"]
    assert data["request_id"] == "-"


@pytest.mark.django_db
def test_every_response_carries_a_request_id_that_its_log_lines_carry(caplog):
    caplog.set_level(logging.INFO)
    response = Client().get("/no-such-page")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    handler = logging.getLogger().handlers[0]
    lines = [record for record in caplog.records if record.name == "django.request"]
    assert lines
    RequestIdFilter().filter(lines[-1])
    assert lines[-1].request_id == request_id
    assert handler.filters  # the console handler filters every record


@pytest.mark.django_db
def test_a_well_formed_request_id_from_the_proxy_is_kept_a_bad_one_replaced():
    assert Client().get("/", headers={"X-Request-ID": "edge-1234abcd"})["X-Request-ID"] == "edge-1234abcd"
    replaced = Client().get("/", headers={"X-Request-ID": "bad id\nwith newline"})["X-Request-ID"]
    assert replaced != "bad id\nwith newline" and len(replaced) == 32
