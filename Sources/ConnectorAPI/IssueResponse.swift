import X509

/// The result of ``IssuerConnector/issue(_:)``.
public struct IssueResponse: Sendable {
    /// The new end-entity certificate.
    public var certificate: Certificate
    /// The chain above it, issuing CA first (the root may be omitted).
    public var chain: [Certificate]

    /// - Parameters:
    ///   - certificate: the issued certificate.
    ///   - chain: the CA chain above it, issuing CA first.
    public init(certificate: Certificate, chain: [Certificate]) {
        self.certificate = certificate
        self.chain = chain
    }
}
