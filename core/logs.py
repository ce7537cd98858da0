"""Structured logs that never carry a secret.

``RequestIdFilter`` stamps each record with the id of the request (or task) being served
(``request_id_var``, set by ``core.middleware.RequestIdMiddleware``). ``RedactingFilter``
rewrites the message, its arguments, the traceback and the stack of every record so that
private keys (PEM blocks, seeds in hex, JWK ``d`` values, Solana key arrays, Tor secret
keys), bearer tokens, passwords, CSRF values, session ids and Stripe secrets are replaced by
``[redacted]`` before any handler writes them. ``JsonFormatter`` is python-json-logger's
formatter with the same redaction applied to every string it outputs (extra fields too).
"""

from __future__ import annotations

import contextvars
import logging
import re
import traceback
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

REDACTED = "[redacted]"
_SECRET_NAMES = (
    r"password\d?|passwd|new_password\d?|old_password|oldpassword|secret(?:_key)?|api_key|token|access_token|"
    r"csrfmiddlewaretoken|csrftoken|csrf_token|x-csrftoken|sessionid|session_key|seed_hex|seed|"
    r"private_key|pkcs8_pem|openssh_pem|solana_json|tor_secret_key_b64|client_secret|authorization|d"
)
_PATTERNS: list[tuple[re.Pattern[str], str | Any]] = [
    # PEM and OpenSSH private key blocks, whole (even when cut short).
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S), REDACTED),
    # Authorization headers: Bearer / Basic / Token credentials.
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + REDACTED),
    # VaniKeys API tokens, Stripe secrets and webhook secrets wherever they appear.
    (re.compile(r"\bvk_[A-Za-z0-9_-]{8,}"), REDACTED),
    (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9]{8,}"), REDACTED),
    # Fernet tokens (sealed seeds) and keys.
    (re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{20,}"), REDACTED),
    # name=value / "name": "value" / name: value pairs whose name says it is a secret.
    (
        re.compile(
            rf"""(?ix)(["']?\b(?:{_SECRET_NAMES})\b["']?\s*[:=]\s*)
                 (?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|b'[^']*'|\[[^\]]*\]|[^\s,;&}}\]]+)"""
        ),
        r"\1" + REDACTED,
    ),
    # Cookie headers: csrftoken=…; sessionid=…
    (re.compile(r"(?i)\b(csrftoken|sessionid)=[^;\s]+"), r"\1=" + REDACTED),
    # Tor's secret key file body and long base64 or hex runs (seeds are 64 hex digits,
    # expanded secret keys 128; JWK values 43 base64url characters).
    (re.compile(r"== ed25519v1-secret: type0 ==\S*"), REDACTED),
    (re.compile(r"\b[0-9a-fA-F]{64,}\b"), REDACTED),
    (re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{64,}={0,2}"), REDACTED),  # e.g. a Tor key file in base64
    (re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{43}(?:={0,2})(?![A-Za-z0-9+/_=-])"), REDACTED),
    # A Solana keypair file: a JSON array of 64 byte values.
    (re.compile(r"\[\s*(?:\d{1,3}\s*,\s*){31,}\d{1,3}\s*\]"), REDACTED),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: REDACTED if _is_secret_name(key) else _redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_value(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))  # what the JSON encoder would write, redacted first


_SECRET_NAME = re.compile(rf"(?i)^(?:{_SECRET_NAMES})$")


def _is_secret_name(name: Any) -> bool:
    return isinstance(name, str) and bool(_SECRET_NAME.match(name))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs a request's answer after the middleware that set the id returned,
            # but hands the request along: its id is on it.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id_var.get()
        return True


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: the formatted message, traceback and stack, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None  # every formatter now uses the redacted exc_text
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object a line; every string value redacted (extra fields included)."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return _redact_value(super().process_log_record(log_data))
