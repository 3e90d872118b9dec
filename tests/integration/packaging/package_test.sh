#!/usr/bin/env bash
# package_test.sh <source-dir> <cpe-agent>: packaging/make-package.sh checked from the outside.
set -euo pipefail
src=$1 agent=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$src/provisioning/signing/make-signing-key.sh" "$t/key" >/dev/null
"$src/provisioning/signing/make-signing-key.sh" "$t/other" >/dev/null
"$src/provisioning/certs/make-certs.sh" "$t/ca" hub.example.net >/dev/null
[ "$(stat -c %a "$t/key/signing.key")" = 600 ] || fail "the signing key is readable by others"
# A stripped copy packs quickly (the host build carries debug information); the package does not care.
strip -o "$t/cpe-agent" "$agent" 2>/dev/null || cp "$agent" "$t/cpe-agent"
mk() { "$src/packaging/make-package.sh" --agent "$t/cpe-agent" --board "$src/boards/tplink-xx230v" --arch armv7 \
        --opkg-arch arm_cortex-a7_neon-vfpv4 --version 1.2.3 --ca "$t/ca/ca.pem" "$@"; }
mk --key "$t/key/signing.key" --pub "$t/key/signing.pub" --out "$t/out" >/dev/null
# A public key that is not the signing key's: refused, nothing signed with the wrong pair.
if mk --key "$t/key/signing.key" --pub "$t/other/signing.pub" --out "$t/bad" 2>"$t/err"; then fail "mismatched key pair accepted"; fi
grep -q "not a key pair" "$t/err" || fail "mismatched key pair: $(cat "$t/err")"
p=$t/out/tplink-xx230v
ipk=$p/cpe-agent_1.2.3_arm_cortex-a7_neon-vfpv4.ipk
[ -f "$ipk" ] || fail "no .ipk: $(ls "$p")"

# opkg's reading: an ar archive whose members are debian-binary ("2.0"), control.tar.gz, data.tar.gz in order.
[ "$(ar t "$ipk" | tr '\n' ' ')" = "debian-binary control.tar.gz data.tar.gz " ] || fail "ipk members: $(ar t "$ipk")"
[ "$(ar p "$ipk" debian-binary)" = "2.0" ] || fail "debian-binary"
mkdir "$t/ipk" && (cd "$t/ipk" && ar x "$ipk" && mkdir c d && tar xzf control.tar.gz -C c && tar xzf data.tar.gz -C d)
for field in "Package: cpe-agent" "Version: 1.2.3" "Architecture: arm_cortex-a7_neon-vfpv4"; do
    grep -qx "$field" "$t/ipk/c/control" || fail "control lacks '$field'"
done
[ -x "$t/ipk/c/postinst" ] && [ -x "$t/ipk/c/prerm" ] || fail "postinst/prerm missing"
grep -qx /etc/cpe-agent/agent.json "$t/ipk/c/conffiles" || fail "agent.json is not a conffile"
# Debian's own reader of the same format (it warns that OpenWrt's architecture names hold '_').
dpkg-deb --field "$ipk" Package 2>/dev/null >"$t/field" && grep -qx cpe-agent "$t/field" || fail "dpkg-deb cannot read the .ipk"
dpkg-deb -c "$ipk" 2>/dev/null >"$t/list" || fail "dpkg-deb cannot list the .ipk"
grep -q '\./etc/init.d/cpe-agent$' "$t/list" || fail "no procd init script"
grep -q USE_PROCD=1 "$t/ipk/d/etc/init.d/cpe-agent" || fail "the OpenWrt init script is not a procd service"

# Every manifest: the route's files exactly, each hash right, signed by the key.
check_manifest() {  # <tree> <meta-dir> <route>
    local d=$1 m=$1/$2
    [ -f "$m/manifest.json" ] && [ -f "$m/manifest.sig" ] || fail "$3: no manifest"
    openssl dgst -sha256 -verify "$t/key/signing.pub" -signature "$m/manifest.sig" "$m/manifest.json" >/dev/null ||
        fail "$3: signature does not verify"
    if openssl dgst -sha256 -verify "$t/other/signing.pub" -signature "$m/manifest.sig" "$m/manifest.json" >/dev/null 2>&1; then
        fail "$3: verifies with another key"
    fi
    python3 - "$d" "$m/manifest.json" "$3" "$2" <<'PY' || fail "$3: manifest does not match the files"
import hashlib, json, os, sys
root, manifest, route, meta = sys.argv[1:]
m = json.load(open(manifest))
assert m["board"] == "tplink-xx230v" and m["architecture"] == "armv7" and m["version"] == "1.2.3", m
assert m["route"] == route and len(m["build_id"]) == 16, m
listed = {f["path"]: f for f in m["files"]}
present = set()
for dirpath, _, names in os.walk(root):
    for n in names:
        rel = os.path.relpath(os.path.join(dirpath, n), root)
        if rel.startswith(meta.rstrip("/") + "/manifest.") or rel in ("manifest.json", "manifest.sig"):
            continue
        present.add(rel)
assert present == set(listed), (sorted(present ^ set(listed)))
for p, f in listed.items():
    data = open(os.path.join(root, p), "rb").read()
    assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"], p
PY
}
check_manifest "$t/ipk/d" usr/lib/cpe-agent openwrt
mkdir "$t/ov" && tar xzf "$p/cpe-agent_1.2.3_tplink-xx230v-overlay.tar.gz" -C "$t/ov"
check_manifest "$t/ov" usr/lib/cpe-agent vendor
[ -x "$t/ov/etc/init.d/S95cpe-agent" ] && [ -x "$t/ov/usr/lib/cpe-agent/supervise" ] || fail "overlay init glue missing"
cmp -s "$t/cpe-agent" "$t/ov/usr/sbin/cpe-agent" || fail "overlay agent is not the built one"
mkdir "$t/bench" && tar xzf "$p/cpe-agent_1.2.3_tplink-xx230v-bench.tar.gz" -C "$t/bench"
check_manifest "$t/bench/root" usr/lib/cpe-agent bench
[ -x "$t/bench/install.sh" ] || fail "bench bundle has no install.sh"
mkdir "$t/upd" && tar xf "$p/cpe-agent_1.2.3_tplink-xx230v.update" -C "$t/upd"
[ "$(tar tf "$p/cpe-agent_1.2.3_tplink-xx230v.update" | head -n 2 | tr '\n' ' ')" = "manifest.json manifest.sig " ] ||
    fail "the update does not start with its manifest"
check_manifest "$t/upd" . update
# The bench installer puts the tree where it is told (a rootfs image directory here).
mkdir "$t/rootfs" && "$t/bench/install.sh" "$t/rootfs" >/dev/null && [ -x "$t/rootfs/usr/sbin/cpe-agent" ] || fail "bench install"
echo "packaging: ok"

# Identity at provisioning: the agent makes its key and CSR (CN = endpoint id), the fleet CA signs it.
"$agent" --board "$src/boards/tplink-xx230v" --root "$src/boards/tplink-xx230v/fixtures/rootfs" make-csr \
    --key "$t/dev.key" --csr "$t/dev.csr" >"$t/id" || fail "make-csr"
[ "$(cat "$t/id")" = "os::1C61B4-22275A7000412" ] || fail "make-csr endpoint id: $(cat "$t/id")"
[ "$(stat -c %a "$t/dev.key")" = 600 ] || fail "the device key is readable by others"
"$src/provisioning/certs/sign-csr.sh" "$t/ca" "$t/dev.csr" "$t/dev.pem" >/dev/null || fail "sign-csr"
openssl verify -CAfile "$t/ca/ca.pem" "$t/dev.pem" >/dev/null || fail "the signed certificate does not chain to the CA"
openssl x509 -in "$t/dev.pem" -noout -subject -nameopt RFC2253 | grep -q "CN=os::1C61B4-22275A7000412" || fail "CN"
openssl x509 -in "$t/dev.pem" -noout -ext subjectAltName | grep -q "URI:os::1C61B4-22275A7000412" || fail "SAN"
# The certificate is for the device's own key.
[ "$(openssl x509 -in "$t/dev.pem" -noout -pubkey)" = "$(openssl pkey -in "$t/dev.key" -pubout)" ] || fail "key mismatch"
# A second make-csr keeps the key (renewal) ...
cp "$t/dev.key" "$t/dev.key.before"
"$agent" --board "$src/boards/tplink-xx230v" --root "$src/boards/tplink-xx230v/fixtures/rootfs" make-csr \
    --key "$t/dev.key" --csr "$t/dev2.csr" >/dev/null || fail "make-csr again"
cmp -s "$t/dev.key" "$t/dev.key.before" || fail "make-csr replaced an existing key"
# ... and the CA refuses a CSR whose CN is not an endpoint id.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/x.key" -subj "/CN=hub.example.net" \
    -out "$t/x.csr" 2>/dev/null
if "$src/provisioning/certs/sign-csr.sh" "$t/ca" "$t/x.csr" "$t/x.pem" 2>"$t/err"; then fail "signed a non-endpoint CN"; fi
grep -q "is not CN=os::" "$t/err" || fail "sign-csr refusal: $(cat "$t/err")"
echo "identity: ok"
