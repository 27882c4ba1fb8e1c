#!/usr/bin/env bash
# Build a real Kubernetes control plane (kube-apiserver, kube-controller-manager) and
# unpack etcd, from Debian bookworm's own packages, into labgrade's cache.
#
# Why from source: no registry reachable here ships Kubernetes server binaries, but
# Debian's source package `kubernetes` carries the full tree with `vendor/`, and
# Debian's Go 1.19 builds it offline.  The build takes about 5 minutes on two cores
# and 2.4 GB once; the binaries (225 MB) are cached outside the repository and this
# script exits at once when they are present.  No binary is committed.  apt fetches
# from the machine's own Debian sources (debian-sources.awk), never a host named here.
#
# Usage: infra/kubernetes/build-control-plane.sh [--force]
# Output: $XDG_CACHE_HOME/labgrade/kubernetes/1.20.2/bin/{etcd,kube-apiserver,kube-controller-manager}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"

K8S_UPSTREAM=1.20.2                 # Debian: 1.20.5+really1.20.2 (the 1.20.2 tree)
K8S_DEBIAN_PREFIX="1.20.5+really1.20.2-"
GO=go-1.19
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/labgrade/kubernetes/${K8S_UPSTREAM}"
BIN="$CACHE/bin"
TARGETS=(etcd kube-apiserver kube-controller-manager)

say() { printf '[build-control-plane] %s\n' "$*" >&2; }

have_all() {
    local t
    for t in "${TARGETS[@]}"; do [[ -x "$BIN/$t" ]] || return 1; done
}

if [[ "${1:-}" != "--force" ]] && have_all; then
    say "cached: $BIN"
    exit 0
fi

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# A private apt configuration (with deb-src) under the build folder: the system's apt
# sources and state stay untouched, and nothing is installed.  Its sources are the
# machine's own Debian bookworm entries (a mirror or proxy the machine is set up with
# is respected), each with a deb-src line added; apt.conf.d (proxies, keys) still applies.
mkdir -p apt/lists/partial apt/cache/archives/partial debs root sources.d
eval "$(apt-config shell SYSTEM_LIST Dir::Etc::sourcelist/f SYSTEM_PARTS Dir::Etc::sourceparts/d)"
system_sources=()
[[ -f "${SYSTEM_LIST:-}" ]] && system_sources+=("$SYSTEM_LIST")
for file in "${SYSTEM_PARTS:-/etc/apt/sources.list.d/}"*.list "${SYSTEM_PARTS:-/etc/apt/sources.list.d/}"*.sources; do
    [[ -f "$file" ]] && system_sources+=("$file")
done
if ((${#system_sources[@]} == 0)) || ! awk -v suite=bookworm -v component=main \
        -f "$HERE/debian-sources.awk" "${system_sources[@]}" >sources.d/debian.sources; then
    say "apt on this machine has no source for Debian bookworm main (looked in: ${system_sources[*]:-none});"
    say "add one (e.g. in /etc/apt/sources.list.d/) and run this again"
    exit 1
fi
APT=(apt-get -q
     -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$WORK/sources.d"
     -o "Dir::State=$WORK/apt" -o "Dir::State::Lists=$WORK/apt/lists"
     -o "Dir::Cache=$WORK/apt/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

say "fetching Debian package lists"
"${APT[@]}" update >apt.log 2>&1 || { cat apt.log >&2; exit 1; }

say "fetching source kubernetes, golang-1.19 and etcd-server"
"${APT[@]}" source --download-only kubernetes >>apt.log 2>&1 || { cat apt.log >&2; exit 1; }
(cd debs && "${APT[@]}" download golang-1.19-go golang-1.19-src etcd-server >>../apt.log 2>&1) \
    || { cat apt.log >&2; exit 1; }
dsc="$(echo kubernetes_*.dsc)"
version="${dsc#kubernetes_}" version="${version%.dsc}"
if [[ "$version" != "$K8S_DEBIAN_PREFIX"* ]]; then
    say "bookworm's kubernetes source is '$version', expected ${K8S_DEBIAN_PREFIX}*; update this script"
    exit 1
fi
for deb in debs/*.deb; do dpkg -x "$deb" root; done

# The upstream tree only (the .orig tarball): Debian's patches touch kubectl's
# printing, not the servers, and plain tar needs no dpkg-dev.
mkdir -p gopath/src/k8s.io/kubernetes
tar -xzf kubernetes_*.orig.tar.gz -C gopath/src/k8s.io/kubernetes --strip-components=1
SRC="$WORK/gopath/src/k8s.io/kubernetes"

export GOROOT="$WORK/root/usr/lib/$GO"
export PATH="$GOROOT/bin:$PATH"
export GOPATH="$WORK/gopath" GO111MODULE=off CGO_ENABLED=0
export GOCACHE="$WORK/gocache"   # GOPATH mode resolves imports through vendor/
cd "$SRC"

# The one generated file the tarball lacks: the OpenAPI definitions of the core
# types.  Its inputs are the packages tagged +k8s:openapi-gen, found the way the
# upstream Makefile.generated_files finds them (staging named through vendor/).
say "generating pkg/generated/openapi (vendored openapi-gen)"
go build -o "$WORK/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
openapi_dirs="$(
    find -H . -not \( \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune \) \
         -type f -name '*.go' -print0 \
    | xargs -0 grep -l --color=never '^// *+k8s:' \
    | xargs grep -l --color=never '+k8s:openapi-gen=' \
    | sed -e 's|^\./staging/src|vendor|' -e 's|^\./||' -e 's|/[^/]*$||' \
    | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' \
    | LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -
)"
"$WORK/openapi-gen" --logtostderr=false \
    --input-dirs "$openapi_dirs" \
    --output-package k8s.io/kubernetes/pkg/generated/openapi \
    --output-base "$GOPATH/src" \
    --output-file-base zz_generated.openapi \
    --go-header-file hack/boilerplate/boilerplate.generatego.txt \
    --report-filename "$WORK/openapi-violations.txt"

ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X k8s.io/kubernetes/vendor/$pkg.gitVersion=v$K8S_UPSTREAM"
    ldflags+=" -X k8s.io/kubernetes/vendor/$pkg.gitMajor=1 -X k8s.io/kubernetes/vendor/$pkg.gitMinor=20"
    ldflags+=" -X k8s.io/kubernetes/vendor/$pkg.gitTreeState=clean"
done
mkdir -p "$WORK/out"
for cmd in kube-apiserver kube-controller-manager; do
    say "building $cmd (several minutes)"
    go build -trimpath -ldflags "$ldflags" -o "$WORK/out/$cmd" "./cmd/$cmd"
done
cp "$WORK/root/usr/bin/etcd" "$WORK/out/etcd"

rm -rf "$BIN"
mv "$WORK/out" "$BIN"
{
    echo "kubernetes $version (source)"
    echo "go $("$GOROOT/bin/go" version | awk '{print $3}')"
    echo "etcd $("$BIN/etcd" --version | awk '/etcd Version/ {print $3}')"
} >"$CACHE/VERSIONS"
say "built: $BIN ($(du -sh "$BIN" | cut -f1))"
