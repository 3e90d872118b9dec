#!/usr/bin/env bash
# The project's one dependency script.
#
#   toolchains/deps.sh install [run|test|all]   apt-get what the host needs (as root; adds deb-src if missing)
#   toolchains/deps.sh build <target> <prefix> [toolchain-file]
#        builds static mbedTLS, libwebsockets (mbedTLS backend), cJSON and protobuf-c from Debian source
#        packages into <prefix>, and for the host also libcurl (HTTP/HTTPS on that mbedTLS) and net-snmp's
#        client library (the hub and the bridge); a stamp makes the next call a no-op. <target> is host,
#        armv7, mips, mipsel or aarch64 (CMake calls this at configure time; see cmake/deps.cmake).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# One source package set for every target: same versions everywhere.
SOURCE_PACKAGES=(mbedtls libwebsockets cjson protobuf-c)
# The host programs' libraries (hub, bridge): built for the host target only.
HOST_SOURCE_PACKAGES=(curl net-snmp)
# Bump when build_target's options or toolchains/patches change: prefixes built by an older recipe are rebuilt.
# (2: mbedTLS iPAddress SAN patch; the host's curl and net-snmp.)
BUILD_RECIPE=2

die() { echo "deps.sh: $*" >&2; exit 1; }

BACKGROUND_PID=
stop_background() { [ -z "$BACKGROUND_PID" ] || kill -- "-$BACKGROUND_PID" 2>/dev/null || true; }
trap stop_background EXIT
trap 'stop_background; exit 130' INT TERM

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
                protobuf-c-compiler libsqlite3-dev sqlite3 libssl-dev snmpd snmp openssl
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

build_target() {
    local target=$1 prefix=$2 toolchain=${3:-}
    case "$target" in host|armv7|mips|mipsel|aarch64) ;; *) die "unknown target '$target'";; esac
    [ -n "$prefix" ] || die "build: missing prefix"
    mkdir -p "$prefix"
    prefix=$(cd "$prefix" && pwd)
    # Two configures of the same target (two presets, two shells) must not build into one prefix at once.
    exec 9>"$prefix/.lock"
    flock 9
    local packages=("${SOURCE_PACKAGES[@]}")
    [ "$target" != host ] || packages+=("${HOST_SOURCE_PACKAGES[@]}")
    local stamp="$prefix/.deps-stamp"
    local want="target=$target toolchain=$(basename "${toolchain:-none}") extra=${CPE_DEPS_CMAKE_ARGS:-} packages=${packages[*]} recipe=$BUILD_RECIPE"
    # net-snmp carries a copy of OpenSSL's libcrypto.a (below): a libssl-dev update rebuilds the host prefix.
    [ "$target" != host ] || want+=" libssl-dev=$(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || echo none)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local src
    src=$(dirname "$prefix")/src
    fetch_sources "$src" "${packages[@]}"
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
    if [ "$target" = host ]; then
        # net-snmp needs nothing built here, and its configure runs on one core for most of a minute: overlap it
        # with the rest. Its own process group (set -m), stopped as a whole if this script stops first.
        set -m
        build_netsnmp "$src" "$work" "$prefix" "$jobs" >"$work/net-snmp.log" 2>&1 &
        BACKGROUND_PID=$!
        set +m
    fi
    d=$(unpack "$src" "$work" mbedtls)
    apply_patches "$d" mbedtls
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

    if [ "$target" = host ]; then
        build_curl "$src" "$work" "$prefix" "$jobs" "${common[@]}"
        local rc=0
        wait "$BACKGROUND_PID" || rc=$?
        BACKGROUND_PID=
        if [ "$rc" -ne 0 ]; then
            tail -n 30 "$work/net-snmp.log" >&2
            die "net-snmp build failed (log: $work/net-snmp.log)"
        fi
        bundle_netsnmp_crypto "$work" "$prefix"
    fi

    rm -rf "$work"
    local p
    {
        for p in "${packages[@]}"; do basename "$(ls "$src/${p}"_*.dsc | head -n1)" .dsc; done
    } >"$prefix/VERSIONS"
    echo "$want" >"$stamp"
    echo "deps.sh: $target done ($(tr '\n' ' ' <"$prefix/VERSIONS"))"
}

# libcurl and net-snmp for the hub and the bridge (host programs): static and lean, so that a host program maps
# no Debian libcurl (GnuTLS, LDAP, Kerberos, ssh, rtmp…) and no libnetsnmp.so (OpenSSL's whole libcrypto.so).

# libcurl: HTTP and HTTPS only, TLS on the mbedTLS above, threaded resolver, nothing else linked.
build_curl() {
    local src=$1 work=$2 prefix=$3 jobs=$4
    shift 4
    local common=("$@") d
    d=$(unpack "$src" "$work" curl)
    cmake -S "$d" -B "$work/b-curl" "${common[@]}" -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF \
        -DPICKY_COMPILER=OFF -DCURL_ENABLE_SSL=ON -DCURL_USE_MBEDTLS=ON -DCURL_USE_OPENSSL=OFF \
        -DMBEDTLS_INCLUDE_DIRS="$prefix/include" -DMBEDTLS_LIBRARY="$prefix/lib/libmbedtls.a" \
        -DMBEDX509_LIBRARY="$prefix/lib/libmbedx509.a" -DMBEDCRYPTO_LIBRARY="$prefix/lib/libmbedcrypto.a" \
        -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt -DCURL_CA_PATH=none \
        -DENABLE_THREADED_RESOLVER=ON -DENABLE_ARES=OFF -DENABLE_IPV6=ON -DENABLE_UNIX_SOCKETS=OFF \
        -DHTTP_ONLY=ON -DCURL_DISABLE_ALTSVC=ON -DCURL_DISABLE_HSTS=ON -DCURL_DISABLE_NTLM=ON -DCURL_DISABLE_NETRC=ON \
        -DCURL_DISABLE_DOH=ON -DCURL_DISABLE_MIME=ON -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
        -DUSE_LIBIDN2=OFF -DCURL_USE_LIBPSL=OFF -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF \
        -DUSE_NGHTTP2=OFF >/dev/null
    cmake --build "$work/b-curl" -j "$jobs" >/dev/null && cmake --install "$work/b-curl" >/dev/null
}

# net-snmp: the client library only (no agent, applications, MIB files or MIB parser, perl or python), UDP
# transports and USM. Its USM crypto (SHA/MD5 auth, AES/DES priv) is OpenSSL's (bundle_netsnmp_crypto).
# Autoconf, not CMake: configure in the source copy. Runs in the background: its output goes to a log.
build_netsnmp() {
    local src=$1 work=$2 prefix=$3 jobs=$4 d
    d=$(unpack "$src" "$work" net-snmp)
    cd "$d"
    # Debian's patches touch configure.ac; the shipped configure is what we want (NOAUTODEPS: no autoconf).
    ./configure --prefix="$prefix" --libdir="$prefix/lib" --disable-shared --enable-static --with-pic \
        --disable-agent --disable-applications --disable-manuals --disable-scripts --disable-mibs \
        --disable-mib-loading --disable-debugging --disable-deprecated --disable-snmptrapd-subagent \
        --without-perl-modules --disable-embedded-perl --without-python-modules --disable-perl-cc-checks \
        --without-rpm --without-pcre --without-nl --without-libwrap --without-systemd --without-mysql \
        --without-kmem-usage --with-openssl --with-security-modules=usm \
        --with-transports="UDP UDPIPv6" --with-out-transports="TCP TCPIPv6 Unix Alias Callback" \
        --with-defaults --with-logfile=none --with-persistent-directory=/var/lib/snmp \
        CFLAGS="-O2 -DNDEBUG" || return 1
    make NOAUTODEPS=1 -j "$jobs" -C snmplib || return 1
    make NOAUTODEPS=1 installheaders && make NOAUTODEPS=1 -C snmplib installlibs || return 1
    rm -f "$prefix/lib/libnetsnmp.la"
}

bundle_netsnmp_crypto() {
    local work=$1 prefix=$2
    # OpenSSL's libcrypto.a goes inside libnetsnmp.a with its symbols made local: libwebsockets' mbedTLS
    # back-end defines OpenSSL-compatible names (ERR_error_string_n, X509_new, …) that would otherwise clash
    # with libcrypto's own at link time. One relocatable object: all of net-snmp plus the libcrypto members it
    # needs; only net-snmp's global symbols stay global.
    local crypto
    crypto=$(cc -print-file-name=libcrypto.a)
    [ -f "$crypto" ] ||
        die "OpenSSL's static libcrypto.a not found (net-snmp's SNMPv3 crypto): apt-get install libssl-dev"
    nm --defined-only -g "$prefix/lib/libnetsnmp.a" | awk 'NF == 3 { print $3 }' | sort -u >"$work/netsnmp.syms"
    cc -r -nostdlib -o "$work/netsnmp-crypto.o" -Wl,--whole-archive "$prefix/lib/libnetsnmp.a" \
        -Wl,--no-whole-archive "$crypto" || die "prelinking net-snmp with $crypto failed"
    objcopy --keep-global-symbols="$work/netsnmp.syms" "$work/netsnmp-crypto.o" || die "objcopy failed"
    rm -f "$prefix/lib/libnetsnmp.a"
    ar rcs "$prefix/lib/libnetsnmp.a" "$work/netsnmp-crypto.o"
}

cmd=${1:-}
case "$cmd" in
    install) install_packages "${2:-all}" ;;
    build) shift; build_target "$@" ;;
    *) die "usage: deps.sh install [run|test|all] | deps.sh build <target> <prefix> [toolchain-file]" ;;
esac
