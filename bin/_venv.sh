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

# Install the Debian packages whose commands are missing, given as command:package pairs
# (e.g. cc:gcc). Needs root and apt-get; elsewhere it says what to install and goes on.
install_missing() {
  local packages=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || packages+=("${pair#*:}")
  done
  apt_install "${packages[@]}"
}

apt_install() {
  [ "$#" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing $* (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "== missing: $* (install these Debian packages, as root)" >&2
  fi
}

# The native grinding core (patterns/engine/native) is compiled in place by the system C
# compiler whenever its sources change (the compiler is installed when missing, as root);
# without one the engine runs in pure Python.
build_native_core() {
  local stamp=".venv/.built-native"
  local digest
  digest="$(cat setup.py pyproject.toml patterns/engine/native/*.c patterns/engine/native/*.h patterns/engine/native/*.py | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    install_missing cc:gcc
    .venv/bin/python -c 'import pathlib, sysconfig; assert (pathlib.Path(sysconfig.get_paths()["include"]) / "Python.h").exists()' \
      2>/dev/null || apt_install python3-dev
    echo "== building the native grinding core"
    .venv/bin/python -m pip install --quiet --no-build-isolation --no-deps -e .
    .venv/bin/python -c "from patterns.engine import native; print('== native core:', 'built' if native.available() else 'not available (pure Python)')"
    echo "$digest" > "$stamp"
  fi
}
