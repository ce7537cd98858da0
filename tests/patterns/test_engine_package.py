"""patterns.engine is a plain-Python library: no Django, one public API, relative imports."""

import os
import re
import subprocess
import sys
from pathlib import Path

import patterns.engine

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "patterns" / "engine"


def test_the_engine_imports_in_a_plain_interpreter_without_django():
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    script = ("import sys, patterns.engine; "
              "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
              "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)


def test_no_engine_module_names_django_or_imports_the_package_absolutely():
    for path in ENGINE.rglob("*.py"):
        text = path.read_text()
        assert "django" not in text.lower(), path
        assert not re.search(r"^(from|import) patterns\b", text, re.MULTILINE), path


def test_everything_public_is_importable_from_the_package():
    assert len(set(patterns.engine.__all__)) == len(patterns.engine.__all__)
    for name in patterns.engine.__all__:
        assert getattr(patterns.engine, name) is not None, name
