"""Checks certctl's CRL and OCSP answers with Python `cryptography`, an independent implementation.

Usage: check_revocation.py BASE_URL ISSUER_ID CA_PEM GOOD_LEAF_PEM REVOKED_LEAF_PEM OTHER_CA_PEM

BASE_URL is the plain-HTTP PKI listener (http://127.0.0.1:PORT). Prints "ok" and exits 0 when every
check passes; otherwise prints what failed and exits 1.
"""

import base64
import datetime
import sys
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import CRLEntryExtensionOID, ExtendedKeyUsageOID, ExtensionOID, ObjectIdentifier

OCSP_NOCHECK = ObjectIdentifier("1.3.6.1.5.5.7.48.1.5")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def fetch(url, data=None):
    request = urllib.request.Request(url, data=data)
    if data is not None:
        request.add_header("Content-Type", "application/ocsp-request")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def verify_signature(public_key, signature, data, hash_algorithm):
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    else:
        raise ValueError("unexpected key type")


def load(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def ocsp_post(base, issuer_id, request_der):
    _, _, body = fetch(f"{base}/.well-known/pki/ocsp/{issuer_id}", request_der)
    return ocsp.load_der_ocsp_response(body)


def build_request(cert, issuer, nonce=None, algorithm=hashes.SHA1()):
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def check_signed_response(response, ca, what):
    check(response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL, f"{what}: status {response.response_status}")
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return
    check(len(response.certificates) == 1, f"{what}: responder certificate not included")
    responder = response.certificates[0]
    verify_signature(ca.public_key(), responder.signature, responder.tbs_certificate_bytes, responder.signature_hash_algorithm)
    check(responder.issuer == ca.subject, f"{what}: responder not issued by the CA")
    eku = responder.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE).value
    check(ExtendedKeyUsageOID.OCSP_SIGNING in eku, f"{what}: responder lacks EKU OCSPSigning")
    check(any(e.oid == OCSP_NOCHECK for e in responder.extensions), f"{what}: responder lacks id-pkix-ocsp-nocheck")
    verify_signature(
        responder.public_key(), response.signature, response.tbs_response_bytes, response.signature_hash_algorithm
    )
    digest = hashes.Hash(hashes.SHA1())
    digest.update(responder.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    check(response.responder_key_hash is not None, f"{what}: responder id is not byKey")
    check(response.next_update_utc is not None and response.next_update_utc > response.this_update_utc, f"{what}: bad nextUpdate")


def main():
    base, issuer_id, ca_path, good_path, revoked_path, other_ca_path = sys.argv[1:7]
    ca, good, revoked, other_ca = load(ca_path), load(good_path), load(revoked_path), load(other_ca_path)

    # CRL: DER, signed by the CA, v2, lists the revoked serial with its reason and not the good one.
    status, headers, body = fetch(f"{base}/.well-known/pki/crl/{issuer_id}")
    check(headers.get("Content-Type") == "application/pkix-crl", f"CRL content type {headers.get('Content-Type')}")
    crl = x509.load_der_x509_crl(body)
    check(crl.is_signature_valid(ca.public_key()), "CRL signature does not verify with the CA key")
    check(crl.issuer == ca.subject, "CRL issuer is not the CA")
    number = crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER).value.crl_number
    check(number >= 1, "CRL number missing")
    aki = crl.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    ski = ca.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    check(aki.key_identifier == ski.digest, "CRL AKI does not match the CA SKI")
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    check(entry is not None, "revoked serial not on the CRL")
    if entry is not None:
        reason = entry.extensions.get_extension_for_oid(CRLEntryExtensionOID.CRL_REASON).value.reason
        check(reason == x509.ReasonFlags.key_compromise, f"CRL reason {reason}")
    check(crl.get_revoked_certificate_by_serial_number(good.serial_number) is None, "good serial on the CRL")
    check(crl.next_update_utc > crl.last_update_utc, "CRL nextUpdate not after thisUpdate")

    # OCSP POST with a nonce: good, echoed nonce, signed by a delegated responder.
    nonce = b"\x01" * 16
    response = ocsp_post(base, issuer_id, build_request(good, ca, nonce))
    check_signed_response(response, ca, "good+nonce")
    check(response.certificate_status == ocsp.OCSPCertStatus.GOOD, f"good leaf: {response.certificate_status}")
    echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    check(echoed == nonce, "nonce not echoed")
    check(response.serial_number == good.serial_number, "response for another serial")

    # Revoked, with time and reason, SHA-256 CertID, no nonce.
    response = ocsp_post(base, issuer_id, build_request(revoked, ca, None, hashes.SHA256()))
    check_signed_response(response, ca, "revoked")
    check(response.certificate_status == ocsp.OCSPCertStatus.REVOKED, f"revoked leaf: {response.certificate_status}")
    check(response.revocation_reason == x509.ReasonFlags.key_compromise, f"OCSP reason {response.revocation_reason}")
    check(response.revocation_time_utc is not None, "no revocation time")
    check(response.hash_algorithm.name == "sha256", "CertID hash algorithm not echoed")

    # GET form (RFC 6960 A.1): URL-encoded base64 of the DER request.
    request_der = build_request(good, ca)
    encoded = urllib.parse.quote(base64.b64encode(request_der).decode(), safe="")
    status, headers, body = fetch(f"{base}/.well-known/pki/ocsp/{issuer_id}/{encoded}")
    response = ocsp.load_der_ocsp_response(body)
    check_signed_response(response, ca, "GET")
    check(response.certificate_status == ocsp.OCSPCertStatus.GOOD, "GET: not good")
    check("max-age=" in headers.get("Cache-Control", ""), "GET: no max-age")
    check("ETag" in headers and "Last-Modified" in headers and "Expires" in headers, "GET: RFC 5019 headers missing")

    # The same with '/' left raw in the path (some clients do not escape it).
    for counter in range(1, 200):
        raw = base64.b64encode(build_request(good, ca, counter.to_bytes(2, "big") * 8)).decode()
        if "/" in raw:
            break
    check("/" in raw, "could not build a request whose base64 holds '/'")
    status, headers, body = fetch(f"{base}/.well-known/pki/ocsp/{issuer_id}/{urllib.parse.quote(raw, safe='/')}")
    response = ocsp.load_der_ocsp_response(body)
    check_signed_response(response, ca, "GET raw slash")
    check(response.certificate_status == ocsp.OCSPCertStatus.GOOD, "GET raw slash: not good")

    # Unknown serial: a certificate signed by another CA but presented under this issuer's name and key.
    unknown = x509.CertificateBuilder().subject_name(good.subject).issuer_name(ca.subject).public_key(good.public_key())
    forged_key = ec.generate_private_key(ec.SECP256R1())
    unknown = (
        unknown.serial_number(x509.random_serial_number())
        .not_valid_before(datetime.datetime(2020, 1, 1))
        .not_valid_after(datetime.datetime(2040, 1, 1))
        .sign(forged_key, hashes.SHA256())
    )
    response = ocsp_post(base, issuer_id, build_request(unknown, ca))
    check_signed_response(response, ca, "unknown")
    check(response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN, f"unknown serial: {response.certificate_status}")

    # Errors in OCSP's own form.
    def status_of(request_der):
        return ocsp_post(base, issuer_id, request_der).response_status

    check(status_of(build_request(good, other_ca)) == ocsp.OCSPResponseStatus.UNAUTHORIZED, "wrong issuer not unauthorized")
    check(status_of(build_request(good, ca, b"\x02" * 33)) == ocsp.OCSPResponseStatus.UNAUTHORIZED, "33-byte nonce accepted")
    check(status_of(build_request(good, ca, b"")) == ocsp.OCSPResponseStatus.UNAUTHORIZED, "empty nonce accepted")
    check(status_of(build_request(good, ca, b"\x03" * 32)) == ocsp.OCSPResponseStatus.SUCCESSFUL, "32-byte nonce refused")
    check(status_of(b"garbage") == ocsp.OCSPResponseStatus.MALFORMED_REQUEST, "garbage not malformed")
    check(status_of(request_der[:-5]) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST, "truncated not malformed")
    check(status_of(b"\x30\x82\x27\x10" + b"\x00" * 10000) == ocsp.OCSPResponseStatus.MALFORMED_REQUEST, "oversized not malformed")
    unknown_issuer = ocsp.load_der_ocsp_response(fetch(f"{base}/.well-known/pki/ocsp/no-such-issuer", request_der)[2])
    check(unknown_issuer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED, "unknown issuer not unauthorized")

    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
