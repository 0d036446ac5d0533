import ConnectorAPI
import Foundation
import X509

/// Builds CA certificates for `certctl ca init`: a self-signed root, or a subordinate signed by a
/// parent issuer's signer.
public enum CACertificateBuilder {
    /// - Parameters:
    ///   - subject: the new CA's name.
    ///   - signer: the new CA's own key.
    ///   - validityDays: lifetime; a subordinate ends no later than its parent.
    ///   - parent: the parent CA's certificate and signer, or `nil` for a self-signed root.
    ///   - nameConstraints: written as a critical extension when given (RFC 5280 §4.2.1.10).
    ///   - now: the issuance time (injected for tests).
    public static func make(
        subject: DistinguishedName,
        signer: any CASigner,
        validityDays: Int,
        parent: (certificate: Certificate, signer: any CASigner)?,
        nameConstraints: NameConstraints? = nil,
        now: Date = Date()
    ) async throws -> Certificate {
        guard validityDays > 0 else { throw ConnectorError.rejected("CA validity must be at least one day") }
        let notBefore = now.addingTimeInterval(-60)
        var notAfter = now.addingTimeInterval(TimeInterval(validityDays) * 86_400)
        let issuerSigner = parent?.signer ?? signer
        let issuerName = parent?.certificate.subject ?? subject
        let authorityKeyID: ArraySlice<UInt8>
        if let parent {
            notAfter = min(notAfter, parent.certificate.notValidAfter)
            let parentSKI = (try? parent.certificate.extensions.subjectKeyIdentifier) ?? nil
            authorityKeyID = parentSKI?.keyIdentifier ?? SubjectKeyIdentifier(hash: parent.certificate.publicKey).keyIdentifier
        } else {
            authorityKeyID = SubjectKeyIdentifier(hash: signer.publicKey).keyIdentifier
        }

        var extensions = Certificate.Extensions()
        // A subordinate made by certctl issues end-entity certificates only (pathLen 0).
        try extensions.append(
            Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: parent == nil ? nil : 0), critical: true)
        )
        try extensions.append(Certificate.Extension(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true), critical: true))
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: signer.publicKey), critical: false))
        try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: authorityKeyID), critical: false))
        if let nameConstraints {
            try extensions.append(Certificate.Extension(nameConstraints, critical: true))
        }

        return try await Certificate(
            version: .v3,
            serialNumber: SerialNumberGenerator.next(),
            publicKey: signer.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuerName,
            subject: subject,
            signatureAlgorithm: issuerSigner.signatureAlgorithm,
            extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(SignerPrivateKey(issuerSigner))
        )
    }

    /// `ca init` for a connector that reads its CA from a `cert_file`: builds the certificate and
    /// writes it to `certFile`, followed by the parent's chain for a subordinate.
    /// - Returns: the new CA certificate.
    public static func initialize(certFile: URL, _ request: CAInitializationRequest, signer: any CASigner) async throws -> Certificate {
        let certificate = try await make(
            subject: request.subject, signer: signer, validityDays: request.validityDays,
            parent: request.parent.map { ($0.caCertificate, $0.signer) }, nameConstraints: request.nameConstraints)
        var bundle = [certificate]
        if let parent = request.parent { bundle += try await parent.caChain() }
        try PEMBundle.write(bundle, to: certFile)
        return certificate
    }
}
