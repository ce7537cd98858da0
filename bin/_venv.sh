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
}
