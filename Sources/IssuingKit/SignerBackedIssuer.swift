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
    /// The CA's key identifier, every certificate's AKI (computed once).
    let caKeyIdentifier: ArraySlice<UInt8>

    /// - Throws: when the signer's public key is not the CA certificate's key.
    public init(caCertificate: Certificate, parents: [Certificate] = [], signer: any CASigner) throws {
        guard caCertificate.publicKey == signer.publicKey else {
            throw ConnectorError.invalidConfiguration("the CA key does not match the CA certificate")
        }
        self.caCertificate = caCertificate
        self.parents = parents
        self.signer = signer
        self.caKeyIdentifier = Self.keyIdentifier(of: caCertificate)
    }

    /// A CA certificate's key identifier: its SKI when it has one, else the RFC 5280 hash of its key.
    static func keyIdentifier(of certificate: Certificate) -> ArraySlice<UInt8> {
        ((try? certificate.extensions.subjectKeyIdentifier) ?? nil)?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
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
    /// The subject, subjectAltName and EKUs are the host's approval (``IssueRequest/subject``,
    /// ``IssueRequest/subjectAlternativeNames``, ``IssueRequest/extendedKeyUsage``); the CSR
    /// contributes only its public key. Serial, validity, key usage (by key type), basic
    /// constraints, key identifiers, AIA and CRL DP are set by the CA. The validity ends no later
    /// than the CA certificate's. ``PreIssuanceLint`` checks the draft before it is signed.
    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        let draft = try self.draft(request)
        try PreIssuanceLint.check(draft, issuer: caCertificate, authorityKeyIdentifier: caKeyIdentifier)
        let certificate = try await sign(draft)
        return IssueResponse(certificate: certificate, chain: chain)
    }

    /// The to-be-signed certificate for `request`.
    public func draft(_ request: IssueRequest) throws -> CertificateDraft {
        let csr = request.csr
        guard let keyType = KeyType(csr.publicKey) else {
            throw ConnectorError.rejected("unsupported key type (supported: \(KeyType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if request.subject.isEmpty && request.subjectAlternativeNames.isEmpty {
            throw ConnectorError.rejected("the request has neither a subject nor a subjectAltName")
        }
        let notAfter = min(request.notAfter, caCertificate.notValidAfter)
        guard notAfter > request.notBefore else {
            throw ConnectorError.rejected("the CA certificate expires before the requested validity starts")
        }
        let notBefore = max(request.notBefore, caCertificate.notValidBefore)

        var extensions: [Certificate.Extension] = []
        extensions.append(try Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
        extensions.append(try Certificate.Extension(KeyUsage(digitalSignature: true, keyEncipherment: keyType.isRSA), critical: true))
        if !request.extendedKeyUsage.isEmpty {
            // RFC 3161 §2.3: a time-stamping certificate's EKU is critical.
            let critical = request.extendedKeyUsage == [.timeStamping]
            extensions.append(try Certificate.Extension(ExtendedKeyUsage(request.extendedKeyUsage), critical: critical))
        }
        extensions.append(try Certificate.Extension(SubjectKeyIdentifier(hash: csr.publicKey), critical: false))
        extensions.append(try Certificate.Extension(authorityKeyIdentifier, critical: false))
        if !request.subjectAlternativeNames.isEmpty {
            // RFC 5280 §4.2.1.6: critical when the subject is empty.
            extensions.append(
                try Certificate.Extension(SubjectAlternativeNames(request.subjectAlternativeNames), critical: request.subject.isEmpty))
        }
        if let aia = try Self.authorityInformationAccess(request.publicationURLs) {
            extensions.append(aia)
        }
        if let crl = request.publicationURLs.crlDistributionPoint {
            extensions.append(try CRLDistributionPoints(uris: [crl]).makeExtension())
        }
        return CertificateDraft(
            serialNumber: SerialNumberGenerator.next(), publicKey: csr.publicKey, notValidBefore: notBefore, notValidAfter: notAfter,
            subject: request.subject, extensions: extensions)
    }

    /// Signs a checked draft with the CA key.
    func sign(_ draft: CertificateDraft) async throws -> Certificate {
        try await Certificate(
            version: .v3,
            serialNumber: draft.serialNumber,
            publicKey: draft.publicKey,
            notValidBefore: draft.notValidBefore,
            notValidAfter: draft.notValidAfter,
            issuer: caCertificate.subject,
            subject: draft.subject,
            signatureAlgorithm: signer.signatureAlgorithm,
            extensions: try Certificate.Extensions(draft.extensions),
            issuerAsyncPrivateKey: Certificate.PrivateKey(SignerPrivateKey(signer))
        )
    }

    /// AKI pointing at the CA key: the CA certificate's SKI when it has one, else the RFC 5280 hash.
    var authorityKeyIdentifier: AuthorityKeyIdentifier {
        AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
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
