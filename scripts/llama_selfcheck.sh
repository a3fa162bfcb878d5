#!/usr/bin/env bash
# Generate one token with the installed llama.cpp (make install runs this). pip's wheel cache
# is keyed by the sdist, not by CMAKE_ARGS, so a wheel cached from a build that crashes on this
# CPU (-march=native AMX code on a virtual CPU that lists AMX but may not use it) would be
# reused for ever: when llama.cpp dies of a signal, drop that wheel and build it once more
# with the caller's CMAKE_ARGS. Any other failure (no model yet, a bad setting) only warns.
set -uo pipefail
BIN=${1:?usage: llama_selfcheck.sh VENV_BIN}
"$BIN/python" -m bot.llm.selfcheck
rc=$?
if [ "$rc" -lt 128 ]; then
  [ "$rc" -eq 0 ] || echo "warning: the model self-check failed (exit $rc); see 'warta doctor'" >&2
  exit 0
fi
echo "llama.cpp crashed (signal $((rc - 128))): rebuilding it with CMAKE_ARGS=$CMAKE_ARGS" >&2
pin=$(grep -o '"llama-cpp-python==[^"]*"' pyproject.toml | head -1 | tr -d '"')
"$BIN/pip" cache remove 'llama_cpp_python*' || true
"$BIN/pip" install --force-reinstall --no-deps "$pin" && "$BIN/python" -m bot.llm.selfcheck
