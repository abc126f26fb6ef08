#!/usr/bin/env bash
# A real 3-member etcd cluster (Debian's etcd-server) with peer and client mutual TLS, every
# certificate issued by Kiban's CA through the `kiban` CLI, and a CRL fetched from a Kiban member:
#   - peers: etcd-1 and etcd-2 from `kiban ca issue`, etcd-3 from `kiban ca sign` (openssl's key);
#   - etcdctl with a client certificate of the etcd issuer works;
#   - a client certificate from another issuer (under the same cluster root) is refused;
#   - a revoked client certificate is refused (etcd's --client-crl-file, the CRL from the member's
#     HTTP port), and `openssl verify -crl_check` refuses it too;
#   - after `kiban ca issuers rotate etcd`, certificates of the new generation verify.
# Usage: KIBAN=path/to/kiban KIBAN_SOCKET=member.sock KIBAN_HTTP=127.0.0.1:PORT integration/pki/etcd-mtls.sh WORKDIR
# Exit 0 when every check passed; prints "ok: …" per check and "FAIL: …" on the first failure.
set -euo pipefail
W=${1:?usage: $0 WORKDIR}
: "${KIBAN:?}" "${KIBAN_SOCKET:?}" "${KIBAN_HTTP:?}"
mkdir -p "$W"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
k() { "$KIBAN" "$@" --socket "$KIBAN_SOCKET"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- issuers and roles
k ca issuers create etcd --parent root >/dev/null || fail "issuers create etcd"
k ca issuers create other --parent root >/dev/null || fail "issuers create other"
cat >"$W/etcd-peer.yaml" <<'YAML'
issuer: etcd
allowed_names: [etcd-1, etcd-2, etcd-3, localhost]
allow_ip_sans: true
ext_key_usage: [serverAuth, clientAuth]
max_ttl: 720h
YAML
cat >"$W/etcd-client.yaml" <<'YAML'
issuer: etcd
allowed_names: [alice, bob]
ext_key_usage: [clientAuth]
max_ttl: 24h
YAML
cat >"$W/other-client.yaml" <<'YAML'
issuer: other
allowed_names: [mallory]
ext_key_usage: [clientAuth]
max_ttl: 24h
YAML
for r in etcd-peer etcd-client other-client; do k ca roles set "$r" "$W/$r.yaml" >/dev/null || fail "roles set $r"; done
ok "issuers etcd and other under the cluster root, three roles"

# ---- certificates
for n in 1 2; do
  k ca issue etcd-peer --cn "etcd-$n" --san "etcd-$n" --san localhost --san 127.0.0.1 --ttl 48h --out-dir "$W/etcd-$n" >/dev/null \
    || fail "issue etcd-$n"
done
mkdir -p "$W/etcd-3"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/etcd-3/key.pem" -subj /CN=etcd-3 \
  -addext "subjectAltName=DNS:etcd-3,DNS:localhost,IP:127.0.0.1" -out "$W/etcd-3.csr" 2>/dev/null
k ca sign etcd-peer "$W/etcd-3.csr" --ttl 48h --out-dir "$W/etcd-3" >/dev/null || fail "sign etcd-3's CSR"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/alice.key" -subj /CN=alice -out "$W/alice.csr" 2>/dev/null
k ca sign etcd-client "$W/alice.csr" --out-dir "$W/alice" >/dev/null || fail "sign alice"
k ca issue etcd-client --cn bob --out-dir "$W/bob" >/dev/null || fail "issue bob"
k ca issue other-client --cn mallory --out-dir "$W/mallory" >/dev/null || fail "issue mallory"
# The issuer alone is etcd's trust anchor: a certificate of another issuer under the same root
# must not pass.
openssl x509 -in "$W/etcd-1/chain.pem" -out "$W/etcd-issuer.pem"
ok "peer certificates (two issued, one signed from an openssl CSR) and client certificates"

# ---- revoke bob; the CRL comes from the member's HTTP port
bob_serial=$(openssl x509 -in "$W/bob/cert.pem" -noout -serial | cut -d= -f2)
k ca revoke "$bob_serial" --reason keyCompromise >/dev/null || fail "revoke bob ($bob_serial)"
# The member re-signs its served CRLs when the PKI records change: wait until bob is listed.
listed=0
for _ in $(seq 1 300); do
  if curl -fsS -o "$W/etcd.crl.der" "http://$KIBAN_HTTP/ca/etcd.crl" 2>/dev/null &&
     openssl crl -inform DER -in "$W/etcd.crl.der" -noout -text 2>/dev/null | grep -qi "Serial Number: *$bob_serial"; then
    listed=1; break
  fi
  sleep 0.1
done
[ $listed = 1 ] || fail "the member's /ca/etcd.crl did not list bob ($bob_serial) within 30 s"
openssl crl -inform DER -in "$W/etcd.crl.der" -out "$W/etcd.crl" || fail "the CRL does not parse"
openssl crl -in "$W/etcd.crl" -noout -CAfile "$W/etcd-issuer.pem" 2>&1 | grep -q "verify OK" || fail "the CRL's signature"
cat "$W/etcd-1/chain.pem" >"$W/bundle.pem"
openssl verify -crl_check -CAfile "$W/bundle.pem" -CRLfile "$W/etcd.crl" "$W/alice/cert.pem" >/dev/null || fail "openssl verify -crl_check alice"
if out=$(openssl verify -crl_check -CAfile "$W/bundle.pem" -CRLfile "$W/etcd.crl" "$W/bob/cert.pem" 2>&1); then
  fail "openssl verify -crl_check accepted revoked bob"
fi
echo "$out" | grep -q "certificate revoked" || fail "openssl's refusal of bob is not 'certificate revoked': $out"
ok "bob revoked: the member's CRL lists him and openssl verify -crl_check says 'certificate revoked'"

# ---- three etcd members with peer and client mutual TLS
cluster=""
declare -A CP PP
for n in 1 2 3; do CP[$n]=$(free_port); PP[$n]=$(free_port); cluster+="etcd-$n=https://127.0.0.1:${PP[$n]},"; done
cluster=${cluster%,}
for n in 1 2 3; do
  d="$W/etcd-$n"
  etcd --name "etcd-$n" --data-dir "$d/data" \
    --listen-peer-urls "https://127.0.0.1:${PP[$n]}" --initial-advertise-peer-urls "https://127.0.0.1:${PP[$n]}" \
    --listen-client-urls "https://127.0.0.1:${CP[$n]}" --advertise-client-urls "https://127.0.0.1:${CP[$n]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token kiban-pki-test \
    --cert-file "$d/cert.pem" --key-file "$d/key.pem" --trusted-ca-file "$W/etcd-issuer.pem" --client-cert-auth \
    --client-crl-file "$W/etcd.crl" \
    --peer-cert-file "$d/cert.pem" --peer-key-file "$d/key.pem" --peer-trusted-ca-file "$W/etcd-issuer.pem" \
    --peer-client-cert-auth >"$d/etcd.log" 2>&1 &
  PIDS+=($!)
done
ctl() {  # ctl NAME ARGS...: etcdctl with NAME's client certificate
  local who=$1; shift
  local key="$W/$who/key.pem"; [ -f "$key" ] || key="$W/$who.key"
  ETCDCTL_API=3 timeout 20 etcdctl --endpoints "https://127.0.0.1:${CP[1]},https://127.0.0.1:${CP[2]},https://127.0.0.1:${CP[3]}" \
    --cacert "$W/etcd-issuer.pem" --cert "$W/$who/cert.pem" --key "$key" --dial-timeout 3s --command-timeout 5s "$@"
}
healthy=0
for _ in $(seq 1 60); do
  if ctl alice endpoint health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ $healthy = 1 ] || { tail -5 "$W"/etcd-*/etcd.log; fail "the etcd cluster did not become healthy"; }
members=$(ctl alice member list | wc -l)
[ "$members" -eq 3 ] || fail "etcd lists $members members"
ok "three etcd members formed a cluster over peer mutual TLS with Kiban's certificates"
ctl alice put kiban-pki works >/dev/null || fail "etcdctl put with alice's certificate"
[ "$(ctl alice get kiban-pki --print-value-only)" = works ] || fail "etcdctl get with alice's certificate"
ok "etcdctl with alice's client certificate writes and reads"
if ctl mallory get kiban-pki >/dev/null 2>&1; then fail "etcd accepted a certificate of another issuer"; fi
ok "etcd refuses mallory's certificate (issuer other)"
if ctl bob get kiban-pki >/dev/null 2>&1; then fail "etcd accepted revoked bob"; fi
# Refused for the right reason: etcd logs the revocation, not some other TLS failure.
grep -qi "revoked" "$W"/etcd-*/etcd.log || fail "etcd refused bob, but its logs do not say the certificate is revoked"
ok "etcd refuses revoked bob (--client-crl-file with the member's CRL; etcd logs the revocation)"

# ---- rotation: a new generation, both verify against the root
k ca issuers rotate etcd >/dev/null || fail "issuers rotate etcd"
k ca issue etcd-client --cn alice --out-dir "$W/alice-g2" >/dev/null || fail "issue after rotation"
new_issuer=$(openssl x509 -in "$W/alice-g2/chain.pem" -noout -fingerprint -sha256)
old_issuer=$(openssl x509 -in "$W/etcd-issuer.pem" -noout -fingerprint -sha256)
[ "$new_issuer" != "$old_issuer" ] || fail "rotation kept the old issuer certificate"
openssl verify -x509_strict -CAfile "$W/alice-g2/ca.pem" -untrusted "$W/alice-g2/chain.pem" "$W/alice-g2/cert.pem" >/dev/null \
  || fail "the new generation's chain does not verify"
openssl verify -x509_strict -CAfile "$W/etcd-1/ca.pem" -untrusted "$W/etcd-1/chain.pem" "$W/etcd-1/cert.pem" >/dev/null \
  || fail "the old generation's chain no longer verifies"
ok "after rotation the new and the old generation's chains verify against the cluster root"
echo "etcd-mtls: all checks passed"
