#!/usr/bin/env bash
# Serves the real Ollama that setup.sh installed, on a free loopback port, with its model store under
# .cache/ollama-models, and creates the project's three models there once. Prints the address and the
# server's PID, then returns; the server keeps running until stopped by that PID:
#
#   eval "$(bash scripts/real-ollama/start.sh)"     # sets OLLAMA_HOST and OLLAMA_PID
#   curl "http://$OLLAMA_HOST/api/tags"
#   bash scripts/real-ollama/start.sh --stop "$OLLAMA_PID"    # or: kill "$OLLAMA_PID"
#
# Only the two OLLAMA_HOST= / OLLAMA_PID= lines go to stdout; progress goes to stderr. A model is
# created again only when /api/tags lacks it or shows another digest than the one recorded when this
# script last created it from the same Modelfile and weights (.cache/ollama-models/.rlm-created/).
# Exits non-zero, with the server stopped and the tail of its log shown, on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/.cache"
binary="$cache/bin/ollama"
models_dir="$cache/ollama-models"
stamps="$models_dir/.rlm-created"

say() { echo "start: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  say "pid $pid still running after 10 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

if [ "${1:-}" = "--stop" ]; then
  [ -n "${2:-}" ] || fail "usage: start.sh --stop PID"
  [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "ollama" ] || fail "pid $2 is not an ollama process"
  stop_pid "$2"
  say "stopped pid $2"
  exit 0
fi

[ -x "$binary" ] || fail "no Ollama at $binary: run bash scripts/real-ollama/setup.sh first"
(cd "$cache/weights" 2>/dev/null && sha256sum --quiet -c "$here/weights.sha256" >/dev/null 2>&1) \
  || fail "the weights under .cache/weights are missing or differ from weights.sha256: run bash scripts/real-ollama/setup.sh"

# name, Modelfile: the models rlm's real-model runs use.
models=(
  "smollm2:135m Modelfile.smollm2"
  "gemma3:270m Modelfile.gemma3"
  "all-minilm:l6-v2 Modelfile.minilm"
)

mkdir -p "$cache/logs" "$models_dir" "$stamps"
log="$cache/logs/ollama-serve-$(date +%Y%m%d-%H%M%S)-$$.log"
t0=$(date +%s%N)
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# Port 0: the kernel picks a free port and Ollama logs which one ("Listening on 127.0.0.1:N"), so two
# servers started at once cannot race for the same port. setsid: the server outlives this script and
# a Ctrl-C in the caller's terminal does not reach it; it stops only when its PID is signalled.
# OLLAMA_NO_CLOUD exists from v0.12 on; older versions ignore unknown variables.
OLLAMA_HOST=127.0.0.1:0 \
OLLAMA_MODELS="$models_dir" \
OLLAMA_NUM_PARALLEL=1 \
OLLAMA_KEEP_ALIVE=-1 \
OLLAMA_MAX_LOADED_MODELS=3 \
OLLAMA_CONTEXT_LENGTH=2048 \
OLLAMA_NO_CLOUD=1 \
  setsid "$binary" serve >"$log" 2>&1 </dev/null &
pid=$!

on_error() {
  say "log tail ($log):"
  tail -n 20 "$log" >&2 || true
  stop_pid "$pid"
}
trap on_error ERR

host=""
for _ in $(seq 600); do
  host="$(sed -n 's/.*Listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$log" | head -n 1)"
  [ -n "$host" ] && break
  kill -0 "$pid" 2>/dev/null || { on_error; trap - ERR; fail "ollama serve exited before listening"; }
  sleep 0.1
done
[ -n "$host" ] || { on_error; trap - ERR; fail "ollama serve did not listen within 60 s"; }
version=""
for _ in $(seq 300); do
  version="$(curl -sf "http://$host/api/version" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>/dev/null || true)"
  [ -n "$version" ] && break
  sleep 0.1
done
[ -n "$version" ] || { on_error; trap - ERR; fail "http://$host/api/version did not answer within 30 s"; }
say "Ollama $version listening on $host (pid $pid) after $(ms_since "$t0") ms; log: $log"

digest_of() { # name -> digest in /api/tags, or empty
  curl -sf "http://$host/api/tags" | python3 -c '
import json, sys
name = sys.argv[1]
for model in json.load(sys.stdin)["models"]:
    if model["name"] == name:
        print(model["digest"])' "$1"
}

for entry in "${models[@]}"; do
  read -r name modelfile <<<"$entry"
  # What the model is made from: the Modelfile, the pinned weights and the Ollama version.
  key="$(cat "$here/$modelfile" "$here/weights.sha256" <(echo "$version") | sha256sum | cut -d' ' -f1)"
  stamp="$stamps/${name//[:\/]/_}"
  current="$(digest_of "$name")"
  if [ -n "$current" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key $current" ]; then
    say "$name: present (digest ${current:0:12})"
    continue
  fi
  t1=$(date +%s%N)
  # The Modelfiles' FROM lines are relative to the Modelfile (ollama create resolves them so), which
  # keeps machine paths out of the repository.
  OLLAMA_HOST="$host" "$binary" create "$name" -f "$here/$modelfile" >"$log.create" 2>&1 \
    || { cat "$log.create" >&2; on_error; trap - ERR; fail "ollama create $name -f $modelfile"; }
  current="$(digest_of "$name")"
  [ -n "$current" ] || { on_error; trap - ERR; fail "$name missing from /api/tags after create"; }
  echo "$key $current" >"$stamp"
  say "$name: created from $modelfile in $(ms_since "$t1") ms (digest ${current:0:12})"
done
rm -f "$log.create"
trap - ERR

say "ready after $(ms_since "$t0") ms; stop with: kill $pid   (or bash scripts/real-ollama/start.sh --stop $pid)"
echo "OLLAMA_HOST=$host"
echo "OLLAMA_PID=$pid"
