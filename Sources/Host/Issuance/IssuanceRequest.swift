/// One request for a certificate, from any front-end (`POST /api/v1/certificates`, and later
/// ACME, EST and SCEP), before the policy has decided it.
public struct IssuanceRequest: Sendable {
    /// The PKCS#10 request, PEM.
    public var csrPEM: String
    /// `"profile"`: which profile to issue through (see ``IssuancePolicy/resolve``).
    public var profile: String?
    /// `"issuer_id"`: which issuer to use.
    public var issuerID: String?
    /// `"validity_days"`: the profile's default when `nil`.
    public var validityDays: Int?

    public init(csrPEM: String, profile: String? = nil, issuerID: String? = nil, validityDays: Int? = nil) {
        self.csrPEM = csrPEM
        self.profile = profile
        self.issuerID = issuerID
        self.validityDays = validityDays
    }
}
