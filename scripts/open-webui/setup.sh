#!/usr/bin/env bash
# Installs Open WebUI from PyPI into a Python 3.11 virtual environment in the per-user cache, keyed
# by the pinned version, so a fresh clone on the same machine (CI's case) finds it in place and this
# script takes a second. Idempotent: a complete install leaves a marker, checked before anything else.
# Starts nothing: test/browser/open-webui.test.ts starts Open WebUI in front of rlm.
#
#   bash scripts/open-webui/setup.sh
#
# Set RLM_PYTHON to a Python 3.11 or 3.12 interpreter if python3.11 is not on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# The pin lives in ./version, which test/support/open-webui.ts reads too.
OPEN_WEBUI_VERSION="${RLM_OPEN_WEBUI_VERSION:-$(cat "$here/version")}"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/rlm/open-webui-$OPEN_WEBUI_VERSION"
marker="$venv/.rlm-installed"

step_started=0
step() { step_started=$(date +%s); echo "setup: $*"; }
done_step() { echo "setup:   done in $(( $(date +%s) - step_started )) s"; }
fail() { echo "setup: FAILED: $*" >&2; exit 1; }

step "Open WebUI $OPEN_WEBUI_VERSION in $venv"
if [ -f "$marker" ] && [ -x "$venv/bin/open-webui" ] \
  && "$venv/bin/python" -c "import importlib.metadata as m; assert m.version('open-webui') == '$OPEN_WEBUI_VERSION'" 2>/dev/null; then
  echo "setup:   already installed ($(du -sh "$venv" | cut -f1))"
  done_step
  exit 0
fi

python="${RLM_PYTHON:-$(command -v python3.11 || true)}"
[ -n "$python" ] || fail "Python 3.11 is needed (open-webui $OPEN_WEBUI_VERSION requires >=3.11,<3.13): install it or set RLM_PYTHON"
"$python" -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), sys.version' \
  || fail "$python is not Python 3.11 or 3.12"

# The install is a few GB (torch with its CUDA wheels comes from PyPI), so say early when it cannot fit.
mkdir -p "$(dirname "$venv")"
echo "setup:   disk where it goes:"
df -h "$(dirname "$venv")" | sed 's/^/setup:     /'
free_kb=$(df -Pk "$(dirname "$venv")" | awk 'NR == 2 { print $4 }')
[ "$free_kb" -gt $(( 12 * 1024 * 1024 )) ] || fail "less than 12 GB free under $(dirname "$venv")"

# A half-finished install (an interrupted pip) has no marker: start it again from an empty venv.
rm -rf "$venv"
"$python" -m venv "$venv" || fail "$python -m venv $venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip || fail "upgrading pip in $venv"
echo "setup:   pip install open-webui==$OPEN_WEBUI_VERSION (the first time about 3 minutes and 7.3 GB, most of it torch and its CUDA wheels)"
log="$venv.pip.log"
if ! "$venv/bin/python" -m pip install --progress-bar off "open-webui==$OPEN_WEBUI_VERSION" 2>&1 \
  | tee "$log" | grep --line-buffered -E '^(Collecting|Successfully installed)' | sed -u 's/^/setup:     /'; then
  tail -n 30 "$log" | sed 's/^/setup:     /' >&2
  fail "pip install open-webui==$OPEN_WEBUI_VERSION (the whole output is in $log)"
fi
[ -x "$venv/bin/open-webui" ] || fail "pip finished but $venv/bin/open-webui is missing"
"$venv/bin/python" -c "import importlib.metadata as m; assert m.version('open-webui') == '$OPEN_WEBUI_VERSION'" \
  || fail "open-webui $OPEN_WEBUI_VERSION is not what got installed"
touch "$marker"
echo "setup:   installed: $(du -sh "$venv" | cut -f1)"
done_step
echo "setup: ready. npm run test:browser starts it in front of rlm."
