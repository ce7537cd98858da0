"""VaniKeys settings: every value comes from the environment, read here and nowhere else.

With no environment at all the service runs on embedded defaults: SQLite, a file-based
cache, and Celery over kombu's filesystem transport, with development secrets created
once under ``var/``. Production sets ``DEBUG=0`` and must provide the secrets.
"""
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_float, env_int, env_list, new_fernet_key, secret_or_dev_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VANIKEYS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def dev_secret(name: str, make) -> str:
    return secret_or_dev_file(name, make, debug=DEBUG, var_dir=VAR_DIR)


SECRET_KEY = dev_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Private keys of pulls and jobs are encrypted with MultiFernet: the first key encrypts,
# every listed key decrypts, so keys rotate by prepending a new one.
if not DEBUG and not env_list("KEY_ENCRYPTION_KEYS"):
    raise ImproperlyConfigured("KEY_ENCRYPTION_KEYS must be set when DEBUG is off")
KEY_ENCRYPTION_KEYS = env_list("KEY_ENCRYPTION_KEYS") or [dev_secret("KEY_ENCRYPTION_KEY", new_fernet_key)]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_htmx",
    "ninja",
    "djstripe",
    "django_ratelimit",
    "csp",
    "core",
    "accounts",
    "economy",
    "patterns",
    "pulls",
    "jobs",
    "payments",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "vanikeys_site.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.handlers.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "vanikeys_site.urls"
FORM_RENDERER = "core.forms.SiteFormRenderer"
WSGI_APPLICATION = "vanikeys_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "economy.context_processors.wallet",
                "vanikeys_site.context_processors.product",
            ],
        },
    },
]

def required_in_production(name: str, default: str) -> str:
    """Embedded defaults are for development; production must name its real services."""
    if not DEBUG and not os.environ.get(name):
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    return os.environ.get(name, default)


DATABASES = {
    "default": dj_database_url.parse(
        required_in_production("DATABASE_URL", f"sqlite:///{VAR_DIR / 'vanikeys.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web + worker writers: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request (and /healthz) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# allauth's backend (username or e-mail; permissions as ModelBackend), one password hash per
# attempt whether the account exists or not: see accounts.backends.
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]

# django-allauth: e-mail + password, username kept for display and API login.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_GET = False
# Sign-up never says an e-mail address is taken ("strict": the new account's address stays
# unverified; only verified addresses are unique); password reset never says whether an
# address has an account. Failed log-ins lock an account out after 5 in 5 minutes, by page
# and by API alike (accounts.services.user_authenticate uses the same allauth adapter).
ACCOUNT_PREVENT_ENUMERATION = "strict"
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_FAILED_RATE", "10/m/ip,5/300s/key"),
}
LOGIN_REDIRECT_URL = "/app"
LOGIN_URL = "/accounts/login/"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "VaniKeys <noreply@vanikeys.local>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Production serves static files through WhiteNoise under content-hashed names (cached for
# a year, compressed); `manage.py collectstatic` writes them and their manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Celery: Redis when configured, otherwise kombu's filesystem transport (works across
# processes, including revoke) so the embedded start needs no broker.
CELERY_BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL") or REDIS_URL or required_in_production("CELERY_BROKER_URL", "filesystem://")
)
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Prices and costs (PRODUCT.md §5–§7).
PULL_COST_TOKENS = env_int("PULL_COST_TOKENS", 100)
PULL_BUDGET_KEYS = env_int("PULL_BUDGET_KEYS", 100_000)
MULTI_PULL_COUNT = 10  # the "10× pull": that many pulls paid in one debit, never with free pulls
FREE_PULLS_PER_DAY = env_int("FREE_PULLS_PER_DAY", 3)
UNKEPT_KEY_TTL_HOURS = env_int("UNKEPT_KEY_TTL_HOURS", 24)
PULL_STALE_MINUTES = env_int("PULL_STALE_MINUTES", 15)
PULL_TIME_LIMIT_SECONDS = env_int("PULL_TIME_LIMIT_SECONDS", 300)
PULL_QUEUE_TIMEOUT_MINUTES = env_int("PULL_QUEUE_TIMEOUT_MINUTES", 120)
KEYS_PER_TOKEN = env_int("KEYS_PER_TOKEN", 1_000)
JOB_PRICE_MARGIN = env_float("JOB_PRICE_MARGIN", 1.2)
JOB_MAX_P99_SECONDS = env_int("JOB_MAX_P99_SECONDS", 24 * 3600)
GRIND_POOL_WORKERS = env_int("GRIND_POOL_WORKERS", 2)
TOKEN_PACKS = json.loads(
    os.environ.get(
        "TOKEN_PACKS",
        json.dumps(
            {
                "starter": {"tokens": 100, "price_cents": 99},
                "popular": {"tokens": 500, "price_cents": 399},
                "power": {"tokens": 2500, "price_cents": 1499},
                "whale": {"tokens": 10000, "price_cents": 4999},
            }
        ),
    )
)

# Stripe (PRODUCT.md §8); empty keys mean purchases are disabled, nothing crashes.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# A Stripe-compatible server instead of https://api.stripe.com (tests, demos): our own
# client (payments.stripe_api) reads STRIPE_API_BASE; dj-stripe copies STRIPE_API_HOST
# into stripe.api_base once, at import, so both go to the same server.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "").rstrip("/")
if STRIPE_API_BASE:
    STRIPE_API_HOST = STRIPE_API_BASE
STRIPE_LIVE_MODE = env_bool("STRIPE_LIVE_MODE", False)
STRIPE_CURRENCY = os.environ.get("STRIPE_CURRENCY", "usd").lower()
# A webhook signed longer ago than this is refused (replays).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
THROTTLE_PURCHASE_RATE = os.environ.get("THROTTLE_PURCHASE_RATE", "20/m")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
DJSTRIPE_USE_NATIVE_JSONFIELD = True

# Rate limits: allauth limits sign-up and log-in pages; the API and the pages use
# django-ratelimit (core.ratelimits) with these rates ("N/s|m|h|d") on the default cache:
# Redis when REDIS_URL is set (atomic, shared by every process), else the embedded file
# cache (per machine). THROTTLE_ENABLED=0 turns them off (load tests).
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)
RATELIMIT_ENABLE = THROTTLE_ENABLED
# Trusted reverse proxies in front of the app: a client's address is read that many hops
# back in X-Forwarded-For (0: the socket's address; the header cannot be forged then).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES  # allauth's own limits read the client the same way
# django-ratelimit's check knows only django-redis among Redis caches (W001), though
# Django's own RedisCache increments atomically with INCR too; without Redis the embedded
# file cache is per machine and not atomic (E003), fine for one developer.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] + ([] if REDIS_URL else ["django_ratelimit.E003"])

# Content-Security-Policy (django-csp): only our own scripts and styles, none inline
# unless it carries the per-request nonce; no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com"],
        "frame-ancestors": [NONE],
    }
}
THROTTLE_AUTH_RATE = os.environ.get("THROTTLE_AUTH_RATE", "20/m")
THROTTLE_PULL_RATE = os.environ.get("THROTTLE_PULL_RATE", "60/m")
THROTTLE_ODDS_RATE = os.environ.get("THROTTLE_ODDS_RATE", "240/m")

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Logs: one JSON object a line in production (LOG_FORMAT=json, the default with DEBUG off),
# plain text in development; every record carries its request id and passes through
# core.logs.RedactingFilter, so no private key, token, password or CSRF value is written.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "redact": {"()": "core.logs.RedactingFilter"},
    },
    "formatters": {
        "json": {
            "()": "core.logs.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# Workers log through the same handler (and its redaction) instead of Celery's own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

CELERY_BEAT_SCHEDULE = {
    "erase-unkept-private-keys": {"task": "pulls.erase_expired_keys", "schedule": 15 * 60},
    "fail-stale-pulls": {"task": "pulls.fail_stale_pulls", "schedule": 5 * 60},
}

# ── Guaranteed jobs (the jobs app) ─────────────────────────────────────────────────────
# A job is ground in chunks, one Celery task each, on the "grinding" queue; everything
# else stays on "celery". A worker started without -Q consumes every queue listed here,
# so the README's plain `celery -A vanikeys_site worker` serves both, on any machine.
JOB_QUEUE = "grinding"
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {
    "celery": {"exchange": "celery", "routing_key": "celery"},
    JOB_QUEUE: {"exchange": JOB_QUEUE, "routing_key": JOB_QUEUE},
}
CELERY_TASK_ROUTES = {"jobs.grind_chunk": {"queue": JOB_QUEUE}}
# Chunk size: JOB_CHUNK_SECONDS of grinding at one worker's measured rate, within bounds.
JOB_CHUNK_SECONDS = env_float("JOB_CHUNK_SECONDS", 10.0)
JOB_CHUNK_MIN_KEYS = env_int("JOB_CHUNK_MIN_KEYS", 10_240)
JOB_CHUNK_MAX_KEYS = env_int("JOB_CHUNK_MAX_KEYS", 50_000_000)
# Chunks of one job queued or running at once: at least the worker processes meant to share it.
JOB_CHUNKS_IN_FLIGHT = env_int("JOB_CHUNKS_IN_FLIGHT", 2 * GRIND_POOL_WORKERS)
JOB_CHUNK_TIME_LIMIT_SECONDS = env_int("JOB_CHUNK_TIME_LIMIT_SECONDS", 300)
JOB_CHUNK_MAX_ATTEMPTS = env_int("JOB_CHUNK_MAX_ATTEMPTS", 3)
JOB_CHUNK_RETRY_SECONDS = env_float("JOB_CHUNK_RETRY_SECONDS", 5.0)
# Each chunk writes its progress (its heartbeat) and reads the stop flag this often; a
# chunk not heard from for JOB_HEARTBEAT_STALE_SECONDS is queued again by the beat sweep.
JOB_STOP_CHECK_SECONDS = env_float("JOB_STOP_CHECK_SECONDS", 0.5)
JOB_HEARTBEAT_STALE_SECONDS = env_float("JOB_HEARTBEAT_STALE_SECONDS", 30.0)
JOB_SWEEP_SECONDS = env_float("JOB_SWEEP_SECONDS", 15.0)
JOB_QUEUED_RESEND_SECONDS = env_int("JOB_QUEUED_RESEND_SECONDS", 600)
# Redis hands an unacknowledged message (acks_late) to another worker after this long, so
# it must exceed the longest task: a chunk's or a pull's hard time limit. The sweep
# re-queues a dead worker's chunk long before; a late redelivery is then a no-op.
JOB_VISIBILITY_TIMEOUT_SECONDS = env_int(
    "JOB_VISIBILITY_TIMEOUT_SECONDS", 2 * (max(JOB_CHUNK_TIME_LIMIT_SECONDS, PULL_TIME_LIMIT_SECONDS) + 30)
)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": JOB_VISIBILITY_TIMEOUT_SECONDS}
# Task events, so Flower (bin/start: http://127.0.0.1:5555) shows chunk tasks as they run.
# No "task-sent" events: each would be a second broker write inside every enqueue (it
# doubled the publish, 0.6 → 1.3 ms); Flower still shows a task from the moment a worker
# receives it, and its Broker tab the messages still waiting.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_BEAT_SCHEDULE["sweep-guaranteed-jobs"] = {"task": "jobs.sweep", "schedule": JOB_SWEEP_SECONDS}
# Links in e-mails (a job's result is ready) point here.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# ── end of guaranteed jobs ─────────────────────────────────────────────────────────────
