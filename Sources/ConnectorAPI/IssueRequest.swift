import Foundation
import X509

/// Everything a connector needs to issue one certificate.
///
/// The host has already verified the CSR's self-signature, checked that its key type is supported,
/// and resolved the validity window against the issuer's limits.
public struct IssueRequest: Sendable {
    /// The certificate signing request, signature already verified.
    public var csr: CertificateSigningRequest
    /// Start of the validity window.
    public var notBefore: Date
    /// End of the validity window.
    public var notAfter: Date
    /// URLs the host serves for this issuer, to embed in the certificate.
    public var publicationURLs: PublicationURLs

    /// - Parameters:
    ///   - csr: the verified request.
    ///   - notBefore: start of the validity window.
    ///   - notAfter: end of the validity window.
    ///   - publicationURLs: the host's URLs for this issuer.
    public init(csr: CertificateSigningRequest, notBefore: Date, notAfter: Date, publicationURLs: PublicationURLs) {
        self.csr = csr
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
