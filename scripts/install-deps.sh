#!/usr/bin/env bash
# Installs every system package libsegs needs to build, test and run its
# examples, on Debian 12 (bookworm) and Ubuntu 24.04 (noble), with apt-get.
#
#   scripts/install-deps.sh            install what is missing (no-op when
#                                      everything is already installed)
#   scripts/install-deps.sh --force    run apt-get update + install anyway
#   scripts/install-deps.sh --print    print the package list and exit
#
# Uses sudo only when not running as root.
set -euo pipefail

force=0
print_only=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --print) print_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps.sh: apt-get not found; this script supports Debian 12 and Ubuntu 24.04." >&2
  echo "install-deps.sh: needed: a C++20 compiler, CMake >= 3.25, Ninja, pkg-config, Boost >= 1.81 (json, url)," >&2
  echo "                 SQLite 3, libpq, libsodium, doctest, PostgreSQL server, Python 3 dev + venv, pybind11," >&2
  echo "                 libharu (PDF invoices; or -DSEGS_WITH_PDF=OFF) and pdftotext (poppler) for its test." >&2
  exit 1
fi

os_id=""
os_version=""
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  os_id="${ID:-}"
  os_version="${VERSION_ID:-}"
fi

# Boost >= 1.81 with Boost.JSON and Boost.URL. Debian 12's default Boost is
# 1.74 (no URL), so it needs the versioned 1.81 packages, which conflict with
# libboost-dev; Ubuntu 24.04's default (1.83) is recent enough.
boost_packages() {
  if [[ "$os_id" == "debian" && "$os_version" == "12" ]]; then
    echo "libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev"
    return
  fi
  if [[ "$os_id" == "ubuntu" && "$os_version" == "24.04" ]]; then
    echo "libboost-dev libboost-json-dev libboost-url-dev"
    return
  fi
  # Elsewhere: the unversioned packages when the distribution's default Boost
  # has URL (>= 1.81), otherwise the newest versioned 1.8x/1.9x set.
  if apt-cache show libboost-url-dev >/dev/null 2>&1; then
    echo "libboost-dev libboost-json-dev libboost-url-dev"
    return
  fi
  local v
  v="$(apt-cache pkgnames libboost-url1. 2>/dev/null \
        | sed -n 's/^libboost-url\(1\.[0-9]*\)-dev$/\1/p' | sort -t. -k2,2n | tail -n1)"
  if [[ -n "$v" ]]; then
    echo "libboost${v}-dev libboost-json${v}-dev libboost-url${v}-dev"
    return
  fi
  # Unknown distribution with no candidate: try the defaults and let apt-get
  # report what is missing.
  echo "libboost-dev libboost-json-dev libboost-url-dev"
}

packages=(
  g++ cmake ninja-build pkg-config
  $(boost_packages)
  libsqlite3-dev libpq-dev libsodium-dev
  libhowardhinnant-date-dev tzdata   # IANA time zones of regions
  doctest-dev
  libhpdf-dev      # PDF invoices (SEGS_WITH_PDF, on by default)
  poppler-utils    # pdftotext: tests/unit/test_invoice_pdf.cpp reads the invoices back
  postgresql
  python3 python3-venv python3-dev pybind11-dev
  wrk curl   # bench/http/load.sh (its smoke run is part of scripts/test.sh)
)

if (( print_only )); then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if (( ! force )) && (( ${#missing[@]} == 0 )); then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps.sh: not root and sudo is not available; install as root: ${missing[*]:-${packages[*]}}" >&2
    exit 1
  fi
  sudo_cmd=(sudo)
fi

if (( force )); then
  missing=("${packages[@]}")
fi
echo "install-deps.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
