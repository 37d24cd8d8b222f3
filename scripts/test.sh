#!/usr/bin/env bash
# The test command: installs missing system packages, configures and builds
# libsegs with a CMake preset, then runs every test with a throwaway
# PostgreSQL cluster up (scripts/with-postgres.sh), so the postgres backend
# runs too. Exits non-zero when anything fails.
#
#   bash scripts/test.sh                  # the `dev` preset
#   SEGS_PRESET=asan bash scripts/test.sh # any preset of CMakePresets.json
#   bash scripts/test.sh -R unit.         # extra arguments go to ctest
#
# Environment: SEGS_PRESET (default dev), SEGS_SKIP_DEPS=1 to skip
# scripts/install-deps.sh, SEGS_SKIP_PYTHON=1 to skip the Python package
# step, CMAKE_BUILD_PARALLEL_LEVEL (default: nproc).
# CI=true is set by the CI environment itself, never here: under CI a
# missing PostgreSQL fails the postgres tests instead of skipping them.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

preset="${SEGS_PRESET:-dev}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"
export CTEST_OUTPUT_ON_FAILURE=1
# Deterministic tool output (messages, sort order) whatever the caller's locale.
export LC_ALL=C.UTF-8

step() { printf '\n==> %s\n' "$*"; }
SECONDS=0

if [[ "${SEGS_SKIP_DEPS:-0}" != "1" ]]; then
  step "dependencies (scripts/install-deps.sh)"
  bash scripts/install-deps.sh
fi

step "configure (cmake --preset $preset)"
cmake --preset "$preset"

step "build (cmake --build --preset $preset, ${CMAKE_BUILD_PARALLEL_LEVEL} jobs)"
cmake --build --preset "$preset"
build_seconds=$SECONDS

if [[ ! -f scripts/with-postgres.sh ]]; then
  echo "test.sh: scripts/with-postgres.sh is missing" >&2
  exit 1
fi

step "test (scripts/with-postgres.sh ctest --preset $preset${*:+ $*})"
log="build/$preset/test.log"
status=0
bash scripts/with-postgres.sh ctest --preset "$preset" "$@" 2>&1 | tee "$log" || status=$?

# The Python package: `pip install .` into a venv under build/ (the wheel's
# CMake tree stays in build/python/, so reinstalls are incremental), the
# stubs checked against the built module, then the pytest suites: the
# package's own (tests/python) and the end-to-end tests of the example server
# (tests/e2e, standard library only; they find the server by SEGS_SERVER_BIN).
py_status=0
py_summary=""
stub_summary=""
if [[ "${SEGS_SKIP_PYTHON:-0}" != "1" ]]; then
  step "python (pip install . into build/venv, mypy.stubtest, pytest)"
  venv="$repo_root/build/venv"
  py_log="build/$preset/pytest.log"
  server_bin="$repo_root/build/$preset/examples/server/segs-server"
  if [[ -x "$server_bin" ]]; then export SEGS_SERVER_BIN="$server_bin"; fi
  python_step() {
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || return 1
    # Build requirements come from PyPI into the venv, and the build runs
    # without isolation so that the persistent CMake tree stays valid.
    # numpy is the package's optional extra (Telemetry's columns and arrays):
    # installed here so that its tests run. websockets is the real WebSocket
    # client of the live channel's end-to-end test (tests/e2e/test_live.py).
    "$venv/bin/python" -m pip install -q "scikit-build-core>=0.11" "pybind11>=3.0" pytest mypy \
      numpy "websockets>=13" || return 1
    local t0=$SECONDS
    echo "test.sh: building the Python module (the first build takes a few minutes)"
    "$venv/bin/python" -m pip install -q --no-build-isolation . || return 1
    echo "test.sh: pip install . took $((SECONDS - t0))s"
    # Run from build/ so that `import segs` finds the installed package only.
    local stub_out
    stub_out="$(cd build && "$venv/bin/python" -m mypy.stubtest \
      --allowlist "$repo_root/bindings/python/stubtest-allowlist.txt" segs 2>&1)" || {
      echo "$stub_out"; stub_summary="$(echo "$stub_out" | tail -n1)"; return 1; }
    echo "$stub_out"
    stub_summary="$(echo "$stub_out" | tail -n1)"
    # The stubs must also type-check real use: the tests and the example.
    "$venv/bin/python" -m mypy --strict --cache-dir build/mypy-cache tests/python examples/python \
      || return 1
  }
  python_step || py_status=1
  if (( py_status == 0 )); then
    # Exit code 5 (no tests collected) is a failure too: there are tests.
    # With a PostgreSQL cluster up, as for ctest: the telemetry tests run on
    # both backends.
    bash scripts/with-postgres.sh "$venv/bin/python" -m pytest -q -p no:cacheprovider \
      tests/python tests/e2e 2>&1 | tee "$py_log" || py_status=$?
    py_summary="$(grep -E '^=*[ ]*[0-9]+ (passed|failed|errors?|skipped)|no tests ran' "$py_log" \
      | tail -n1 | sed -E 's/^=+ //; s/ =+$//' || true)"
  fi
fi

bench_status=0
server_bin="$repo_root/build/$preset/examples/server/segs-server"
if [[ -x "$server_bin" ]]; then
  step "bench smoke (bench/http/load.sh, SMOKE=1: segs-server beside the bare Beast server, every scenario still runs)"
  SMOKE=1 SEGS_SERVER_BIN="$server_bin" bash bench/http/load.sh || bench_status=1
fi

summary="$(grep -E '[0-9]+% tests passed' "$log" | tail -n1 || true)"
echo
echo "test.sh: preset=$preset build=${build_seconds}s total=${SECONDS}s"
if [[ -n "$summary" ]]; then
  echo "test.sh: $summary"
else
  echo "test.sh: ctest printed no summary line (see $log)"
  (( status != 0 )) || status=1
fi
if [[ "${SEGS_SKIP_PYTHON:-0}" != "1" ]]; then
  echo "test.sh: stubtest: ${stub_summary:-did not run}"
  echo "test.sh: pytest: ${py_summary:-did not run (see above)}"
  (( py_status == 0 )) || { echo "test.sh: the Python step failed"; (( status != 0 )) || status=1; }
fi
(( bench_status == 0 )) || { echo "test.sh: the HTTP bench smoke run failed"; (( status != 0 )) || status=1; }
exit "$status"
