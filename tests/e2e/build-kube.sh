#!/usr/bin/env bash
# build-kube.sh - build kube-apiserver and kube-scheduler v1.20 from Debian's
# `kubernetes` source package, once, and cache them with a matching kubectl.
#
# Usage: tests/e2e/build-kube.sh        prints the cache directory on stdout
#
# The cache is ${XDG_CACHE_HOME:-$HOME/.cache}/muster-e2e/<source-version>/
# holding kube-apiserver, kube-scheduler and kubectl. When all three are there
# nothing is downloaded or built. Progress goes to stderr.
#
# Why build: Debian ships no kube-apiserver/kube-scheduler binary package, but
# its source package is the whole upstream tree with vendor/ committed.
# Why swap reflect2: the vendored modern-go/reflect2 v1.0.1 faults under
# Go >= 1.18 (modern-go/reflect2#26); Debian's 1.0.2 does not.
set -euo pipefail

SRC_PKG=kubernetes
SRC_LIST=/etc/apt/sources.list.d/muster-e2e-deb-src.sources
REFLECT2_DIR=/usr/share/gocode/src/github.com/modern-go/reflect2

log() { echo "build-kube: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The version of the source package that built Debian's kubectl: the key.
src_version() {
    apt-cache policy kubernetes-client 2>/dev/null |
        awk '/Candidate:/ { print $2; exit }'
}

# A deb-src twin of Debian's main archive entry, in its own file: the
# existing sources are never edited.
ensure_deb_src() {
    if apt-cache showsrc "$SRC_PKG" 2>/dev/null | grep -q '^Version:'; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "need root to add $SRC_LIST (deb-src)"
    if [ ! -e "$SRC_LIST" ]; then
        local main=/etc/apt/sources.list.d/debian.sources
        if [ -r "$main" ]; then
            # First deb822 stanza (the main archive), Types switched.
            awk 'BEGIN { RS = ""; ORS = "\n" } NR == 1 {
                     sub(/Types: deb\n/, "Types: deb-src\n"); print; exit }' \
                "$main" > "$SRC_LIST"
        elif [ -r /etc/apt/sources.list ]; then
            grep -E '^deb [^[:space:]]' /etc/apt/sources.list |
                grep -v security | sed 's/^deb /deb-src /' > "$SRC_LIST"
            mv "$SRC_LIST" "${SRC_LIST%.sources}.list"
            SRC_LIST="${SRC_LIST%.sources}.list"
        else
            die "no Debian apt source found to derive a deb-src entry from"
        fi
        log "added $SRC_LIST"
    fi
    apt-get update -qq
    apt-cache showsrc "$SRC_PKG" | grep -q '^Version:' ||
        die "apt cannot find source package $SRC_PKG after adding deb-src"
}

# Unpack the source, swap reflect2, run the tree's own make (GOPATH mode).
build_tree() {
    local work=$1 ver=$2 dsc tree
    cd "$work"
    apt-get source -qq --download-only "$SRC_PKG=$ver" >&2
    dsc=$(ls ./*.dsc)
    dpkg-source -q -x "$dsc" src >&2
    tree=$work/src
    [ -d "$REFLECT2_DIR" ] || die "missing $REFLECT2_DIR"
    rm -rf "$tree/vendor/github.com/modern-go/reflect2"
    mkdir -p "$tree/vendor/github.com/modern-go/reflect2"
    find "$REFLECT2_DIR" -maxdepth 1 \( -name '*.go' -o -name '*.s' \) \
        ! -name '*_test.go' -exec cp {} "$tree/vendor/github.com/modern-go/reflect2/" \;
    mkdir -p "$work/home"
    log "building kube-apiserver and kube-scheduler (about 4 min on 2 cores)"
    (cd "$tree" && env -u GOFLAGS HOME="$work/home" GOPROXY=off \
        make WHAT="cmd/kube-apiserver cmd/kube-scheduler") >"$work/build.log" 2>&1 ||
        { tail -30 "$work/build.log" >&2; die "build failed (log: $work/build.log)"; }
}

# kubectl of the same version, unpacked from Debian's kubernetes-client
# package without installing it (another kubectl may own /usr/bin/kubectl).
fetch_kubectl() {
    local work=$1 ver=$2
    (cd "$work" && apt-get download -qq "kubernetes-client=$ver" >&2)
    dpkg-deb -x "$work"/kubernetes-client_*.deb "$work/kc"
    [ -x "$work/kc/usr/bin/kubectl" ] || die "no kubectl in kubernetes-client"
}

main() {
    local root ver dir work
    "$(dirname "$0")/../../scripts/deps.sh" golang-go rsync make dpkg-dev \
        etcd-server golang-github-modern-go-reflect2-dev openssl python3 >&2
    ver=$(src_version)
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        die "apt knows no kubernetes-client"
    fi
    root=${XDG_CACHE_HOME:-$HOME/.cache}/muster-e2e
    dir=$root/$ver
    if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-scheduler" ] &&
        [ -x "$dir/kubectl" ]; then
        echo "$dir"
        return 0
    fi
    mkdir -p "$root"
    # One builder at a time; a second caller waits, then finds the cache.
    exec 9>"$root/.lock"
    flock 9
    if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/kube-scheduler" ] ||
        [ ! -x "$dir/kubectl" ]; then
        ensure_deb_src
        work=$(mktemp -d "$root/build.XXXXXX")
        build_tree "$work" "$ver"
        fetch_kubectl "$work" "$ver"
        mkdir -p "$work/out"
        cp "$work/src/_output/bin/kube-apiserver" \
            "$work/src/_output/bin/kube-scheduler" \
            "$work/kc/usr/bin/kubectl" "$work/out/"
        rm -rf "$dir"
        mv "$work/out" "$dir"
        rm -rf "$work"
        log "cached in $dir"
    fi
    echo "$dir"
}

main "$@"
