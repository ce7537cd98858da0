"""Settings from the environment: typed values, and a bad value names its variable."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from vanikeys_site.env import env_bool, env_float, env_int, env_list, secret_or_dev_file

NAME = "VANIKEYS_TEST_SETTING"


@pytest.fixture
def env(monkeypatch):
    """Set (or with None, unset) the test variable."""

    def set_to(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv(NAME, raising=False)
        else:
            monkeypatch.setenv(NAME, value)

    return set_to


@pytest.mark.parametrize("value", ["1", "true", "Yes", " ON "])
def test_words_for_yes_are_true(env, value):
    env(value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off", ""])
def test_words_for_no_are_false(env, value):
    env(value)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("default", [True, False])
def test_an_unset_variable_is_the_default(env, default):
    env(None)
    assert env_bool(NAME, default) is default
    assert env_int(NAME, 7) == 7
    assert env_float(NAME, 1.5) == 1.5
    assert env_list(NAME, "a, b") == ["a", "b"]


def test_numbers_parse(env):
    env("42")
    assert env_int(NAME, 0) == 42
    assert env_float(NAME, 0.0) == 42.0
    env("1.25")
    assert env_float(NAME, 0.0) == 1.25


@pytest.mark.parametrize(
    ("parse", "value"),
    [(env_bool, "maybe"), (env_bool, "2"), (env_int, "ten"), (env_int, "1.5"), (env_int, ""), (env_float, "1,5")],
)
def test_a_bad_value_is_refused_naming_the_variable_and_the_value(env, parse, value):
    env(value)
    with pytest.raises(ImproperlyConfigured, match=NAME) as refused:
        parse(NAME, 0)
    assert repr(value) in str(refused.value)


def test_a_list_is_split_on_commas_without_blanks(env):
    env(" example.com, ,www.example.com,")
    assert env_list(NAME) == ["example.com", "www.example.com"]
    env("")
    assert env_list(NAME, "ignored") == []


def test_a_secret_from_the_environment_wins(env, tmp_path):
    env("from-the-environment")
    assert secret_or_dev_file(NAME, lambda: "generated", debug=False, var_dir=tmp_path) == "from-the-environment"
    assert not list(tmp_path.iterdir())


def test_in_debug_a_missing_secret_is_generated_once_into_a_private_file(env, tmp_path):
    env(None)
    made = iter(["first", "second"])

    first = secret_or_dev_file(NAME, lambda: next(made), debug=True, var_dir=tmp_path)
    again = secret_or_dev_file(NAME, lambda: next(made), debug=True, var_dir=tmp_path)

    path = tmp_path / f"dev_{NAME.lower()}"
    assert first == again == "first"
    assert path.stat().st_mode & 0o777 == 0o600


def test_without_debug_a_missing_secret_is_refused_naming_it(env, tmp_path):
    env(None)
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be set when DEBUG is off"):
        secret_or_dev_file(NAME, lambda: "generated", debug=False, var_dir=tmp_path)
    assert not list(tmp_path.iterdir())
