#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only a Rust toolchain:
# installs what the external-client tests need (redis-cli and redis-benchmark from Debian's
# redis-tools, redis-server for side-by-side checks, redis-py in a private virtualenv), then
# runs every test of the workspace. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# redis-py, pinned, in a virtualenv under target/ so the system Python stays untouched.
REDIS_PY_VERSION=5.2.1
venv=target/test-venv
if ! "$venv/bin/python" -c "import redis, sys; sys.exit(redis.__version__ != '$REDIS_PY_VERSION')" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "redis==$REDIS_PY_VERSION"
fi
export ALLYDB_TEST_PYTHON="$PWD/$venv/bin/python"

# Every binary first: the server's tests run the allydb-journal binary, which `cargo test`
# alone builds only for the tool's own tests.
cargo build --workspace --bins
cargo test --workspace "$@"
