#!/usr/bin/env bash
# The whole test suite, on a fresh machine with only a Rust toolchain:
# installs what the external-client tests need (redis-cli and redis-benchmark from Debian's
# redis-tools, redis-server for side-by-side checks, nutcracker (twemproxy) for the sharding
# test, redis-rb and phpredis from Debian's ruby-redis and php-redis, redis-py in a private
# virtualenv), then runs every test of the workspace. Extra arguments go to `cargo test`.
# The Rust `redis` crate of the client matrix (tests/clients_rust.rs) needs no step here: it
# is a dev-dependency pinned in Cargo.toml, fetched and built by cargo into target/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# twemproxy for tests/twemproxy.rs; Debian installs it in /usr/sbin.
command -v nutcracker >/dev/null 2>&1 || [ -x /usr/sbin/nutcracker ] || missing+=(nutcracker)
# redis-rb for the client matrix, at Debian bookworm's version (it pulls in ruby); apt-get
# refuses the pin where that version is not available rather than test another one.
RUBY_REDIS_VERSION=4.8.0-1
PHP_REDIS_VERSION=5.3.7+4.3.0-3
is_installed() { # is_installed PACKAGE VERSION
  [ "$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null)" = "install ok installed $2" ]
}
is_installed ruby-redis "$RUBY_REDIS_VERSION" || missing+=("ruby-redis=$RUBY_REDIS_VERSION")
# phpredis the same way, and the PHP interpreter that runs it.
is_installed php-redis "$PHP_REDIS_VERSION" || missing+=("php-redis=$PHP_REDIS_VERSION")
command -v php >/dev/null 2>&1 || missing+=(php-cli)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# redis-py, pinned, in virtualenvs under target/ so the system Python stays untouched: one
# without hiredis (the pure-Python parser) and one with it, because redis-py picks hiredis
# whenever it can import it; two environments are the honest way to test both parsers.
REDIS_PY_VERSION=5.2.1
HIREDIS_VERSION=3.1.0
venv_for() { # venv_for DIR CHECK PACKAGE...: (re)create DIR unless CHECK passes in it
  local venv=$1 check=$2
  shift 2
  if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}
venv_for target/test-venv \
  "import redis, sys, importlib.util as u; sys.exit(redis.__version__ != '$REDIS_PY_VERSION' or u.find_spec('hiredis') is not None)" \
  "redis==$REDIS_PY_VERSION"
venv_for target/test-venv-hiredis \
  "import redis, hiredis, sys; sys.exit(redis.__version__ != '$REDIS_PY_VERSION' or hiredis.__version__ != '$HIREDIS_VERSION')" \
  "redis==$REDIS_PY_VERSION" "hiredis==$HIREDIS_VERSION"
export ALLYDB_TEST_PYTHON="$PWD/target/test-venv/bin/python"
export ALLYDB_TEST_PYTHON_HIREDIS="$PWD/target/test-venv-hiredis/bin/python"

# Every binary first: the server's tests run the allydb-journal binary, which `cargo test`
# alone builds only for the tool's own tests.
cargo build --workspace --bins
cargo test --workspace "$@"
