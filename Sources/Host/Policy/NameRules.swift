/// A profile's `names:` rules: allow and deny lists per SAN type (deny wins), wildcards,
/// underscores and the SAN count. A type without an allow list is refused.
struct NameRules: Sendable, Hashable {
    var dns: [DNSPattern]?
    var dnsDeny: [DNSPattern] = []
    var allowWildcards = false
    var allowUnderscores = false
    var ip: [IPRange]?
    var ipDeny: [IPRange] = []
    var email: [EmailPattern]?
    var emailDeny: [EmailPattern] = []
    var uri: [URIPattern]?
    var uriDeny: [URIPattern] = []
    var maxSANs = 100

    /// The built-in development profile's rules: every name of the four types.
    static let permissive = NameRules(
        dns: [.any], allowWildcards: true, allowUnderscores: true, ip: [IPRange.anyIPv4, IPRange.anyIPv6], email: [.any],
        uri: [.any], maxSANs: 1_000)

    /// Decides one validated name.
    /// - Throws: the ``PolicyRefusal`` that names the rule.
    func check(_ name: RequestedName, profile: String) throws(PolicyRefusal) {
        // The value is rendered only for a refusal (this runs for every name of every request).
        func refuse(_ rule: PolicyRefusal.Rule, _ why: String) -> PolicyRefusal {
            PolicyRefusal(rule, value: PolicyRefusal.shown(name.description), why)
        }
        switch name {
        case .dns(let dnsName):
            guard let allow = dns else { throw refuse(.sanTypeNotAllowed, "profile \(profile) allows no DNS names") }
            if dnsName.isWildcard && !allowWildcards { throw refuse(.wildcard, "profile \(profile) does not allow wildcard names") }
            if let rule = dnsDeny.first(where: { $0.touches(dnsName) }) {
                throw refuse(.dnsDenied, "denied by \(rule) in profile \(profile)")
            }
            guard allow.contains(where: { $0.covers(dnsName) }) else { throw refuse(.dnsNotAllowed, "not allowed by profile \(profile)") }
        case .ip(let address):
            guard let allow = ip else { throw refuse(.sanTypeNotAllowed, "profile \(profile) allows no IP addresses") }
            if let rule = ipDeny.first(where: { $0.contains(address) }) {
                throw refuse(.ipDenied, "denied by \(rule) in profile \(profile)")
            }
            guard allow.contains(where: { $0.contains(address) }) else { throw refuse(.ipNotAllowed, "not allowed by profile \(profile)") }
        case .email(let address):
            guard let allow = email else { throw refuse(.sanTypeNotAllowed, "profile \(profile) allows no email addresses") }
            if let rule = emailDeny.first(where: { $0.covers(address) }) {
                throw refuse(.emailDenied, "denied by \(rule) in profile \(profile)")
            }
            guard allow.contains(where: { $0.covers(address) }) else { throw refuse(.emailNotAllowed, "not allowed by profile \(profile)") }
        case .uri(let uriName):
            guard let allow = uri else { throw refuse(.sanTypeNotAllowed, "profile \(profile) allows no URIs") }
            if let rule = uriDeny.first(where: { $0.covers(uriName) }) {
                throw refuse(.uriDenied, "denied by \(rule) in profile \(profile)")
            }
            guard allow.contains(where: { $0.covers(uriName) }) else { throw refuse(.uriNotAllowed, "not allowed by profile \(profile)") }
        }
    }
}

extension IPRange {
    static let anyIPv4 = IPRange(network: [0, 0, 0, 0], mask: [0, 0, 0, 0])
    static let anyIPv6 = IPRange(network: [UInt8](repeating: 0, count: 16), mask: [UInt8](repeating: 0, count: 16))
}
