#!/bin/sh
# Diagnostics of the agent that need no radio, run through `cpe-agent diag` (under qemu-user on a CPE build):
#   diag_check.sh ipping   <dns-address> <agent command…>   IPPing to 127.0.0.1
#   diag_check.sh nslookup <dns-address> <agent command…>   NSLookup at a local dnsmasq listening on <dns-address>
# Exit 77 (CTest SKIP_RETURN_CODE) with the reason when the host cannot run it; 1 with the output on a failure.
kind=$1
addr=$2
shift 2
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
*) fail "unknown check $kind" ;;
esac
