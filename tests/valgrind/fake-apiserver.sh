#!/bin/sh
# fake-apiserver.sh - FAKE_APISERVER for `make valgrind`: $VG_FAKE under
# valgrind.
exec "$(dirname "$0")/vg.sh" "${VG_FAKE:?VG_FAKE must name the fake API server}" "$@"
