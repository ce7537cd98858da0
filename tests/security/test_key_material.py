"""No private key material in clear in any log line or any database column after a pull
is made, finished, its key revealed and downloaded: every table is read back as JSON text
and searched for the seed and each export of it."""
import base64
import io
import json
import logging

import pytest
from django.db import connection

from patterns import custody
from patterns.engine import export_private_key
from pulls.models import Pull

pytestmark = pytest.mark.django_db


def secrets_of(seed: bytes, fmt: str) -> list[str]:
    """The seed and pieces of every private encoding of it, as they could leak."""
    exports = export_private_key(seed, fmt)
    needles = [seed.hex(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode().rstrip("=")]
    for value in exports.values():
        text = value if isinstance(value, str) else json.dumps(value)
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        needles += [body[i:i + 32] for i in range(0, max(len(body) - 32, 1), 32) if len(body) >= 32]
    return [needle for needle in needles if len(needle) >= 24]


@pytest.fixture
def captured_logs():
    """Every record, at every level, written as production writes it (the console
    handler's filters and formatter), into a buffer."""
    console = logging.getLogger().handlers[0]
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(console.formatter)
    for log_filter in console.filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def all_rows_as_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        chunks = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
            chunks += [row[0] for row in cursor.fetchall()]
    return "\n".join(chunks)


@pytest.mark.parametrize("fmt", ["did:key", "ssh", "solana", "onion"])
def test_no_key_material_in_logs_or_columns_after_a_pull(fmt, user, api_client, client_of, finished_pull,
                                                         captured_logs):
    if connection.vendor != "postgresql":
        pytest.skip("reads every table through PostgreSQL's row_to_json")
    pull = finished_pull(fmt=fmt)
    assert api_client.get(f"/api/pulls/{pull.public_id}/key").status_code == 200
    page = client_of(user)
    assert page.get(f"/pulls/{pull.public_id}/key").status_code == 200
    files = page.get(f"/pulls/{pull.public_id}").status_code
    assert files == 200
    logging.getLogger("vanikeys.test").debug("seed for the record: %s", custody.open_seed(pull.encrypted_seed).hex())

    seed = custody.open_seed(Pull.objects.get(pk=pull.pk).encrypted_seed)
    needles = secrets_of(seed, fmt)
    logs = captured_logs.getvalue()
    assert logs  # the requests and the deliberate line were logged
    rows = all_rows_as_text()
    for needle in needles:
        assert needle not in logs, f"key material in the logs: {needle}"
        assert needle not in rows, f"key material in clear in the database: {needle}"
