import ConnectorAPI
import ConnectorSupport
import Foundation
import SwiftASN1
import X509

/// RFC 5280 profile checks on a to-be-signed end-entity certificate, run before any signature.
///
/// A finding throws ``ConnectorError`` `preIssuanceCheckFailed` naming the rule (the host answers
/// 500 and audits `cert_issue_lint_failed`); nothing is signed. The rules:
/// - `serial`: positive, non-zero, at most 20 octets (§4.1.2.2).
/// - `validity`: notBefore before notAfter, both inside the issuing CA's validity.
/// - `san`: when the subject is empty, a subjectAltName is present, non-empty and critical (§4.2.1.6).
/// - `key_usage`: present and critical, no CA bits, digitalSignature; keyEncipherment only for RSA
///   keys; nothing else for ECDSA (§4.2.1.3, RFC 8813).
/// - `duplicate_extension`: no extension appears twice (§4.2).
/// - `authority_key_identifier`: present, equal to the issuing CA's subject key identifier (§4.2.1.1).
/// - `basic_constraints`: if present, not a CA.
public enum PreIssuanceLint {
    /// - Parameter authorityKeyIdentifier: the issuing CA's key identifier (its SKI, else the RFC
    ///   5280 hash of its key); computed from `issuer` when `nil`.
    public static func check(_ draft: CertificateDraft, issuer: Certificate, authorityKeyIdentifier: ArraySlice<UInt8>? = nil) throws {
        func finding(_ rule: String, _ message: String) -> ConnectorError {
            ConnectorError(.preIssuanceCheckFailed, "pre-issuance check \(rule): \(message)")
        }
        let serial = Array(draft.serialNumber.bytes)
        guard !serial.isEmpty, serial.count <= 20, serial[0] & 0x80 == 0, serial.contains(where: { $0 != 0 }) else {
            throw finding("serial", "the serial number must be positive and at most 20 octets")
        }
        guard draft.notValidBefore < draft.notValidAfter else { throw finding("validity", "notBefore is not before notAfter") }
        guard draft.notValidBefore >= issuer.notValidBefore, draft.notValidAfter <= issuer.notValidAfter else {
            throw finding("validity", "the validity is not inside the issuing CA's")
        }
        let extensions = draft.extensions
        for (index, ext) in extensions.enumerated() where extensions[..<index].contains(where: { $0.oid == ext.oid }) {
            throw finding("duplicate_extension", "extension \(ext.oid) appears twice")
        }
        let sanExtension = draft[.X509ExtensionID.subjectAlternativeName]
        if draft.subject.isEmpty {
            guard let sanExtension, sanExtension.critical, let sans = try? SubjectAlternativeNames(sanExtension), !sans.isEmpty else {
                throw finding("san", "the subject is empty, so a non-empty critical subjectAltName is required")
            }
        }
        try checkKeyUsage(draft, finding: finding)
        if let ext = draft[.X509ExtensionID.basicConstraints], let constraints = try? BasicConstraints(ext),
            case .isCertificateAuthority = constraints
        {
            throw finding("basic_constraints", "an end-entity certificate must not be a CA")
        }
        let expected = authorityKeyIdentifier ?? SignerBackedIssuer.keyIdentifier(of: issuer)
        guard let ext = draft[.X509ExtensionID.authorityKeyIdentifier], let aki = try? AuthorityKeyIdentifier(ext),
            aki.keyIdentifier == expected
        else {
            throw finding("authority_key_identifier", "the authority key identifier is not the issuing CA's subject key identifier")
        }
    }

    private static func checkKeyUsage(_ draft: CertificateDraft, finding: (String, String) -> ConnectorError) throws {
        guard let ext = draft[.X509ExtensionID.keyUsage], ext.critical, let usage = try? KeyUsage(ext) else {
            throw finding("key_usage", "keyUsage must be present and critical")
        }
        guard !usage.keyCertSign, !usage.cRLSign else {
            throw finding("key_usage", "an end-entity certificate must not sign certificates or CRLs")
        }
        guard usage.digitalSignature else { throw finding("key_usage", "digitalSignature is required") }
        let isRSA = KeyType(draft.publicKey)?.isRSA ?? false
        if usage.keyEncipherment && !isRSA { throw finding("key_usage", "keyEncipherment is only for RSA keys") }
        if usage.dataEncipherment || usage.keyAgreement || usage.nonRepudiation || usage.encipherOnly || usage.decipherOnly {
            throw finding("key_usage", "only digitalSignature (and keyEncipherment for RSA) are set for a TLS key")
        }
    }
}
