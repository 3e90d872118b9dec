#!/bin/sh
# Diagnostics of the agent that need no radio, run through `cpe-agent diag` (under qemu-user on a CPE build):
#   diag_check.sh ipping   <dns-address> <agent command…>   IPPing to 127.0.0.1
#   diag_check.sh nslookup <dns-address> <agent command…>   NSLookup at a local dnsmasq listening on <dns-address>
#   diag_check.sh traceroute <address> <agent command…>     TraceRoute to <address> (loopback: one hop, the
#                                                           address itself answering "port unreachable")
#   diag_check.sh download <address> <agent command…>       DownloadDiagnostics() and UploadDiagnostics() from/to
#   diag_check.sh upload   <address> <agent command…>       the tests' HTTP server (tr143_server.py) on <address>
# Exit 77 (CTest SKIP_RETURN_CODE) with the reason when the host cannot run it; 1 with the output on a failure.
kind=$1
addr=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "diag_check: $*" >&2; exit 1; }
skip() { echo "diag_check: skipped: $*" >&2; exit 77; }
case $kind in
ipping)
    out=$("$@" diag 'Device.IP.Diagnostics.IPPing()' Host=127.0.0.1 NumberOfRepetitions=3 Timeout=2000) ||
        fail "cpe-agent diag failed: $out"
    echo "$out"
    if echo "$out" | grep -qx 'Status = Error_Internal' && [ "$(id -u)" -ne 0 ]; then
        skip "no ICMP socket: not root and net.ipv4.ping_group_range excludes our group"
    fi
    echo "$out" | grep -qx 'Status = Complete' || fail "IPPing did not complete"
    echo "$out" | grep -qx 'SuccessCount = 3' || fail "IPPing: not 3 answers from 127.0.0.1"
    ;;
nslookup)
    command -v dnsmasq >/dev/null 2>&1 || skip "no dnsmasq (Debian dnsmasq-base)"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/cpe-diag-dns.XXXXXX")
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null --listen-address="$addr" \
        --bind-interfaces --port=53 --user="$(id -un)" --pid-file="$dir/pid" \
        --address=/host.diag.test/192.0.2.44 >"$dir/log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
    sleep 1
    kill -0 $pid 2>/dev/null || skip "dnsmasq cannot listen on $addr:53: $(cat "$dir/log")"
    out=$("$@" diag 'Device.DNS.Diagnostics.NSLookupDiagnostics()' HostName=host.diag.test DNSServer="$addr") ||
        fail "cpe-agent diag failed: $out"
    echo "$out"
    echo "$out" | grep -qx 'Status = Complete' || fail "NSLookup did not complete"
    echo "$out" | grep -qx 'Result.1.IPAddresses = 192.0.2.44' || fail "NSLookup: not dnsmasq's address"
    echo "$out" | grep -qx "Result.1.DNSServerIP = $addr" || fail "NSLookup: not the server asked"
    ;;
traceroute)
    # UDP probes with rising TTL, the answer read from the socket's error queue (IP_RECVERR, MSG_ERRQUEUE):
    # under qemu-user this also checks that the emulator hands the ICMP error's control message over.
    out=$("$@" diag 'Device.IP.Diagnostics.TraceRoute()' Host="$addr" NumberOfTries=2 Timeout=2000 \
        MaxHopCount=3) || fail "cpe-agent diag failed: $out"
    echo "$out"
    echo "$out" | grep -qx 'Status = Complete' || fail "TraceRoute did not complete"
    echo "$out" | grep -qx 'RouteHops.1.ErrorCode = 0' || fail "TraceRoute: hop 1 is not the destination"
    echo "$out" | grep -qx 'RouteHops.1.RTTimes = [0-9]*,[0-9]*' || fail "TraceRoute: not 2 answers at hop 1"
    echo "$out" | grep -q '^RouteHops.2.' && fail "TraceRoute: more than one hop to a local address"
    echo "$out" | grep -qx "IPAddressUsed = 127.0.0.1\|IPAddressUsed = $addr" ||
        fail "TraceRoute: IPAddressUsed is not a loopback address"
    if [ -n "$CPE_DIAG_EMULATOR" ] && echo "$out" | grep -qx 'RouteHops.1.HostAddress = '; then
        # Everything above ran (probe, error queue, ICMP type and code through the emulator); the hop's address
        # cannot: qemu-user (7.2, and upstream since) translates sock_extended_err but passes a host pointer
        # to host_to_target_sockaddr() for the offender that follows it, so the offender is never written.
        skip "the probes and the destination's answers were checked; the hop address cannot be under" \
            "$CPE_DIAG_EMULATOR: it does not copy IP_RECVERR's offender address (SO_EE_OFFENDER) to the program"
    fi
    echo "$out" | grep -qx "RouteHops.1.HostAddress = $addr" || fail "TraceRoute: hop 1 is not $addr"
    echo "$out" | grep -qx "RouteHops.1.Host = $addr" || fail "TraceRoute: hop 1's Host is not $addr"
    ;;
download | upload)
    command -v python3 >/dev/null 2>&1 || skip "no python3 for the test HTTP server"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/cpe-diag-http.XXXXXX")
    : >"$dir/log"
    python3 "$here/../integration/agent_diag/tr143_server.py" "$addr" 0 >"$dir/log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
    port=
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        port=$(sed -n 's/^ready \([0-9]*\)$/\1/p' "$dir/log")
        [ -n "$port" ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.5
    done
    [ -n "$port" ] || fail "the test HTTP server did not start on $addr: $(cat "$dir/log")"
    length=3000000
    if [ "$kind" = download ]; then
        out=$("$@" diag 'Device.IP.Diagnostics.DownloadDiagnostics()' \
            DownloadURL="http://$addr:$port/bytes/$length" NumberOfConnections=2 \
            EnablePerConnectionResults=true) || fail "cpe-agent diag failed: $out"
        echo "$out"
        echo "$out" | grep -qx 'Status = Complete' || fail "download did not complete"
        echo "$out" | grep -qx "TestBytesReceived = $((2 * length))" || fail "download: not 2 × $length bytes"
        for i in 1 2; do
            echo "$out" | grep -qx "PerConnectionResult.$i.TestBytesReceived = $length" ||
                fail "download: connection $i did not receive $length bytes"
        done
        echo "$out" | grep -qx 'BOMTime = 20[0-9-]*T[0-9:.]*Z' || fail "download: no BOMTime"
    else
        out=$("$@" diag 'Device.IP.Diagnostics.UploadDiagnostics()' \
            UploadURL="http://$addr:$port/upload" TestFileLength=$length) || fail "cpe-agent diag failed: $out"
        echo "$out"
        echo "$out" | grep -qx 'Status = Complete' || fail "upload did not complete"
        echo "$out" | grep -qx "TestBytesSent = $length" || fail "upload: TestBytesSent is not $length"
        # What the server read, not only what the agent says it sent.
        grep -qx "received $length" "$dir/log" || fail "upload: the server did not receive $length bytes: $(cat "$dir/log")"
    fi
    echo "$out" | grep -qx "IPAddressUsed = 127.0.0.1\|IPAddressUsed = $addr" ||
        fail "$kind: IPAddressUsed is not a loopback address"
    ;;
*) fail "unknown check $kind" ;;
esac
