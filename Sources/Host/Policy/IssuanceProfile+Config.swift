import ConnectorAPI
import ConnectorSupport
import Foundation

extension IssuanceProfile {
    /// The `profiles:` list of the config file. Errors name the profile and the key; issuer ids are
    /// checked against the configured issuers later (``IssuancePolicy/Profiles/init(_:issuers:)``).
    static func parseList(_ value: OptionValue, baseDirectory: URL) throws -> [IssuanceProfile] {
        guard case .list(let items) = value else { throw HostError.configuration("config file: 'profiles' must be a list") }
        var seen = Set<String>()
        return try items.enumerated().map { index, item in
            guard case .mapping(let values) = item else {
                throw HostError.configuration("config file: profiles[\(index)] must be a mapping")
            }
            guard case .scalar(let id) = values["id"], isValidID(id) else {
                throw HostError.configuration("config file: profiles[\(index)]: 'id' must match [a-z0-9-]{1,64}")
            }
            guard seen.insert(id).inserted else { throw HostError.configuration("config file: profile \(id) is defined twice") }
            let options: ProfileOptions
            do {
                options = try ConnectorOptions(values, baseDirectory: baseDirectory, issuerID: id).decode(ProfileOptions.self)
            } catch let error as ConnectorError {
                let message =
                    error.message.hasPrefix("issuer \(id): ") ? String(error.message.dropFirst("issuer \(id): ".count)) : error.message
                throw HostError.configuration("profile \(id): \(message)")
            }
            do {
                return try IssuanceProfile(id: id, options: options)
            } catch let error as ProfileError {
                throw HostError.configuration("profile \(id): \(error.message)")
            }
        }
    }

    init(id: String, options: ProfileOptions) throws(ProfileError) {
        guard !options.issuers.isEmpty else { throw ProfileError("issuers must list at least one issuer") }
        let keyTypes = options.keyTypes ?? KeyType.allCases
        guard !keyTypes.isEmpty else { throw ProfileError("key_types must list at least one key type") }
        func duration(_ key: String, _ text: String?) throws(ProfileError) -> Int64? {
            guard let text else { return nil }
            guard let seconds = ConfigDuration.seconds(text), seconds >= 3_600 else {
                throw ProfileError("\(key) '\(text)' is not a duration of at least 1h, such as 90d or 12h")
            }
            return seconds
        }
        let defaultValidity = try duration("default_validity", options.defaultValidity)
        let maxValidity = try duration("max_validity", options.maxValidity)
        if let defaultValidity, let maxValidity, defaultValidity > maxValidity {
            throw ProfileError("default_validity is longer than max_validity")
        }
        var ekus: [ProfileEKU] = []
        for name in options.extKeyUsage ?? ["serverAuth"] {
            guard let eku = ProfileEKU(rawValue: name) else {
                throw ProfileError(
                    "ext_key_usage '\(name)' is not one of \(ProfileEKU.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !ekus.contains(eku) { ekus.append(eku) }
        }
        guard !ekus.isEmpty else { throw ProfileError("ext_key_usage must list at least one usage") }
        var attributes = Set<SubjectAttribute>()
        for name in options.subjectAttributes ?? [] {
            guard let attribute = SubjectAttribute(name: name) else {
                throw ProfileError(
                    "subject_attributes '\(name)' is not one of \(SubjectAttribute.allCases.map(\.rawValue).joined(separator: ", ")) (CN is always allowed)"
                )
            }
            attributes.insert(attribute)
        }
        if let limit = options.issuanceRateLimitPerKeyMin, limit < 0 {
            throw ProfileError("issuance_rate_limit_per_key_min must be 0 or more")
        }
        self.init(
            id: id, issuers: options.issuers, keyTypes: keyTypes, defaultValiditySeconds: defaultValidity, maxValiditySeconds: maxValidity,
            extendedKeyUsage: ekus, names: try NameRules(options.names ?? NameOptions()), subjectAttributes: attributes,
            issuanceRateLimitPerKeyMinute: options.issuanceRateLimitPerKeyMin)
        acme = try options.acme.map { (options) throws(ProfileError) in try ACMEProfileSettings(options) }
    }
}

extension NameRules {
    init(_ options: NameOptions) throws(ProfileError) {
        func each<T>(_ key: String, _ list: [String]?, _ parse: (String) throws(ProfileError) -> T) throws(ProfileError) -> [T]? {
            guard let list else { return nil }
            var parsed: [T] = []
            for (index, text) in list.enumerated() {
                do {
                    parsed.append(try parse(text))
                } catch {
                    throw ProfileError("names.\(key)[\(index)]: \(error.message)")
                }
            }
            return parsed
        }
        func cidr(_ text: String) throws(ProfileError) -> IPRange {
            do {
                return try IPRange(cidr: text)
            } catch {
                throw ProfileError(error.message)
            }
        }
        dns = try each("dns", options.dns, DNSPattern.init)
        dnsDeny = try each("dns_deny", options.dnsDeny, DNSPattern.init) ?? []
        allowWildcards = options.allowWildcards ?? false
        allowUnderscores = options.allowUnderscores ?? false
        ip = try each("ip", options.ip, cidr)
        ipDeny = try each("ip_deny", options.ipDeny, cidr) ?? []
        email = try each("email", options.email, EmailPattern.init)
        emailDeny = try each("email_deny", options.emailDeny, EmailPattern.init) ?? []
        uri = try each("uri", options.uri, URIPattern.init)
        uriDeny = try each("uri_deny", options.uriDeny, URIPattern.init) ?? []
        let maxSANs = options.maxSans ?? 100
        guard (1...1_000).contains(maxSANs) else { throw ProfileError("names.max_sans must be 1-1000") }
        self.maxSANs = maxSANs
    }
}
