#!/usr/bin/env bash
# The README's main job: builds the example server and starts it on the
# embedded SQLite default (var/segs.db), with mail written to var/mail.jsonl
# and demo users of each role (their credentials are printed once). Stop it
# with Ctrl-C. Arguments are passed on to segs-server (see docs/server.md).
#
#   bash scripts/run-example.sh
#
# Environment: SEGS_PRESET (default release), SEGS_SKIP_DEPS=1 to skip
# scripts/install-deps.sh, CMAKE_BUILD_PARALLEL_LEVEL (default: nproc), and
# every SEGS_* setting of the server (SEGS_LISTEN, SEGS_DB_URL, ...).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

preset="${SEGS_PRESET:-release}"
target="segs-server"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}"

if [[ "${SEGS_SKIP_DEPS:-0}" != "1" ]]; then
  bash scripts/install-deps.sh
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target "$target"

exe="build/$preset/examples/server/$target"
if [[ ! -x "$exe" ]]; then
  echo "run-example.sh: $target was not built at $exe" >&2
  exit 1
fi

# The server keeps its database, signing key and mail under ./var/ (git-ignored).
mkdir -p var
export SEGS_MAIL_SINK="${SEGS_MAIL_SINK:-file:var/mail.jsonl}"
# Two demo regions besides the default one (registrations name a registered
# region or none).
export SEGS_REGIONS="${SEGS_REGIONS:-north:name=North,time_zone=Europe/Berlin,currency=EUR;south:name=South,time_zone=Europe/Madrid,currency=EUR}"
echo "run-example.sh: starting $exe (mail goes to ${SEGS_MAIL_SINK#file:})"
exec "$exe" --seed-demo "$@"
