#!/bin/sh
# muster.sh - MUSTER_BIN for `make valgrind`: $VG_MUSTER under valgrind.
exec "$(dirname "$0")/vg.sh" "${VG_MUSTER:?VG_MUSTER must name muster}" "$@"
