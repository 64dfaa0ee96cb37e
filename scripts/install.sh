#!/usr/bin/env bash
# Install wupian and what it needs from the OS, on a fresh Debian/Ubuntu machine or inside a virtualenv.
#   bash scripts/install.sh         # runtime: the package with the web app, its dependencies, CJK fonts for charts
#   bash scripts/install.sh --dev   # also the test and lint tools, Chromium (browser tests), PostgreSQL and
#                                   # the [spark] extra with Java 17 (the Spark conformance suite, tests/spark)
#                                   # (the operational-store tests start a throwaway cluster: scripts/test-postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

extras="[web]"
dev=""
if [ "${1:-}" = "--dev" ]; then extras="[dev,web,browser,spark]"; dev=1; fi

# Chinese fonts for the briefing's charts (the Pillow-drawn chart needs a CJK font; no font is downloaded at run time).
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq || echo "install.sh: apt-get update failed; continuing" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null \
      || echo "install.sh: could not install fonts-noto-cjk; charts in the briefing will be omitted" >&2
  else
    echo "install.sh: no apt-get; install a CJK font (e.g. Noto Sans CJK) for charts in the briefing" >&2
  fi
fi

# Test-only system packages: Debian's Chromium for the Playwright browser tests (Playwright downloads nothing) and
# the PostgreSQL server for the operational-store tests.
if [ -n "$dev" ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    need=""
    [ -x /usr/bin/chromium ] || need="$need chromium"
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
    # Java for the Spark conformance suite (tests/spark; pyspark 4 needs Java 17 or later)
    command -v java >/dev/null 2>&1 || need="$need openjdk-17-jre-headless"
    if [ -n "$need" ]; then
      $SUDO apt-get update -qq || echo "install.sh: apt-get update failed; continuing" >&2
      # shellcheck disable=SC2086
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null \
        || echo "install.sh: could not install$need; browser or PostgreSQL tests will fail in CI" >&2
    fi
  else
    echo "install.sh: no apt-get; install chromium and postgresql for the browser and ops-store tests" >&2
  fi
fi

python -m pip install --upgrade --quiet pip
python -m pip install --quiet -e ".${extras}"
# The package is installed editable (its modules stay in src/), so pip compiles none of them to bytecode as it does
# for a regular install. Compile them now: where Python does not write bytecode at run time (PYTHONDONTWRITEBYTECODE,
# a read-only checkout) every command would otherwise compile each module it imports at its start (≈ 0.1 s for
# `wupian indicators`). A module edited later is compiled again by Python, so a stale file is never used.
python -m compileall -q -j 0 src/wupian >/dev/null
echo "install.sh: wupian $(python -c 'import wupian; print(wupian.__version__)') installed"
