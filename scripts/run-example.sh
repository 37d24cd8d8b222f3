#!/usr/bin/env bash
# Builds and runs the quickstart example: it opens a grid on an embedded
# SQLite file under ./var/ and walks a user through register, verify and
# login. Arguments are passed on to the example.
#
#   bash scripts/run-example.sh
#
# Environment: SEGS_PRESET (default release), SEGS_SKIP_DEPS=1 to skip
# scripts/install-deps.sh, CMAKE_BUILD_PARALLEL_LEVEL (default: nproc).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

preset="${SEGS_PRESET:-release}"
target="segs-quickstart"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"

if [[ "${SEGS_SKIP_DEPS:-0}" != "1" ]]; then
  bash scripts/install-deps.sh
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target "$target"

exe="$(find "build/$preset" -type f -name "$target" -perm -u+x -print -quit)"
if [[ -z "$exe" ]]; then
  echo "run-example.sh: $target was not built under build/$preset" >&2
  exit 1
fi

# The example keeps its database under ./var/ (git-ignored).
mkdir -p var
echo "run-example.sh: running $exe"
exec "$exe" "$@"
