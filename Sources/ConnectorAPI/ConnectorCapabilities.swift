/// What an issuer connector supports, as reported to API clients.
public struct ConnectorCapabilities: Sendable, Hashable, Codable {
    /// The host can publish a CRL for this issuer (it needs a CA signer).
    public var crl: Bool
    /// The host can answer OCSP for this issuer (it needs a CA signer).
    public var ocsp: Bool
    /// Certificates from this issuer can be revoked through the API.
    public var revoke: Bool

    public init(crl: Bool, ocsp: Bool, revoke: Bool) {
        self.crl = crl
        self.ocsp = ocsp
        self.revoke = revoke
    }

    /// A connector whose CA key signs through the host: CRL, OCSP and revocation all available.
    public static let signerBacked = ConnectorCapabilities(crl: true, ocsp: true, revoke: true)
}
