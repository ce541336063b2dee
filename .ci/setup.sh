#!/usr/bin/env bash
# Installs what Tock needs, idempotently: a virtualenv (.venv) with Tock, its test tools and Ray,
# a C compiler and the Python headers (for the native DBM kernel, checker/engine/zones/_dbm.c),
# graphviz's `dot` and Chromium (for the browser test of the HTML report) from the OS
# package manager when they are missing.
# Used by the README's two commands (make flagship, make test) and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "tock setup: Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "tock setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; fi

# A C compiler and the Python headers build the native DBM kernel at install time; without
# them Tock installs all the same and its zone engine uses the pure-Python kernel.
has_headers() {
  "$PYTHON" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'
}
if ! command -v cc >/dev/null 2>&1 || ! has_headers; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "tock setup: installing a C compiler and the Python headers with apt-get" >&2
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc libc6-dev python3-dev; } >/dev/null 2>&1; then
      echo "tock setup: could not install gcc and python3-dev; the zone engine will use the" >&2
      echo "            pure-Python DBM kernel (slower). Install them yourself: apt-get install gcc python3-dev" >&2
    fi
  fi
  if ! command -v cc >/dev/null 2>&1 || ! has_headers; then
    echo "tock setup: no C compiler or no Python headers for $("$PYTHON" --version 2>&1):" >&2
    echo "            the zone engine will use the pure-Python DBM kernel (slower)" >&2
  fi
fi

# Reinstall when what the install builds from changed: the package metadata, the native
# kernel's source, whether a compiler is there to build it, or the editable mode.
stamp=.venv/.tock-installed
key="$(cat pyproject.toml setup.py checker/engine/zones/_dbm.c | cksum) cc=$(command -v cc || true) editable=compat"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$key" ]; then
  echo "tock setup: installing Tock, its test tools and Ray (the cluster extra) into .venv" >&2
  # Ray is optional for users (pip install 'tock[cluster]'); the tests of --cluster need it.
  # editable_mode=compat: the install is a .pth line naming this folder; the default mode's
  # import hook loads pathlib (and re, urllib.parse, ...) at every Python start, ~0.02 s of
  # CPU per `tock` run and per test subprocess (docs/performance.md, "Start-up")
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,cluster]' \
    --config-settings editable_mode=compat
  printf '%s' "$key" > "$stamp"
fi

# graphviz's dot draws the SVG pictures; the checker itself runs without it.
if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "tock setup: installing graphviz (dot) with apt-get" >&2
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq graphviz; } >/dev/null 2>&1; then
      echo "tock setup: could not install graphviz; pictures (SVG) will be skipped." >&2
      echo "            Install it yourself: apt-get install graphviz" >&2
    fi
  else
    echo "tock setup: graphviz's dot is missing; install graphviz with your package manager" >&2
    echo "            to get SVG pictures (brew install graphviz, dnf install graphviz, ...)" >&2
  fi
fi

# Chromium opens the HTML report in the browser test (tests/test_browser.py); Tock itself
# never needs it. Debian's package is `chromium`.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "tock setup: installing chromium (for the browser test) with apt-get" >&2
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } >/dev/null 2>&1; then
      echo "tock setup: could not install chromium; the browser test will be skipped." >&2
      echo "            Install it yourself: apt-get install chromium" >&2
    fi
  else
    echo "tock setup: chromium is missing; the browser test of the HTML report will be" >&2
    echo "            skipped (install Chromium with your package manager to run it)" >&2
  fi
fi
