# Sourced by bin/start, bin/test and .ci/run: make .venv and install a lock file when the locks change.
# requirements/*.txt are hashed lock files compiled from requirements/*.in by bin/lock;
# they are installed with --require-hashes, so only the pinned, hashed files go in.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
ensure_venv() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    "$PYTHON" -m venv .venv
  fi
  local stamp=".venv/.installed-$(basename "$requirements" .txt)"
  local digest
  digest="$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "== installing $requirements (hashed lock)"
    .venv/bin/python -m pip install --quiet --require-hashes -r "$requirements"
    echo "$digest" > "$stamp"
  fi
  build_native_core
}

# The native grinding core (patterns/engine/native) is compiled in place by the system C
# compiler whenever its sources change; without a compiler the engine runs in pure Python.
build_native_core() {
  local stamp=".venv/.built-native"
  local digest
  digest="$(cat setup.py pyproject.toml patterns/engine/native/*.c patterns/engine/native/*.h patterns/engine/native/*.py | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "== building the native grinding core"
    .venv/bin/python -m pip install --quiet --no-build-isolation --no-deps -e .
    .venv/bin/python -c "from patterns.engine import native; print('== native core:', 'built' if native.available() else 'not available (pure Python)')"
    echo "$digest" > "$stamp"
  fi
}
