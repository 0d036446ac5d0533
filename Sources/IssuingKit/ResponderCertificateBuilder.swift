import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// Delegated OCSP responder certificates (RFC 6960 §4.2.2.2): issued by the CA for a separate
/// responder key, EKU id-kp-OCSPSigning, and id-pkix-ocsp-nocheck so clients do not check the
/// responder's own revocation status (§4.2.2.2.1).
public enum ResponderCertificateBuilder {
    /// `id-pkix-ocsp-nocheck` (1.3.6.1.5.5.7.48.1.5), value NULL.
    public static let ocspNoCheckOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 5]

    /// - Parameters:
    ///   - responderKey: the responder's public key.
    ///   - issuerID: names the responder (`CN=<issuerID> OCSP responder`).
    ///   - caCertificate / caSigner: the issuing CA.
    ///   - validity: lifetime in seconds; never past the CA certificate's expiry.
    public static func make(
        responderKey: Certificate.PublicKey,
        issuerID: String,
        caCertificate: Certificate,
        caSigner: any CASigner,
        validity: TimeInterval,
        now: Date = Date()
    ) async throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("certctl")
            CommonName("\(issuerID) OCSP responder")
        }
        let caSKI = (try? caCertificate.extensions.subjectKeyIdentifier) ?? nil
        let authorityKeyID = caSKI?.keyIdentifier ?? SubjectKeyIdentifier(hash: caCertificate.publicKey).keyIdentifier
        var extensions = Certificate.Extensions()
        try extensions.append(Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
        try extensions.append(Certificate.Extension(KeyUsage(digitalSignature: true), critical: true))
        try extensions.append(Certificate.Extension(ExtendedKeyUsage([.ocspSigning]), critical: false))
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: responderKey), critical: false))
        try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: authorityKeyID), critical: false))
        try extensions.append(Certificate.Extension(oid: ocspNoCheckOID, critical: false, value: [0x05, 0x00]))
        return try await Certificate(
            version: .v3,
            serialNumber: SerialNumberGenerator.next(),
            publicKey: responderKey,
            notValidBefore: now.addingTimeInterval(-60),
            notValidAfter: min(now.addingTimeInterval(validity), caCertificate.notValidAfter),
            issuer: caCertificate.subject,
            subject: subject,
            signatureAlgorithm: caSigner.signatureAlgorithm,
            extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(SignerPrivateKey(caSigner))
        )
    }
}
