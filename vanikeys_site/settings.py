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
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VANIKEYS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def dev_secret(name: str, make) -> str:
    """A secret from the environment, or (in DEBUG only) one generated once into var/."""
    if os.environ.get(name):
        return os.environ[name]
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    path = VAR_DIR / f"dev_{name.lower()}"
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


DEBUG = env_bool("DEBUG", True)
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
    "allauth",
    "allauth.account",
    "django_htmx",
    "ninja",
    "djstripe",
    "accounts",
    "economy",
    "patterns",
    "pulls",
    "jobs",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vanikeys_site.middleware.JsonApiErrorsMiddleware",
]

ROOT_URLCONF = "vanikeys_site.urls"
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: e-mail + password, username kept for display and API login.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_GET = False
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
FREE_PULLS_PER_DAY = env_int("FREE_PULLS_PER_DAY", 3)
UNKEPT_KEY_TTL_HOURS = env_int("UNKEPT_KEY_TTL_HOURS", 24)
PULL_STALE_MINUTES = env_int("PULL_STALE_MINUTES", 15)
PULL_TIME_LIMIT_SECONDS = env_int("PULL_TIME_LIMIT_SECONDS", 300)
PULL_QUEUE_TIMEOUT_MINUTES = env_int("PULL_QUEUE_TIMEOUT_MINUTES", 120)
KEYS_PER_TOKEN = env_int("KEYS_PER_TOKEN", 1_000)
JOB_PRICE_MARGIN = float(os.environ.get("JOB_PRICE_MARGIN", "1.2"))
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
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_LIVE_MODE = env_bool("STRIPE_LIVE_MODE", False)
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
DJSTRIPE_USE_NATIVE_JSONFIELD = True

# Rate limits: allauth limits sign-up and log-in pages; the JSON API uses django-ninja's
# throttles with these rates ("N/s|m|h|d"). THROTTLE_ENABLED=0 turns them off (load tests).
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)
# Trusted reverse proxies in front of the app: a client's address is read that many hops
# back in X-Forwarded-For (0: the socket's address; the header cannot be forged then).
NINJA_NUM_PROXIES = env_int("NUM_PROXIES", 0)
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

CELERY_BEAT_SCHEDULE = {
    "erase-unkept-private-keys": {"task": "pulls.erase_expired_keys", "schedule": 15 * 60},
    "fail-stale-pulls": {"task": "pulls.fail_stale_pulls", "schedule": 5 * 60},
}
