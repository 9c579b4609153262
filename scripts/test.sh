#!/usr/bin/env bash
# The whole test suite, on a fresh machine with a Rust toolchain, Python 3 and Node.js 20 or later
# (and npm), as root or with sudo for apt-get:
# installs what the external-client tests need (redis-cli and redis-benchmark from Debian's
# redis-tools, redis-server for side-by-side checks, redis-sentinel for the Sentinel test,
# nutcracker (twemproxy) for the sharding test, redis-rb and phpredis from Debian's ruby-redis
# and php-redis, redis-py in private virtualenvs, node-redis and ioredis with npm), then runs
# every test of the workspace. Extra arguments go to `cargo test`. The Rust `redis` crate of
# the client matrix (tests/clients_rust.rs) needs no step here: it is a dev-dependency pinned
# in Cargo.toml, fetched and built by cargo into target/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Redis Sentinel for tests/sentinel.rs (Debian's package, the reference's version).
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
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
# Debian's python3 keeps ensurepip (which `python3 -m venv` needs) in python3-venv.
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
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

# node-redis and ioredis, at the exact versions of tests/clients/node/package-lock.json, in
# target/node-clients (never the source tree): `npm ci` runs only when the lock file changed
# since the last install there or a pinned version is not the one installed. Both libraries
# need Node.js 20 or later (the machine's).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "the client matrix needs Node.js 20 or later with npm (found: ${node_major})" >&2
  exit 1
fi
node_clients=target/node-clients
node_versions_installed() { # every dependency of package.json at its pinned version?
  (cd "$node_clients" && node -e '
    const fs = require("fs");
    const wanted = JSON.parse(fs.readFileSync("package.json")).dependencies;
    for (const [name, version] of Object.entries(wanted)) {
      const file = `node_modules/${name}/package.json`;
      if (!fs.existsSync(file) || JSON.parse(fs.readFileSync(file)).version !== version) process.exit(1);
    }') 2>/dev/null
}
mkdir -p "$node_clients"
if ! cmp -s tests/clients/node/package-lock.json "$node_clients/installed-lock.json" ||
  ! node_versions_installed; then
  cp tests/clients/node/package.json tests/clients/node/package-lock.json "$node_clients/"
  (cd "$node_clients" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp tests/clients/node/package-lock.json "$node_clients/installed-lock.json"
fi
export ALLYDB_TEST_NODE_CLIENTS="$PWD/$node_clients"

# Every binary first: the server's tests run the allydb-journal binary, which `cargo test`
# alone builds only for the tool's own tests.
cargo build --workspace --bins
cargo test --workspace "$@"
