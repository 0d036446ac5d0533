import ConnectorSupport

/// A `profiles:` entry as written.
struct ProfileOptions: Decodable {
    var id: String
    var issuers: [String]
    var keyTypes: [KeyType]?
    var defaultValidity: String?
    var maxValidity: String?
    var extKeyUsage: [String]?
    var names: NameOptions?
    var subjectAttributes: [String]?
    var issuanceRateLimitPerKeyMin: Int?
    var acme: ACMEProfileSettings.Options?
}

/// A profile's `names:` as written.
struct NameOptions: Decodable {
    var dns: [String]?
    var dnsDeny: [String]?
    var allowWildcards: Bool?
    var allowUnderscores: Bool?
    var ip: [String]?
    var ipDeny: [String]?
    var email: [String]?
    var emailDeny: [String]?
    var uri: [String]?
    var uriDeny: [String]?
    var maxSans: Int?
}
