#!/usr/bin/env bash
# The project's one dependency script.
#
#   toolchains/deps.sh install [run|test|all]   apt-get what the host needs (as root; adds deb-src if missing)
#   toolchains/deps.sh build <target> <prefix> [toolchain-file]
#        builds static mbedTLS, libwebsockets (mbedTLS backend), cJSON and protobuf-c from Debian source
#        packages into <prefix>; a stamp makes the next call a no-op. <target> is host, armv7, mips,
#        mipsel or aarch64 (CMake calls this at configure time; see cmake/deps.cmake).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# One source package set for every target: same versions everywhere.
SOURCE_PACKAGES=(mbedtls libwebsockets cjson protobuf-c)
# Bump when build_target's options change: prefixes built by an older recipe are rebuilt.
BUILD_RECIPE=1

die() { echo "deps.sh: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

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
    local base=(build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev
                protobuf-c-compiler libsqlite3-dev sqlite3 libcurl4-openssl-dev libsnmp-dev snmpd snmp openssl
                python3 python3-cryptography libgtest-dev libgmock-dev libbenchmark-dev)
    local test=(clang libclang-rt-14-dev qemu-user-static
                g++-arm-linux-gnueabihf g++-mips-linux-gnu g++-mipsel-linux-gnu g++-aarch64-linux-gnu
                valgrind mosquitto chromium xxd)
    local pkgs=("${base[@]}")
    case "$what" in
        run) ;;
        test|all) pkgs+=("${test[@]}") ;;
        *) die "install: unknown set '$what' (run, test or all)" ;;
    esac
    enable_deb_src || true
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "deps.sh: installing ${missing[*]}"
        as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # Node.js + npm for the browser tests (npm packages are installed by the tests themselves): a machine
    # that already has a node/npm (another distribution's) keeps it; Debian's would conflict with it.
    if [ "$what" != run ] && ! command -v npm >/dev/null 2>&1; then
        as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
    fi
}

fetch_sources() {
    local src=$1
    mkdir -p "$src"
    local p
    for p in "${SOURCE_PACKAGES[@]}"; do
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

build_target() {
    local target=$1 prefix=$2 toolchain=${3:-}
    case "$target" in host|armv7|mips|mipsel|aarch64) ;; *) die "unknown target '$target'";; esac
    [ -n "$prefix" ] || die "build: missing prefix"
    mkdir -p "$prefix"
    prefix=$(cd "$prefix" && pwd)
    # Two configures of the same target (two presets, two shells) must not build into one prefix at once.
    exec 9>"$prefix/.lock"
    flock 9
    local stamp="$prefix/.deps-stamp"
    local want="target=$target toolchain=$(basename "${toolchain:-none}") extra=${CPE_DEPS_CMAKE_ARGS:-} packages=${SOURCE_PACKAGES[*]} recipe=$BUILD_RECIPE"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local src
    src=$(dirname "$prefix")/src
    fetch_sources "$src"
    local work="$prefix/.work"
    rm -rf "$work" && mkdir -p "$work"
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
    local opt="-O2"
    [ "$target" = host ] || opt="-Os -ffunction-sections -fdata-sections"
    common+=(-DCMAKE_C_FLAGS_RELEASE="$opt -DNDEBUG")

    local d
    echo "deps.sh: building static libraries for $target into $prefix"
    d=$(unpack "$src" "$work" mbedtls)
    cmake -S "$d" -B "$work/b-mbedtls" "${common[@]}" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
        -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DMBEDTLS_FATAL_WARNINGS=OFF >/dev/null
    cmake --build "$work/b-mbedtls" -j "$jobs" >/dev/null && cmake --install "$work/b-mbedtls" >/dev/null

    d=$(unpack "$src" "$work" cjson)
    cmake -S "$d" -B "$work/b-cjson" "${common[@]}" -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
        -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DCJSON_BUILD_SHARED_LIBS=OFF -DENABLE_TARGET_EXPORT=OFF >/dev/null
    cmake --build "$work/b-cjson" -j "$jobs" >/dev/null && cmake --install "$work/b-cjson" >/dev/null

    d=$(unpack "$src" "$work" protobuf-c)
    cmake -S "$d/build-cmake" -B "$work/b-protobuf-c" "${common[@]}" -DBUILD_PROTOC=OFF -DBUILD_TESTS=OFF >/dev/null
    cmake --build "$work/b-protobuf-c" -j "$jobs" >/dev/null && cmake --install "$work/b-protobuf-c" >/dev/null

    d=$(unpack "$src" "$work" libwebsockets)
    local tls="$prefix/lib/libmbedtls.a;$prefix/lib/libmbedx509.a;$prefix/lib/libmbedcrypto.a"
    cmake -S "$d" -B "$work/b-lws" "${common[@]}" -DLWS_WITH_MBEDTLS=ON -DLWS_WITH_SSL=ON \
        -DLWS_MBEDTLS_INCLUDE_DIRS="$prefix/include" -DLWS_MBEDTLS_LIBRARIES="$tls" \
        -DCMAKE_REQUIRED_INCLUDES="$prefix/include" \
        -DLWS_WITH_SHARED=OFF -DLWS_WITH_STATIC=ON -DLWS_WITHOUT_TESTAPPS=ON -DLWS_WITH_MINIMAL_EXAMPLES=OFF \
        -DLWS_WITHOUT_EXTENSIONS=ON -DLWS_WITH_ZLIB=OFF -DLWS_WITH_LIBUV=OFF -DLWS_WITH_LIBEV=OFF \
        -DLWS_WITH_LIBEVENT=OFF -DLWS_WITH_GLIB=OFF -DLWS_WITH_HTTP2=OFF -DLWS_WITH_SOCKS5=OFF \
        -DLWS_WITH_LEJP=OFF -DLWS_WITH_STRUCT_JSON=OFF -DLWS_WITH_SYS_SMD=OFF -DLWS_IPV6=ON \
        -DLWS_WITH_EXTERNAL_POLL=OFF -DLWS_WITH_DIR=OFF -DLWS_WITH_LWSAC=ON -DLWS_ROLE_MQTT=OFF \
        -DLWS_WITH_SYS_ASYNC_DNS=OFF -DLWS_WITH_CUSTOM_HEADERS=ON -DLWS_WITH_HTTP_STREAM_COMPRESSION=OFF \
        -DDISABLE_WERROR=ON >/dev/null
    cmake --build "$work/b-lws" -j "$jobs" >/dev/null && cmake --install "$work/b-lws" >/dev/null

    rm -rf "$work"
    {
        for p in "${SOURCE_PACKAGES[@]}"; do basename "$(ls "$src/${p}"_*.dsc | head -n1)" .dsc; done
    } >"$prefix/VERSIONS"
    echo "$want" >"$stamp"
    echo "deps.sh: $target done ($(tr '\n' ' ' <"$prefix/VERSIONS"))"
}

cmd=${1:-}
case "$cmd" in
    install) install_packages "${2:-all}" ;;
    build) shift; build_target "$@" ;;
    *) die "usage: deps.sh install [run|test|all] | deps.sh build <target> <prefix> [toolchain-file]" ;;
esac
