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
# scripts/install-deps.sh, CMAKE_BUILD_PARALLEL_LEVEL (default: nproc).
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

summary="$(grep -E '[0-9]+% tests passed' "$log" | tail -n1 || true)"
echo
echo "test.sh: preset=$preset build=${build_seconds}s total=${SECONDS}s"
if [[ -n "$summary" ]]; then
  echo "test.sh: $summary"
else
  echo "test.sh: ctest printed no summary line (see $log)"
  (( status != 0 )) || status=1
fi
exit "$status"
