#!/usr/bin/env bash
# make-certs.sh <out-dir> <hub-dns-name> [endpoint-id…]
# A private CA, the hub's server certificate (SAN DNS=<hub-dns-name>, also localhost/127.0.0.1) and one client
# certificate per agent endpoint id (CN and SAN URI = the endpoint id, as the hub checks with mutual TLS).
# EC P-256 keys: small and quick for mbedTLS on a CPE.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 <out-dir> <hub-dns-name> [endpoint-id…]" >&2; exit 2; }
out=$1 hub=$2
shift 2
mkdir -p "$out"
umask 077
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
if [ ! -f "$out/ca.pem" ]; then
    key "$out/ca.key"
    openssl req -x509 -new -key "$out/ca.key" -sha256 -days 3650 -subj "/CN=cpe-fleet test CA" -out "$out/ca.pem"
fi
sign() {  # name subject san
    key "$out/$1.key"
    openssl req -new -key "$out/$1.key" -subj "$2" -out "$out/$1.csr"
    printf 'subjectAltName=%s\n' "$3" >"$out/$1.ext"
    openssl x509 -req -in "$out/$1.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial -days 825 -sha256 \
        -extfile "$out/$1.ext" -out "$out/$1.pem" 2>/dev/null
    rm -f "$out/$1.csr" "$out/$1.ext"
}
sign hub "/CN=$hub" "DNS:$hub,DNS:localhost,IP:127.0.0.1"
for id in "$@"; do
    sign "${id//::/_}" "/CN=$id" "URI:$id"
done
echo "certificates in $out"
