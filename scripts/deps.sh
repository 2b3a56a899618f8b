#!/bin/sh
# deps.sh - install the Debian packages muster needs to build and test,
# and only those that are missing. Called by `make test`.
set -eu

# libgnutls28-dev: muster checks --tls-cert/--tls-key and callers' client
# certificates with GnuTLS, the TLS library Debian's libmicrohttpd uses;
# openssl: the TLS tests make their certificates with it.
pkgs="gcc make pkg-config libmicrohttpd-dev libcjson-dev libcurl4-openssl-dev \
libcriterion-dev libyaml-dev libgnutls28-dev openssl"
[ $# -gt 0 ] && pkgs="$pkgs $*"

missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "muster: missing Debian packages:$missing" >&2
    echo "muster: run as root, or: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "muster: installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine.
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing
