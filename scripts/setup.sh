# Sourced by demo.sh and test.sh: make sure .venv exists and holds this checkout installed
# (with the extras given as $1). Re-installs only when pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CITYSIM_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
EXTRAS="${1:-}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else echo "error: '$*' needs root (or sudo)" >&2; exit 1
    fi
}

apt_install() {
    echo "installing $* with apt-get ..." >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: citysim needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV ..." >&2
    if ! "$PY" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"  # Debian's python3 needs python3-venv for ensurepip
        apt_install python3-venv
        "$PY" -m venv "$VENV"
    fi
fi
STAMP="$VENV/.citysim-installed"
WANT="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16) [$EXTRAS] $ROOT"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
    echo "installing citysim${EXTRAS:+[$EXTRAS]} into $VENV ..." >&2
    TARGET="$ROOT"
    [ -n "$EXTRAS" ] && TARGET="$ROOT[$EXTRAS]"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$TARGET"
    echo "$WANT" > "$STAMP"
fi
