#!/bin/sh
# Checks the production defconfig against a Buildroot tree, offline: loads it
# with the external tree and fails if any of its lines is missing from the
# resulting .config (kconfig drops unknown or unsatisfiable symbols silently).
#   scripts/image-check.sh BUILDROOT_DIR
set -eu
BR=${1:?usage: image-check.sh BUILDROOT_DIR}
REPO=$(cd "$(dirname "$0")/.." && pwd)
EXT="$REPO/buildroot_cfg"
DEFCONFIG="$EXT/configs/callbox_x86_64_defconfig"
[ -f "$BR/Makefile" ] && [ -d "$BR/package" ] || { echo "image-check: $BR is not a Buildroot tree" >&2; exit 2; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/callbox-image-check.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
if ! make -s -C "$BR" O="$OUT" BR2_EXTERNAL="$EXT" callbox_x86_64_defconfig >"$OUT.log" 2>&1; then
    cat "$OUT.log" >&2; rm -f "$OUT.log"
    echo "image-check: loading the defconfig failed" >&2
    exit 1
fi
rm -f "$OUT.log"
missing=0
while IFS= read -r line; do
    case "$line" in
        ""|"#"[!" "]*|"# "[!B]*) continue ;;
    esac
    if ! grep -qxF -- "$line" "$OUT/.config"; then
        sym=$(printf '%s\n' "$line" | sed -n 's/^\(# \)\{0,1\}\(BR2_[A-Za-z0-9_]*\).*/\2/p')
        now=$(grep -E "^(# )?$sym[= ]" "$OUT/.config" || echo "(absent: unknown symbol)")
        echo "image-check: dropped: $line   -> $now" >&2
        missing=$((missing + 1))
    fi
done < "$DEFCONFIG"
# The external tree's override of Buildroot's Asterisk options (external.mk).
opts=$(make -s -C "$BR" O="$OUT" printvars VARS=ASTERISK_CONF_OPTS 2>/dev/null || true)
for want in --with-openr2 --with-spandsp; do
    case "$opts" in
        *"$want"*) ;;
        *) echo "image-check: Asterisk is not configured $want (external.mk)" >&2; missing=$((missing + 1)) ;;
    esac
done
if [ "$missing" -ne 0 ]; then
    echo "image-check: $missing problem(s) with $(basename "$DEFCONFIG"); see above" >&2
    exit 1
fi
echo "image-check: all $(grep -c . "$DEFCONFIG") lines of $(basename "$DEFCONFIG") hold, Asterisk has openr2 and spandsp, with $(cd "$BR" && (git describe --tags 2>/dev/null || make -s print-version 2>/dev/null || echo 'this Buildroot'))"
