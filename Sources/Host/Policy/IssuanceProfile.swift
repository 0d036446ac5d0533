import ConnectorSupport
import Foundation

/// One `profiles:` entry (SPEC §7): which issuers, key types, validity, EKUs, names and subject
/// attributes a request through it may have. Decided by ``IssuancePolicy``.
public struct IssuanceProfile: Sendable, Hashable {
    /// `[a-z0-9-]{1,64}`; a request names it as `"profile"`.
    public var id: String
    /// The issuers it may use; the first when a request names none. Empty only for the
    /// development profile, which uses every issuer.
    public var issuers: [String]
    var keyTypes: [KeyType]
    /// `default_validity`; `nil` uses the issuer's.
    var defaultValiditySeconds: Int64?
    /// `max_validity`; `nil` uses the issuer's (the issuer's always caps it).
    var maxValiditySeconds: Int64?
    var extendedKeyUsage: [ProfileEKU]
    var names: NameRules
    /// Attributes beyond CN; `nil` allows any (development profile only).
    var subjectAttributes: Set<SubjectAttribute>?
    /// Whether a CN must be one of the SANs (always, except in the development profile).
    var commonNameMustBeSAN: Bool
    /// `issuance_rate_limit_per_key_min`, overriding `CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN`.
    var issuanceRateLimitPerKeyMinute: Int?
    /// The `acme:` block; `nil` (or `enabled: false`) serves no ACME directory for the profile.
    public var acme: ACMEProfileSettings?

    /// Whether this is the built-in permissive profile used while no profiles are configured.
    public var isDevelopmentDefault: Bool { id == Self.developmentID && issuers.isEmpty }

    static let developmentID = "default"

    /// `[a-z0-9-]{1,64}`.
    public static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// The built-in `default` profile while no `profiles:` are configured: every issuer, key type
    /// and name of the four SAN types (wildcards and underscores too), any subject, a CN that need
    /// not be a SAN, serverAuth and clientAuth. otherName and the other SAN types stay refused.
    public static let development = IssuanceProfile(
        id: developmentID, issuers: [], keyTypes: KeyType.allCases, extendedKeyUsage: [.serverAuth, .clientAuth], names: .permissive,
        subjectAttributes: nil, commonNameMustBeSAN: false)

    init(
        id: String, issuers: [String], keyTypes: [KeyType], defaultValiditySeconds: Int64? = nil, maxValiditySeconds: Int64? = nil,
        extendedKeyUsage: [ProfileEKU] = [.serverAuth], names: NameRules, subjectAttributes: Set<SubjectAttribute>? = [],
        commonNameMustBeSAN: Bool = true, issuanceRateLimitPerKeyMinute: Int? = nil
    ) {
        self.id = id
        self.issuers = issuers
        self.keyTypes = keyTypes
        self.defaultValiditySeconds = defaultValiditySeconds
        self.maxValiditySeconds = maxValiditySeconds
        self.extendedKeyUsage = extendedKeyUsage
        self.names = names
        self.subjectAttributes = subjectAttributes
        self.commonNameMustBeSAN = commonNameMustBeSAN
        self.issuanceRateLimitPerKeyMinute = issuanceRateLimitPerKeyMinute
    }

    /// Whether requests through this profile may use `issuerID`.
    public func includes(issuer issuerID: String) -> Bool {
        issuers.isEmpty ? isDevelopmentDefault : issuers.contains(issuerID)
    }
}
