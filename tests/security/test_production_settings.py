"""Production settings (DEBUG=0 and the secrets from the environment): check --deploy is
clean, the security headers and cookies are there, static files have hashed names."""
import json

import pytest

from .production import HOST, database_url_of_test_db, production_env, run

pytestmark = pytest.mark.django_db  # so that pytest-django creates the database the probe uses

PROBE = r"""
import json, os, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
HOST = os.environ["ALLOWED_HOSTS"]
secure = client.get("/", secure=True, headers={"Host": HOST})
plain = client.get("/", headers={"Host": HOST})
login = client.get("/accounts/login/", secure=True, headers={"Host": HOST})
health = client.get("/healthz", headers={"Host": "10.0.0.7:8000"})
missing = client.get("/no-such-page", secure=True, headers={"Host": HOST})
print(json.dumps({
    "secure_status": secure.status_code,
    "headers": dict(secure.headers),
    "plain_status": plain.status_code, "plain_location": plain.get("Location"),
    "cookie": {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
               for name, c in login.cookies.items()},
    "health_status": health.status_code, "health_body": health.content.decode(),
    "missing_status": missing.status_code, "missing_body": missing.content.decode(),
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "log_format": settings.LOG_FORMAT,
}))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory, django_db_setup):
    tmp = tmp_path_factory.mktemp("prod")
    env = production_env(tmp, DATABASE_URL=database_url_of_test_db())
    # The admin's and the API docs' files are most of the 100 s collectstatic takes; the
    # pages this probes need only ours and htmx.
    collected = run(["manage.py", "collectstatic", "--noinput", "-v", "0", "-i", "admin", "-i", "ninja"], env)
    assert collected.returncode == 0, collected.stderr
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    answer["log"] = result.stderr
    return answer, tmp


def test_check_deploy_is_clean(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    for missing in ("SECRET_KEY", "KEY_ENCRYPTION_KEYS", "DATABASE_URL"):
        env = production_env(tmp_path)
        env.pop(missing)
        if missing == "DATABASE_URL":
            env.pop("REDIS_URL"), env.pop("CELERY_BROKER_URL")
        result = run(["manage.py", "check"], env)
        assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr, missing


def test_security_headers(probe):
    answer, _ = probe
    headers = {name.lower(): value for name, value in answer["headers"].items()}
    assert answer["secure_status"] == 200
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-request-id"]


def test_plain_http_is_redirected_to_https_except_the_health_check(probe):
    answer, _ = probe
    assert answer["plain_status"] == 301 and answer["plain_location"] == f"https://{HOST}/"
    assert answer["health_status"] == 200, answer["log"][-3000:]  # internal address, plain HTTP, any Host


def test_cookies_are_secure_and_the_session_http_only(probe):
    answer, _ = probe
    assert answer["cookie"]["csrftoken"]["secure"] is True
    assert answer["cookie"]["csrftoken"]["samesite"] == "Lax"


def test_static_files_have_hashed_names(probe):
    answer, tmp = probe
    assert answer["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    manifest = json.loads((tmp / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css" and (tmp / "static" / hashed).exists()
    assert (tmp / "static" / (hashed + ".gz")).exists()


def test_logs_are_json_in_production(probe):
    answer, _ = probe
    assert answer["log_format"] == "json"


def test_a_missing_page_leaks_nothing(probe):
    answer, _ = probe
    assert answer["missing_status"] == 404
    body = answer["missing_body"]
    assert "Not found" in body and "urlpatterns" not in body and "Traceback" not in body
