#!/bin/sh
# Names the box model an image is for, so that the supervisor knows the board's I2C sensors and
# front panel (a file of hwprofiles/boxes/; BOX_MODEL in its environment).
#   box-model.sh TARGET_DIR
# The model: CALLBOX_BOX_MODEL, else BR2_PACKAGE_CALLBOX_BOX_MODEL of the Buildroot
# configuration (BR2_CONFIG, as Buildroot gives its post-build scripts). An image without a
# model, or with one hwprofiles/boxes/ does not have, is not made.
set -eu
TARGET=$1
BOARD=$(dirname "$(readlink -f "$0")")
REPO=$(readlink -f "$BOARD/../../..")
MODEL=${CALLBOX_BOX_MODEL:-}
if [ -z "$MODEL" ] && [ -n "${BR2_CONFIG:-}" ]; then
    MODEL=$(sed -n 's/^BR2_PACKAGE_CALLBOX_BOX_MODEL="\(.*\)"$/\1/p' "$BR2_CONFIG")
fi
if [ -z "$MODEL" ]; then
    echo "box-model: no box model: set BR2_PACKAGE_CALLBOX_BOX_MODEL (or CALLBOX_BOX_MODEL)" >&2
    exit 1
fi
case $MODEL in
    *[!a-z0-9-]* | -*) echo "box-model: not a box model's name: $MODEL" >&2; exit 1 ;;
esac
if [ ! -f "$REPO/hwprofiles/boxes/$MODEL.toml" ]; then
    echo "box-model: hwprofiles/boxes/ has no $MODEL.toml (there are: $(cd "$REPO/hwprofiles/boxes" && ls | sed 's/\.toml$//' | tr '\n' ' '))" >&2
    exit 1
fi
mkdir -p "$TARGET/usr/lib/callbox"
# Read by callbox.service (EnvironmentFile).
printf '# The box model this image is for (hwprofiles/boxes/%s.toml).\nBOX_MODEL=%s\n' "$MODEL" "$MODEL" \
    > "$TARGET/usr/lib/callbox/box-model"
