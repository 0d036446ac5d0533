#!/usr/bin/env bash
# Issues from a local CA, an HSM-backed CA and an ACME CA through one certctl, then shows how
# revocation is published for each. Run from anywhere after `scripts/install-deps.sh` and
# `swift build`; everything it creates stays in this directory (and is ignored by git).
set -euo pipefail
cd "$(dirname "$0")"
CERTCTL=${CERTCTL_BIN:-../../.build/debug/certctl}
export SOFTHSM2_CONF=$PWD/softhsm2.conf CERTCTL_DATA_DIR=$PWD/data
export CERTCTL_LISTEN=127.0.0.1:8443 CERTCTL_PKI_HTTP_LISTEN=127.0.0.1:8080
API=https://127.0.0.1:8443/api/v1
PKI=http://127.0.0.1:8080/.well-known/pki
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# 1. Pebble, the ACME test CA, on 127.0.0.1:14000 with its own TLS certificate. VA_ALWAYS_VALID
#    because app.example.test does not resolve here (a real CA validates http-01 against port 80
#    of the name, answered by certctl's plain-HTTP listener).
mkdir -p pebble
[ -f pebble/pebble-tls.crt ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=pebble -addext "subjectAltName=IP:127.0.0.1" -keyout pebble/pebble-tls.key -out pebble/pebble-tls.crt 2>/dev/null
cat > pebble/pebble.json <<JSON
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "pebble-tls.crt", "privateKey": "pebble-tls.key", "httpPort": 8080, "tlsPort": 5001}}
JSON
(cd pebble && PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 exec pebble -config pebble.json > pebble.log 2>&1) &
pids+=($!)

# 2. The HSM token and its key (once), then the CA certificates (once).
mkdir -p tokens
if ! softhsm2-util --show-slots 2>/dev/null | grep -q certctl-mixed; then
  softhsm2-util --init-token --free --label certctl-mixed --so-pin 5678 --pin 1234 >/dev/null
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label certctl-mixed --login --pin 1234 \
    --keypairgen --key-type EC:prime256v1 --label ca-key --id 01 >/dev/null
fi
[ -f hsm-pin ] || (umask 077 && printf '1234\n' > hsm-pin)
[ -f ca/iss-local.crt ] || $CERTCTL ca init --config certctl.yaml --issuer iss-local >/dev/null
[ -f ca/iss-hsm.crt ] || $CERTCTL ca init --config certctl.yaml --issuer iss-hsm --parent iss-local >/dev/null

# 3. One host for all three.
$CERTCTL serve --config certctl.yaml > serve.log 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -sk -o /dev/null https://127.0.0.1:8443/healthz && break; sleep 0.2; done
KEY=$(cat data/admin-api-key)
call() { curl -s --cacert data/tls/server.crt -H "Authorization: Bearer $KEY" "$@"; }

call $API/issuers | jq -c '.issuers[] | {id, type, capabilities}'

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout app.key \
  -subj /CN=app.example.test -addext "subjectAltName=DNS:app.example.test" -out app.csr 2>/dev/null
for issuer in iss-local iss-hsm iss-acme; do
  echo "== $issuer"
  jq -n --rawfile csr app.csr --arg issuer $issuer '{issuer_id: $issuer, csr_pem: $csr}' |
    call -H 'Content-Type: application/json' --data @- $API/certificates > $issuer.json
  jq -c '{serial, not_after, chain_certs: (.chain_pem | split("BEGIN CERTIFICATE") | length - 1)}' $issuer.json
  jq -r .certificate_pem $issuer.json > $issuer.crt
  ID=$(jq -r .id $issuer.json)
  echo "revoke:  $(call -H 'Content-Type: application/json' --data '{"reason":"superseded"}' $API/certificates/$ID/revoke | jq -r .status)"
  echo "CRL:     HTTP $(curl -s -o /dev/null -w '%{http_code}' $PKI/crl/$issuer)"
  curl -s $PKI/ca/$issuer.pem > $issuer-ca.pem
  echo "OCSP:    $(openssl ocsp -issuer $issuer-ca.pem -cert $issuer.crt -url $PKI/ocsp/$issuer -noverify 2>&1 | grep -E "$issuer.crt|Responder Error" | head -1)"
done
echo "Pebble's own view of the ACME certificate:"
curl -s --cacert pebble/pebble-tls.crt https://127.0.0.1:15000/cert-status-by-serial/$(jq -r .serial iss-acme.json) | jq '{Status, Reason}'
