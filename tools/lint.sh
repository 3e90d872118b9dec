#!/usr/bin/env bash
# The tree's style and static checks, as CI runs them (docs/ci.md):
#   tools/lint.sh --format        clang-format (root .clang-format) in dry-run: each differing file, exit 1 if any
#   tools/lint.sh --fix-format    rewrite the differing files in place
#   tools/lint.sh --tidy [dir]    clang-tidy (root .clang-tidy) over the programs' translation units (common/,
#                                 agent/, bridge/, hub/, provisioning/) of a configured build (default build/host);
#                                 any finding fails
#   tools/lint.sh                 both checks
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tool() {  # Debian 12 has the unversioned names and the -14 ones
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then echo "$name"
    elif command -v "$name-14" >/dev/null 2>&1; then echo "$name-14"
    else echo "lint.sh: $name not found: apt-get install $name (or run 'toolchains/deps.sh install test')" >&2; exit 2
    fi
}

sources() { git ls-files '*.c' '*.cc' '*.cpp' '*.h' '*.hpp' | grep -v '^tests/fuzz/corpus/'; }

check_format() {
    local cf bad=0 f
    cf=$(tool clang-format)
    while IFS= read -r f; do
        if ! "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
            echo "lint.sh: $f differs from .clang-format (tools/lint.sh --fix-format)"
            bad=$((bad + 1))
        fi
    done < <(sources)
    if [ "$bad" -gt 0 ]; then echo "lint.sh: format: $bad file(s) differ"; return 1; fi
    echo "lint.sh: format: $(sources | wc -l) files match .clang-format"
}

fix_format() {
    local cf
    cf=$(tool clang-format)
    sources | xargs -r "$cf" -i
}

check_tidy() {
    local dir=${1:-build/host} ct db units out rc=0
    ct=$(tool clang-tidy)
    db="$dir/compile_commands.json"
    [ -f "$db" ] || { echo "lint.sh: $db not found: configure first (cmake --preset host)" >&2; return 2; }
    # The programs' own units; gcc-only warning flags are dropped for clang (the tree builds with g++).
    units=$(python3 - "$db" <<'PY'
import json, os, sys
root = os.getcwd() + "/"
for e in json.load(open(sys.argv[1])):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    rel = f[len(root):] if f.startswith(root) else None
    if rel and rel.split("/")[0] in ("common", "agent", "bridge", "hub", "provisioning"):
        print(rel)
PY
)
    out=$(mktemp)
    # shellcheck disable=SC2086
    printf '%s\n' $units | sort -u | xargs -r -P "$(nproc)" -n 4 \
        "$ct" -p "$dir" --quiet --extra-arg=-Wno-unknown-warning-option --warnings-as-errors='*' >"$out" 2>/dev/null || rc=$?
    local findings
    findings=$(grep -cE '(warning|error): .*\[[a-z]' "$out" || true)
    if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
        grep -E '(warning|error): .*\[[a-z]' "$out" | sort -u
        echo "lint.sh: tidy: $findings finding(s) in $(printf '%s\n' $units | wc -l) units"
        rm -f "$out"
        return 1
    fi
    rm -f "$out"
    echo "lint.sh: tidy: $(printf '%s\n' $units | wc -l) units, no finding"
}

case "${1:-all}" in
    --format) check_format ;;
    --fix-format) fix_format ;;
    --tidy) check_tidy "${2:-}" ;;
    all) st=0; check_format || st=1; check_tidy || st=1; exit $st ;;
    -h|--help) sed -n '2,9p' "$0" ;;
    *) echo "lint.sh: unknown option '$1' (--format, --fix-format, --tidy [dir])" >&2; exit 2 ;;
esac
