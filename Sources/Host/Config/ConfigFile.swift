import ConnectorAPI
import ConnectorSupport
import Foundation
import Yams

/// The YAML configuration file, parsed strictly: unknown keys, wrong shapes, duplicate issuer ids
/// and invalid durations are errors naming the key.
struct ConfigFile {
    var settings: [String: String]
    var issuers: [IssuerSettings]
    /// `profiles:`; `nil` when the file has none (development mode).
    var profiles: [IssuanceProfile]? = nil
    /// `trusted_proxies:` (config file only, SPEC §10): CIDRs whose connections start with a PROXY v2 header.
    var trustedProxies: [String] = []
    /// Directory relative paths resolve against.
    var directory: URL

    static let issuerHostKeys: Set<String> = ["id", "type", "max_validity", "default_validity"]

    static func read(_ url: URL) throws -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw HostError.configuration("config file \(url.path) cannot be read")
        }
        return try parse(text, path: url.path, directory: url.deletingLastPathComponent())
    }

    /// The file's text, read from `path` (named in errors); relative paths resolve against `directory`.
    static func parse(_ text: String, path: String, directory: URL) throws -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw HostError.configuration("config file \(path) is not valid YAML: \(Self.describe(error))")
        }
        var file = ConfigFile(settings: [:], issuers: [], directory: directory)
        guard let root else { return file }
        guard let mapping = root.mapping else {
            throw HostError.configuration("config file \(path): the top level must be a mapping")
        }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw HostError.configuration("config file: keys must be strings") }
            if key == "issuers" {
                file.issuers = try parseIssuers(valueNode, directory: directory)
            } else if key == "trusted_proxies" {
                guard let items = valueNode.sequence, let texts = Optional(items.compactMap(\.scalar?.string)), texts.count == items.count
                else {
                    throw HostError.configuration("config file: 'trusted_proxies' must be a list of CIDRs, e.g. [10.0.0.0/24]")
                }
                file.trustedProxies = texts
            } else if key == "profiles" {
                file.profiles = try IssuanceProfile.parseList(try optionValue(valueNode, at: "profiles"), baseDirectory: directory)
            } else if HostConfiguration.settingKeys.contains(key) {
                guard let scalar = valueNode.scalar else {
                    throw HostError.configuration("config file: '\(key)' must be a scalar value")
                }
                file.settings[key] = scalar.string
            } else {
                throw HostError.configuration(
                    "config file: unknown key '\(key)' (known: issuers, profiles, trusted_proxies, \(HostConfiguration.settingKeys.joined(separator: ", ")))"
                )
            }
        }
        return file
    }

    static func parseIssuers(_ node: Node, directory: URL) throws -> [IssuerSettings] {
        guard let sequence = node.sequence else { throw HostError.configuration("config file: 'issuers' must be a list") }
        var seen = Set<String>()
        return try sequence.enumerated().map { index, item in
            guard case .mapping(let values) = try optionValue(item, at: "issuers[\(index)]") else {
                throw HostError.configuration("config file: issuers[\(index)] must be a mapping")
            }
            guard case .scalar(let id) = values["id"], id.range(of: "^[a-z0-9-]{1,64}$", options: .regularExpression) != nil else {
                throw HostError.configuration("config file: issuers[\(index)]: 'id' must match [a-z0-9-]{1,64}")
            }
            guard seen.insert(id).inserted else { throw HostError.configuration("config file: issuer \(id) is defined twice") }
            guard case .scalar(let type) = values["type"], !type.isEmpty else {
                throw HostError.configuration("config file: issuer \(id): missing 'type'")
            }
            return try IssuerSettings.make(id: id, type: type, values: values, directory: directory)
        }
    }

    /// Most values one top-level key may expand to. YAML aliases repeat a value without repeating
    /// its text, so ten nested aliases of ten make ten billion ("billion laughs"); a real
    /// configuration has a few hundred.
    static let maxValues = 100_000

    /// A YAML node as an option value; keys must be strings.
    static func optionValue(_ node: Node, at path: String) throws -> OptionValue {
        var budget = maxValues
        return try optionValue(node, at: path, budget: &budget)
    }

    private static func optionValue(_ node: Node, at path: String, budget: inout Int) throws -> OptionValue {
        budget -= 1
        guard budget >= 0 else {
            throw HostError.configuration("config file: \(path): more than \(maxValues) values (aliases expanding without bound?)")
        }
        if let scalar = node.scalar { return .scalar(scalar.string) }
        if let sequence = node.sequence {
            var items: [OptionValue] = []
            for (index, item) in sequence.enumerated() { items.append(try optionValue(item, at: "\(path)[\(index)]", budget: &budget)) }
            return .list(items)
        }
        guard let pairs = node.mapping else { throw HostError.configuration("config file: \(path): unsupported value") }
        var mapping: [String: OptionValue] = [:]
        for (keyNode, valueNode) in pairs {
            guard let key = keyNode.string else { throw HostError.configuration("config file: \(path): every key must be a string") }
            mapping[key] = try optionValue(valueNode, at: "\(path).\(key)", budget: &budget)
        }
        return .mapping(mapping)
    }
}

extension IssuerSettings {
    /// Splits an issuer's keys into the host's (`id`, `type`, validity limits) and the connector's.
    static func make(id: String, type: String, values: [String: OptionValue], directory: URL) throws -> IssuerSettings {
        func duration(_ key: String, default fallback: Int64) throws -> Int64 {
            guard let value = values[key] else { return fallback }
            guard case .scalar(let text) = value else { throw HostError.configuration("issuer \(id): \(key) must be a scalar") }
            guard let seconds = ConfigDuration.seconds(text) else {
                throw HostError.configuration("issuer \(id): \(key) '\(text)' is not a duration such as 90d or 12h")
            }
            return seconds
        }
        let maxValidity = try duration("max_validity", default: defaultMaxValiditySeconds)
        let defaultValidity = try duration("default_validity", default: min(defaultValiditySeconds, maxValidity))
        guard defaultValidity <= maxValidity else {
            throw HostError.configuration("issuer \(id): default_validity is longer than max_validity")
        }
        return IssuerSettings(
            id: id,
            type: type,
            maxValiditySeconds: maxValidity,
            defaultValiditySeconds: defaultValidity,
            options: ConnectorOptions(values.filter { !ConfigFile.issuerHostKeys.contains($0.key) }, baseDirectory: directory, issuerID: id)
        )
    }
}
