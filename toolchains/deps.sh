#!/usr/bin/env bash
# The project's one dependency script.
#
#   toolchains/deps.sh install [run|test|all]   apt-get what the host needs (as root; adds deb-src if missing)
#   toolchains/deps.sh check                    says which required command or header is missing, one per line
#   toolchains/deps.sh build <target> <prefix> [toolchain-file]
#        builds static, -Os mbedTLS, libwebsockets (mbedTLS backend), cJSON and protobuf-c from Debian source
#        packages into <prefix>, for the CPE agent; a stamp makes the next call a no-op. <target> is host (the
#        host-cpe preset), armv7, mips, mipsel or aarch64 (CMake calls this at configure time: cmake/deps.cmake).
#
# Host programs (hub, bridge, cpectl, the tests) link Debian's packaged libraries, which 'install' puts there:
# Debian's security updates to libcurl, OpenSSL, net-snmp and libwebsockets reach them. Nothing is built from
# source for them, and no build reads anything this script did not install.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# One source package set for every CPE target: same versions everywhere.
SOURCE_PACKAGES=(mbedtls libwebsockets cjson protobuf-c)
# Bump when build_target's options or toolchains/patches change: prefixes built by an older recipe are rebuilt.
# (2: mbedTLS iPAddress SAN patch; 3: CPE libraries only, libwebsockets never links libcap.)
BUILD_RECIPE=3

# What each set needs. The host programs' libraries are Debian's: libwebsockets (OpenSSL) with its libuv
# event-library plugin, cJSON, protobuf-c, libcurl on OpenSSL, net-snmp, mbedTLS (the bridge's TP-Link crypto
# and the hub's certificate reader), SQLite; libqrencode, cairo and a font for cpe-stickers' sheets. The tests
# decode those sheets back with poppler (pdftoppm), librsvg (rsvg-convert) and zbar (zbarimg).
RUN_PACKAGES=(build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev patch file
              protobuf-c-compiler libsqlite3-dev sqlite3 libssl-dev openssl snmpd snmp
              libwebsockets-dev libwebsockets-evlib-uv libcjson-dev libprotobuf-c-dev libcurl4-openssl-dev
              libsnmp-dev libmbedtls-dev libqrencode-dev libcairo2-dev fonts-dejavu-core
              python3 python3-cryptography libgtest-dev libgmock-dev libbenchmark-dev iproute2 procps dnsmasq-base)
TEST_PACKAGES=(clang libclang-rt-14-dev clang-format clang-tidy qemu-user-static qemu-system-arm qemu-system-mips poppler-utils zbar-tools librsvg2-bin
               g++-arm-linux-gnueabihf g++-mips-linux-gnu g++-mipsel-linux-gnu g++-aarch64-linux-gnu
               valgrind mosquitto chromium xxd curl)

die() { echo "deps.sh: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# step "what" command…: runs a long step with its output in a log, says what it is doing every 20 s (no silent
# minutes) and how long it took; on failure it shows the end of the log and stops.
step() {
    local what=$1
    shift
    local log t0=$SECONDS pid rc=0
    log=$(mktemp "${TMPDIR:-/tmp}/deps-step.XXXXXX")
    echo "deps.sh: $what"
    "$@" >"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        local i
        for i in $(seq 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "deps.sh:   … $((SECONDS - t0)) s: $(tail -n 1 "$log" | tr -d '\r' | cut -c1-110)"
        fi
    done
    wait "$pid" || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        die "$what failed (exit $rc)"
    fi
    rm -f "$log"
    echo "deps.sh:   done in $((SECONDS - t0)) s"
}

enable_deb_src() {
    local changed=0 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        if grep -q '^Types: deb$' "$f"; then as_root sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"; changed=1; fi
    done
    if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list && ! grep -q '^deb-src ' /etc/apt/sources.list; then
        grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | as_root tee -a /etc/apt/sources.list >/dev/null
        changed=1
    fi
    return $changed
}

install_packages() {
    local what=${1:-all}
    local pkgs=("${RUN_PACKAGES[@]}")
    case "$what" in
        run) ;;
        test|all) pkgs+=("${TEST_PACKAGES[@]}") ;;
        *) die "install: unknown set '$what' (run, test or all)" ;;
    esac
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script installs Debian packages (Debian 12)"
    if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
        die "not root and no sudo: run 'toolchains/deps.sh install' as root"
    fi
    enable_deb_src || true
    export DEBIAN_FRONTEND=noninteractive
    step "apt-get update" as_root apt-get update
    local missing=() p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    # Node.js + npm for the browser tests (npm packages are installed by the tests themselves): a machine
    # that already has a node/npm (another distribution's) keeps it; Debian's would conflict with it.
    if [ "$what" != run ] && ! command -v npm >/dev/null 2>&1; then
        missing+=(nodejs npm)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        step "apt-get install: ${#missing[@]} packages (${missing[*]})" \
            as_root apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "deps.sh: every package of the '$what' set is installed"
    fi
    check_installed
}

# One line per missing command or header, naming the package and the command that fixes it; exit 1 if any.
check_installed() {
    local bad=0 c h
    local -A commands=([cmake]=cmake [ninja]=ninja-build [pkg-config]=pkg-config [g++]=g++ [protoc-c]=protobuf-c-compiler
                       [dpkg-source]=dpkg-dev [python3]=python3 [snmpd]=snmpd [openssl]=openssl)
    for c in "${!commands[@]}"; do
        command -v "$c" >/dev/null 2>&1 ||
            { echo "deps.sh: missing command $c: apt-get install ${commands[$c]} (or run 'toolchains/deps.sh install')" >&2; bad=1; }
    done
    local -A headers=([libwebsockets.h]=libwebsockets-dev [cjson/cJSON.h]=libcjson-dev
                      [protobuf-c/protobuf-c.h]=libprotobuf-c-dev [curl/curl.h]=libcurl4-openssl-dev
                      [net-snmp/net-snmp-includes.h]=libsnmp-dev [mbedtls/ssl.h]=libmbedtls-dev
                      [sqlite3.h]=libsqlite3-dev [gtest/gtest.h]=libgtest-dev [benchmark/benchmark.h]=libbenchmark-dev
                      [qrencode.h]=libqrencode-dev [cairo/cairo-pdf.h]=libcairo2-dev)
    local multiarch
    multiarch=$(gcc -print-multiarch 2>/dev/null || true)
    for h in "${!headers[@]}"; do
        [ -f "/usr/include/$h" ] || { [ -n "$multiarch" ] && [ -f "/usr/include/$multiarch/$h" ]; } ||
            { echo "deps.sh: missing header $h: apt-get install ${headers[$h]} (or run 'toolchains/deps.sh install')" >&2; bad=1; }
    done
    return $bad
}

fetch_sources() {
    local src=$1
    shift
    mkdir -p "$src"
    local p
    for p in "$@"; do
        if ! compgen -G "$src/${p}_*.dsc" >/dev/null; then
            (cd "$src" && apt-get source --download-only "$p" >/dev/null 2>&1) ||
                die "apt-get source $p failed: run 'toolchains/deps.sh install' (it adds a deb-src entry) and retry"
        fi
    done
}

# Unpacks <pkg> (with Debian's patches applied) once per build into $work/<pkg>; prints the directory.
unpack() {
    local src=$1 work=$2 pkg=$3
    local dsc
    dsc=$(ls "$src/${pkg}"_*.dsc | head -n1)
    local dir="$work/$pkg"
    if [ ! -d "$dir" ]; then
        dpkg-source --no-check -x "$dsc" "$dir" >/dev/null 2>&1 || die "dpkg-source failed for $dsc"
    fi
    echo "$dir"
}

# Our patches to a package, toolchains/patches/<pkg>-*.patch (each says why at its top).
apply_patches() {
    local dir=$1 pkg=$2 p
    for p in "$here/patches/$pkg"-*.patch; do
        [ -f "$p" ] || continue
        patch -d "$dir" -p1 --quiet --forward <"$p" >/dev/null || die "patch $(basename "$p") does not apply to $dir"
    done
}

# cmake configure + build + install of one library, one progress line per library.
build_library() {
    local name=$1 srcdir=$2 bindir=$3 jobs=$4
    shift 4
    local t0=$SECONDS
    cmake -S "$srcdir" -B "$bindir" "$@" >"$bindir.log" 2>&1 &&
        cmake --build "$bindir" -j "$jobs" >>"$bindir.log" 2>&1 &&
        cmake --install "$bindir" >>"$bindir.log" 2>&1 ||
        { tail -n 30 "$bindir.log" >&2; die "building $name failed (log: $bindir.log)"; }
    echo "deps.sh:   $name built in $((SECONDS - t0)) s"
}

build_target() {
    local target=$1 prefix=$2 toolchain=${3:-}
    case "$target" in host|armv7|mips|mipsel|aarch64) ;; *) die "unknown target '$target'";; esac
    [ -n "$prefix" ] || die "build: missing prefix"
    command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source not found: run 'toolchains/deps.sh install' (package dpkg-dev)"
    command -v cmake >/dev/null 2>&1 || die "cmake not found: run 'toolchains/deps.sh install'"
    mkdir -p "$prefix"
    prefix=$(cd "$prefix" && pwd)
    # Two configures of the same target (two presets, two shells) must not build into one prefix at once.
    exec 9>"$prefix/.lock"
    flock 9
    local packages=("${SOURCE_PACKAGES[@]}")
    local stamp="$prefix/.deps-stamp"
    local want="target=$target toolchain=$(basename "${toolchain:-none}") extra=${CPE_DEPS_CMAKE_ARGS:-} packages=${packages[*]} recipe=$BUILD_RECIPE"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local src
    src=$(dirname "$prefix")/src
    echo "deps.sh: fetching Debian sources of ${packages[*]}"
    fetch_sources "$src" "${packages[@]}"
    # A prefix of an older recipe is removed whole: nothing of it may leak into this one.
    find "$prefix" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
    local work="$prefix/.work"
    mkdir -p "$work"
    local jobs
    jobs=$(nproc)
    local common=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix"
                  -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DBUILD_SHARED_LIBS=OFF
                  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_ROOT_PATH="$prefix")
    if [ -n "$toolchain" ]; then
        common+=(-DCMAKE_TOOLCHAIN_FILE="$toolchain")
    fi
    # CMake passes a vendor SDK's -DCPE_CROSS_PREFIX=… -DCPE_SYSROOT=… here ('|'-separated)
    if [ -n "${CPE_DEPS_CMAKE_ARGS:-}" ]; then
        local extra
        IFS='|' read -r -a extra <<<"$CPE_DEPS_CMAKE_ARGS"
        common+=("${extra[@]}")
    fi
    common+=(-DCMAKE_C_FLAGS_RELEASE="-Os -ffunction-sections -fdata-sections -DNDEBUG")

    local d
    echo "deps.sh: building static libraries for $target into $prefix"
    d=$(unpack "$src" "$work" mbedtls)
    apply_patches "$d" mbedtls
    build_library mbedTLS "$d" "$work/b-mbedtls" "$jobs" "${common[@]}" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
        -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF

    d=$(unpack "$src" "$work" cjson)
    build_library cJSON "$d" "$work/b-cjson" "$jobs" "${common[@]}" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
        -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DCJSON_BUILD_SHARED_LIBS=OFF -DENABLE_TARGET_EXPORT=OFF

    d=$(unpack "$src" "$work" protobuf-c)
    build_library protobuf-c "$d/build-cmake" "$work/b-protobuf-c" "$jobs" "${common[@]}" -DBUILD_PROTOC=OFF -DBUILD_TESTS=OFF

    d=$(unpack "$src" "$work" libwebsockets)
    local tls="$prefix/lib/libmbedtls.a;$prefix/lib/libmbedx509.a;$prefix/lib/libmbedcrypto.a"
    # LWS_HAVE_LIBCAP=0: lws would link libcap wherever the build machine happens to have libcap-dev (Debian's
    # libwebsockets-dev pulls it in), and a static program cannot link its shared library.
    build_library libwebsockets "$d" "$work/b-lws" "$jobs" "${common[@]}" -DLWS_WITH_MBEDTLS=ON -DLWS_WITH_SSL=ON \
        -DLWS_MBEDTLS_INCLUDE_DIRS="$prefix/include" -DLWS_MBEDTLS_LIBRARIES="$tls" \
        -DCMAKE_REQUIRED_INCLUDES="$prefix/include" \
        -DLWS_WITH_SHARED=OFF -DLWS_WITH_STATIC=ON -DLWS_WITHOUT_TESTAPPS=ON -DLWS_WITH_MINIMAL_EXAMPLES=OFF \
        -DLWS_WITHOUT_EXTENSIONS=ON -DLWS_WITH_ZLIB=OFF -DLWS_WITH_LIBUV=OFF -DLWS_WITH_LIBEV=OFF \
        -DLWS_WITH_LIBEVENT=OFF -DLWS_WITH_GLIB=OFF -DLWS_WITH_HTTP2=OFF -DLWS_WITH_SOCKS5=OFF \
        -DLWS_WITH_LEJP=OFF -DLWS_WITH_STRUCT_JSON=OFF -DLWS_WITH_SYS_SMD=OFF -DLWS_IPV6=ON \
        -DLWS_WITH_EXTERNAL_POLL=OFF -DLWS_WITH_DIR=OFF -DLWS_WITH_LWSAC=ON -DLWS_ROLE_MQTT=OFF \
        -DLWS_WITH_SYS_ASYNC_DNS=OFF -DLWS_WITH_CUSTOM_HEADERS=ON -DLWS_WITH_HTTP_STREAM_COMPRESSION=OFF \
        -DLWS_HAVE_LIBCAP=0 -DDISABLE_WERROR=ON
    grep -q '^#define LWS_HAVE_LIBCAP' "$prefix/include/lws_config.h" && die "libwebsockets found libcap despite LWS_HAVE_LIBCAP=0"

    rm -rf "$work"
    local p
    {
        for p in "${packages[@]}"; do basename "$(ls "$src/${p}"_*.dsc | head -n1)" .dsc; done
    } >"$prefix/VERSIONS"
    echo "$want" >"$stamp"
    echo "deps.sh: $target done ($(tr '\n' ' ' <"$prefix/VERSIONS"))"
}

cmd=${1:-}
case "$cmd" in
    install) install_packages "${2:-all}" ;;
    check) check_installed ;;
    build) shift; build_target "$@" ;;
    *) die "usage: deps.sh install [run|test|all] | deps.sh check | deps.sh build <target> <prefix> [toolchain-file]" ;;
esac
