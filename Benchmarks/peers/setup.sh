#!/usr/bin/env bash
# Creates the Python "peer" environment (.build-py/, git-ignored) the benchmarks and interoperability
# tests compare against, with the versions pinned in requirements.txt, and prints its python on stdout.
# The tool itself never needs Python.
#
#   setup.sh              the peers every interoperability test uses (requirements.txt's lines without a group)
#   setup.sh tensorflow   and TensorFlow (CPU build): the CNN parity test and benchmark; it is large, so only on request
#
# When the environment can't be made, the last line on stderr starts with "usv-peers:" and says why: python3 or
# its venv module missing, the package index unreachable, or which package failed to install.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "usv-peers: $*" >&2; exit 1; }
# Tests run in parallel and each may call this: one installs at a time, the others wait and then find it done.
exec 9>"${TMPDIR:-/tmp}/usvkit-peers.lock"
if command -v flock >/dev/null; then flock 9; fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The pinned versions of requirements.txt: the lines without a group, and those of the group asked for.
[ -f requirements.txt ] || fail "requirements.txt is missing from $(pwd)"
packages=()
while read -r requirement rest; do
  case "$requirement" in ''|'#'*) continue ;; esac
  group=$(sed -n 's/.*# *group: *\([A-Za-z0-9_-]*\).*/\1/p' <<< "$rest")
  if [ -z "$group" ] || [ "$group" = "${1:-}" ]; then packages+=("$requirement"); fi
done < requirements.txt

command -v python3 >/dev/null || fail "python3 is not installed (Debian: apt-get install python3 python3-venv)"
if [ ! -x .build-py/bin/python ] || [ ! -x .build-py/bin/pip ]; then
  rm -rf .build-py  # a venv that python3 -m venv left without pip (no ensurepip) is no use
  if ! python3 -m venv .build-py > "$log" 2>&1; then
    rm -rf .build-py
    fail "python3 -m venv failed, python3-venv (the venv module with ensurepip) is missing; \`make deps\` installs it" \
         "(apt-get install python3-venv): $(tail -n 3 "$log" | tr '\n' ' ')"
  fi
fi

# The packages not installed yet (or, where a version is given as name==version, at another version).
mapfile -t missing < <(.build-py/bin/python - "${packages[@]}" <<'PYTHON'
import sys
from importlib import metadata
for requirement in sys.argv[1:]:
    name, _, version = requirement.partition("==")
    try:
        installed = metadata.version(name)
        if not version or installed == version:
            continue
    except metadata.PackageNotFoundError:
        pass
    print(requirement)
PYTHON
)
[ ${#missing[@]} -eq 0 ] && { echo .build-py/bin/python; exit 0; }

pip_install() { .build-py/bin/pip install --quiet --disable-pip-version-check "$@" > "$log" 2>&1; }
unreachable='Temporary failure in name resolution|Name or service not known|Failed to establish a new connection|Network is unreachable|No route to host|Connection refused|Connection reset|timed out|ProxyError|SSLError|Could not fetch URL'
if ! pip_install "${missing[@]}"; then
  if grep -qiE "$unreachable" "$log"; then
    fail "the package index can't be reached (no network?), so pip can't install ${missing[*]}:" \
         "$(grep -m1 -oiE "$unreachable" "$log" | head -n 1)"
  fi
  # One at a time, to name the package that fails.
  for package in "${missing[@]}"; do
    pip_install "$package" || fail "pip install $package failed: $(grep -E 'ERROR|error' "$log" | tail -n 3 | tr '\n' ' ')"
  done
fi
echo .build-py/bin/python
