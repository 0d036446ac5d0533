import ConnectorSupport
import Foundation

/// A profile's `acme:` block (SPEC §8): whether `/acme/{profile}/directory` exists and how its
/// orders are validated and limited.
public struct ACMEProfileSettings: Sendable, Hashable {
    public enum Challenge: String, Sendable, Hashable, CaseIterable {
        case http01 = "http-01"
        case dns01 = "dns-01"
        case tlsALPN01 = "tls-alpn-01"
    }

    public var enabled: Bool
    public var eabRequired: Bool
    public var challenges: [Challenge]
    public var termsOfServiceURL: String?
    public var authorizationLifetimeSeconds: Int64
    public var orderLifetimeSeconds: Int64
    public var ordersPerAccountPerHour: Int
    public var caaIdentities: [String]

    /// The block as written (`acme:` under a profile).
    struct Options: Decodable {
        var enabled: Bool?
        var eabRequired: Bool?
        var challenges: [String]?
        var termsOfServiceUrl: String?
        var authorizationLifetime: String?
        var orderLifetime: String?
        var ordersPerAccountPerHour: Int?
        var caaIdentities: [String]?
    }

    init(_ options: Options) throws(ProfileError) {
        enabled = options.enabled ?? false
        eabRequired = options.eabRequired ?? false
        var challenges: [Challenge] = []
        for name in options.challenges ?? ["http-01", "dns-01", "tls-alpn-01"] {
            guard let challenge = Challenge(rawValue: name) else {
                throw ProfileError("acme.challenges '\(name)' is not one of http-01, dns-01, tls-alpn-01")
            }
            if !challenges.contains(challenge) { challenges.append(challenge) }
        }
        guard !challenges.isEmpty else { throw ProfileError("acme.challenges must list at least one challenge type") }
        self.challenges = challenges
        if let url = options.termsOfServiceUrl {
            guard let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme ?? "") else {
                throw ProfileError("acme.terms_of_service_url '\(url)' is not an http(s) URL")
            }
        }
        termsOfServiceURL = options.termsOfServiceUrl
        func duration(_ key: String, _ text: String?, default value: Int64) throws(ProfileError) -> Int64 {
            guard let text else { return value }
            guard let seconds = ConfigDuration.seconds(text), seconds >= 60 else {
                throw ProfileError("acme.\(key) '\(text)' is not a duration of at least 1m, such as 30d")
            }
            return seconds
        }
        authorizationLifetimeSeconds = try duration("authorization_lifetime", options.authorizationLifetime, default: 30 * 86_400)
        orderLifetimeSeconds = try duration("order_lifetime", options.orderLifetime, default: 7 * 86_400)
        let limit = options.ordersPerAccountPerHour ?? 300
        guard limit >= 0 else { throw ProfileError("acme.orders_per_account_per_hour must be 0 (no limit) or more") }
        ordersPerAccountPerHour = limit
        caaIdentities = options.caaIdentities ?? []
        for identity in caaIdentities where (try? DNSName(validating: identity, allowUnderscores: false, allowWildcard: false)) == nil {
            throw ProfileError("acme.caa_identities '\(identity)' is not a domain name")
        }
    }
}
