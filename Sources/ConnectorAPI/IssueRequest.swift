import Foundation
import X509

/// Everything a connector needs to issue one certificate.
///
/// The host has already verified the CSR's self-signature and decided the request against the
/// issuance policy: ``subject``, ``subjectAlternativeNames`` and ``extendedKeyUsage`` are what it
/// approved. A connector that builds certificates itself certifies exactly those (never the CSR's
/// own extensions); a passthrough connector sends the CSR upstream, and the host checks what comes
/// back against the approval before storing it.
public struct IssueRequest: Sendable {
    /// The certificate signing request, signature already verified.
    public var csr: CertificateSigningRequest
    /// The approved subject (the CSR's, checked; a CN naming a DNS name is lower-case).
    public var subject: DistinguishedName
    /// The approved SANs, validated and lower-cased; empty when the request has none.
    public var subjectAlternativeNames: [GeneralName]
    /// The EKUs the profile sets.
    public var extendedKeyUsage: [ExtendedKeyUsage.Usage]
    /// Start of the validity window.
    public var notBefore: Date
    /// End of the validity window.
    public var notAfter: Date
    /// URLs the host serves for this issuer, to embed in the certificate.
    public var publicationURLs: PublicationURLs

    /// - Parameters:
    ///   - csr: the verified request.
    ///   - subject: the approved subject.
    ///   - subjectAlternativeNames: the approved SANs.
    ///   - extendedKeyUsage: the approved EKUs.
    ///   - notBefore: start of the validity window.
    ///   - notAfter: end of the validity window.
    ///   - publicationURLs: the host's URLs for this issuer.
    public init(
        csr: CertificateSigningRequest, subject: DistinguishedName, subjectAlternativeNames: [GeneralName],
        extendedKeyUsage: [ExtendedKeyUsage.Usage], notBefore: Date, notAfter: Date, publicationURLs: PublicationURLs
    ) {
        self.csr = csr
        self.subject = subject
        self.subjectAlternativeNames = subjectAlternativeNames
        self.extendedKeyUsage = extendedKeyUsage
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.publicationURLs = publicationURLs
    }
}

/// URLs the host publishes for an issuer. A connector that builds certificates itself puts them in
/// the Authority Information Access and CRL Distribution Points extensions; `nil` means "leave out".
public struct PublicationURLs: Sendable, Hashable {
    /// `caIssuers` access location (the issuing CA certificate, DER).
    public var caIssuers: String?
    /// `ocsp` access location.
    public var ocsp: String?
    /// CRL distribution point. Never an empty CDP: `nil` leaves the extension out.
    public var crlDistributionPoint: String?

    /// - Parameters:
    ///   - caIssuers: see ``caIssuers``.
    ///   - ocsp: see ``ocsp``.
    ///   - crlDistributionPoint: see ``crlDistributionPoint``.
    public init(caIssuers: String? = nil, ocsp: String? = nil, crlDistributionPoint: String? = nil) {
        self.caIssuers = caIssuers
        self.ocsp = ocsp
        self.crlDistributionPoint = crlDistributionPoint
    }
}
