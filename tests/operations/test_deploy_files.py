"""The deployment files, checked without a container engine (none runs here): compose
parses and describes the whole stack with health checks and restart policies; the
Containerfile builds in two stages and runs as a non-root user; the systemd units and the
entry point are well formed."""
import configparser
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"web", "worker-1", "worker-2", "beat", "flower"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_the_whole_stack(compose):
    services = compose["services"]
    assert set(services) == APP_SERVICES | {"db", "redis", "migrate"}
    assert services["db"]["image"].endswith("postgres:16")
    assert services["redis"]["image"].endswith("redis:7")
    commands = {name: services[name]["command"][0] for name in APP_SERVICES | {"migrate"}}
    assert commands == {"web": "web", "worker-1": "worker", "worker-2": "worker", "beat": "beat",
                        "flower": "flower", "migrate": "migrate"}


def test_every_long_running_service_has_a_health_check_and_a_restart_policy(compose):
    for name, service in compose["services"].items():
        if name == "migrate":
            assert service["restart"] == "no"
            continue
        assert service.get("healthcheck", {}).get("test"), name
        assert service["restart"] == "unless-stopped", name


def test_app_services_wait_for_healthy_services_and_the_migrations(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_secrets_come_from_the_env_file_and_flower_needs_basic_auth(compose):
    text = (ROOT / "compose.yaml").read_text()
    assert "SECRET_KEY=" not in text.split("name: vanikeys")[1]  # only named in the header comment
    for name in APP_SERVICES:
        assert compose["services"][name]["env_file"] == ".env"
        assert compose["services"][name]["environment"]["DEBUG"] == "0"
    entry = (ROOT / "bin" / "container").read_text()
    assert '${FLOWER_BASIC_AUTH:?' in entry and '--basic-auth="$FLOWER_BASIC_AUTH"' in entry
    for name in ("web", "flower"):
        assert all(port.startswith("127.0.0.1:") for port in compose["services"][name]["ports"])


def test_containerfile_builds_in_two_stages_and_runs_unprivileged():
    text = (ROOT / "Containerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, re.M)
    assert len(stages) == 2 and stages[0][1] == "build"
    build, run = text.split("\nFROM ", 2)[1:]
    assert "--require-hashes -r requirements/prod.txt" in build
    assert "pip install --no-build-isolation --no-deps -e ." in build and "native.available()" in build
    assert "collectstatic" in build and "gcc" in build
    assert "gcc" not in run and "COPY --from=build" in run
    user = re.findall(r"^USER\s+(\S+)", run, re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert 'ENTRYPOINT ["/app/bin/container"]' in run


def test_the_image_ignores_local_state():
    for name in (".containerignore", ".dockerignore"):
        ignored = (ROOT / name).read_text().split()
        assert {".git/", ".venv/", "var/", ".env", "*.so"} <= set(ignored), name


def test_the_entry_point_is_valid_shell():
    assert subprocess.run(["sh", "-n", str(ROOT / "bin" / "container")]).returncode == 0


@pytest.mark.parametrize("unit", sorted(p.name for p in (ROOT / "systemd").glob("*.service")))
def test_systemd_units_are_well_formed(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "systemd" / unit)
    assert parser["Unit"]["Description"]
    service = parser["Service"]
    assert service["ExecStart"].startswith("/opt/vanikeys/bin/container ")
    assert service["User"] == "vanikeys" and service["EnvironmentFile"] == "/etc/vanikeys/vanikeys.env"
    if service.get("Type") != "oneshot":
        assert service["Restart"] == "on-failure"
        assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_the_deployment_guide_covers_what_an_operator_needs():
    guide = (ROOT / "docs" / "DEPLOYMENT.md").read_text()
    for topic in ("X-Forwarded-Proto", "KEY_ENCRYPTION_KEYS", "reseal_keys", "pg_dump", "pg_restore",
                  "migrate", "WORKER_QUEUES", "Upgrading", "check_ledger", "/healthz"):
        assert topic in guide, topic
    assert "/api/docs" in (ROOT / "docs" / "API.md").read_text()
