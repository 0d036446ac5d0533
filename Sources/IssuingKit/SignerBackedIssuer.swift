import ConnectorAPI
import ConnectorSupport
import Foundation
import X509

/// Issues certificates with a CA key behind any ``CASigner``.
///
/// This is the single place where certctl builds X.509 certificates for signer-backed issuers: the
/// file-key, PKCS#11 and plugin-signer connectors all issue through it and differ only in the signer.
public struct SignerBackedIssuer: Sendable {
    /// The issuing CA certificate.
    public let caCertificate: Certificate
    /// Certificates above the issuing CA (for a subordinate: its parent up to the root).
    public let parents: [Certificate]
    /// The CA key.
    public let signer: any CASigner

    /// - Throws: when the signer's public key is not the CA certificate's key.
    public init(caCertificate: Certificate, parents: [Certificate] = [], signer: any CASigner) throws {
        guard caCertificate.publicKey == signer.publicKey else {
            throw ConnectorError.invalidConfiguration("the CA key does not match the CA certificate")
        }
        self.caCertificate = caCertificate
        self.parents = parents
        self.signer = signer
    }

    /// A connector's issuer from its `cert_file` bundle (the CA certificate, then its parents).
    /// - Throws: `invalidConfiguration` naming `issuerID` when the signer's key is not the
    ///   certificate's, or the bundle is empty.
    public init(_ bundle: [Certificate], signer: any CASigner, issuerID: String) throws {
        guard let caCertificate = bundle.first else {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): no CA certificate")
        }
        do {
            try self.init(caCertificate: caCertificate, parents: Array(bundle.dropFirst()), signer: signer)
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: issuerID)
        }
    }

    /// The CA chain, issuing CA first.
    public var chain: [Certificate] { [caCertificate] + parents }

    /// Issues an end-entity certificate for `request`.
    ///
    /// The subject and subjectAltName come from the CSR; everything else — serial, validity, key
    /// usages, basic constraints, key identifiers, AIA, CRL DP — is set by the CA. The validity ends
    /// no later than the CA certificate's.
    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        let csr = request.csr
        guard let keyType = KeyType(csr.publicKey) else {
            throw ConnectorError.rejected("unsupported key type (supported: \(KeyType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let sans = try Self.requestedSANs(csr)
        if csr.subject.isEmpty && sans == nil {
            throw ConnectorError.rejected("the CSR has neither a subject nor a subjectAltName")
        }
        let notAfter = min(request.notAfter, caCertificate.notValidAfter)
        guard notAfter > request.notBefore else {
            throw ConnectorError.rejected("the CA certificate expires before the requested validity starts")
        }

        var extensions = Certificate.Extensions()
        try extensions.append(Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
        try extensions.append(Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: keyType.isRSA), critical: true))
        try extensions.append(Certificate.Extension(ExtendedKeyUsage([.serverAuth, .clientAuth]), critical: false))
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: csr.publicKey), critical: false))
        try extensions.append(Certificate.Extension(authorityKeyIdentifier, critical: false))
        if let sans {
            // RFC 5280 §4.2.1.6: critical when the subject is empty.
            try extensions.append(Certificate.Extension(sans, critical: csr.subject.isEmpty))
        }
        if let aia = try Self.authorityInformationAccess(request.publicationURLs) {
            try extensions.append(aia)
        }
        if let crl = request.publicationURLs.crlDistributionPoint {
            try extensions.append(try CRLDistributionPoints(uris: [crl]).makeExtension())
        }

        let certificate = try await Certificate(
            version: .v3,
            serialNumber: SerialNumberGenerator.next(),
            publicKey: csr.publicKey,
            notValidBefore: request.notBefore,
            notValidAfter: notAfter,
            issuer: caCertificate.subject,
            subject: csr.subject,
            signatureAlgorithm: signer.signatureAlgorithm,
            extensions: extensions,
            issuerAsyncPrivateKey: Certificate.PrivateKey(SignerPrivateKey(signer))
        )
        return IssueResponse(certificate: certificate, chain: chain)
    }

    /// AKI pointing at the CA key: the CA certificate's SKI when it has one, else the RFC 5280 hash.
    var authorityKeyIdentifier: AuthorityKeyIdentifier {
        let ski = (try? caCertificate.extensions.subjectKeyIdentifier) ?? nil
        let id = ski?.keyIdentifier ?? SubjectKeyIdentifier(hash: caCertificate.publicKey).keyIdentifier
        return AuthorityKeyIdentifier(keyIdentifier: id)
    }

    static func requestedSANs(_ csr: CertificateSigningRequest) throws -> SubjectAlternativeNames? {
        do {
            guard let request = try csr.attributes.extensionRequest,
                let sans = try request.extensions.subjectAlternativeNames, !sans.isEmpty
            else { return nil }
            return sans
        } catch {
            throw ConnectorError.rejected("the CSR's extension request cannot be parsed")
        }
    }

    static func authorityInformationAccess(_ urls: PublicationURLs) throws -> Certificate.Extension? {
        var descriptions: [AuthorityInformationAccess.AccessDescription] = []
        if let ocsp = urls.ocsp {
            descriptions.append(.init(method: .ocspServer, location: .uniformResourceIdentifier(ocsp)))
        }
        if let caIssuers = urls.caIssuers {
            descriptions.append(.init(method: .issuingCA, location: .uniformResourceIdentifier(caIssuers)))
        }
        guard !descriptions.isEmpty else { return nil }
        return try Certificate.Extension(AuthorityInformationAccess(descriptions), critical: false)
    }
}
