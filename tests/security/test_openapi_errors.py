"""The OpenAPI schema documents every 4xx an operation can answer with, in the §9 error
shape, and its own example pattern is valid for the default format."""
import pytest
from django.test import Client

from patterns.engine import PatternSpec, validate

pytestmark = pytest.mark.django_db

UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/openapi.json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_error_answer_uses_the_error_schema(schema):
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"error", "message"}
    for path, method, operation in operations(schema):
        errors = {status: answer for status, answer in operation["responses"].items() if status.startswith("4")}
        assert errors, (method, path)
        for status, answer in errors.items():
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (
                method, path, status)


def test_the_shared_errors_are_listed_where_they_apply(schema):
    for path, method, operation in operations(schema):
        statuses = set(operation["responses"])
        if operation.get("security"):
            assert "401" in statuses, (method, path)
            if method in UNSAFE:
                assert "403" in statuses, (method, path)  # the session's CSRF check
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= statuses, (method, path)


@pytest.mark.parametrize("operation_id, statuses", [
    ("pulls_api_execute", {"402", "422", "429"}),
    ("accounts_api_login", {"401", "429"}),
    ("accounts_api_register", {"409", "429"}),
    ("patterns_api_estimate", {"422", "429"}),
])
def test_domain_errors_are_listed(schema, operation_id, statuses):
    found = [op for _, _, op in operations(schema) if op["operationId"] == operation_id]
    assert found and statuses <= set(found[0]["responses"])


def test_the_example_pattern_is_valid_for_the_default_format(schema):
    pattern_in = schema["components"]["schemas"]["PatternIn"]
    example = pattern_in["properties"]["pattern"]["examples"][0]
    default_format = pattern_in["properties"]["format"]["default"]
    assert validate(PatternSpec(pattern=example, format=default_format)) == []
