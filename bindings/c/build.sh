#!/usr/bin/env bash
# Builds the C client: generates GDBus bindings from the interface XML with gdbus-codegen,
# then compiles them with the client. Needs Debian's libglib2.0-dev-bin and libglib2.0-dev.
# Usage: bindings/c/build.sh OUT_DIR   (writes OUT_DIR/random-data-c)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR}
mkdir -p "$out"
cd "$out"
gdbus-codegen \
    --interface-prefix com.larry_price.test. \
    --c-namespace RandomData \
    --generate-c-code random-data-generated \
    "$here/../../interfaces/com.larry_price.test.RandomData.xml"
# shellcheck disable=SC2046
gcc -Wall -Wextra -Werror -o random-data-c -I. \
    "$here/random_data_client.c" random-data-generated.c \
    $(pkg-config --cflags --libs gio-2.0 gio-unix-2.0)
