import Foundation

/// A connector's configuration keys, read strictly: every getter names the issuer and key in its
/// error, and ``validateNoUnknownKeys(_:)`` turns a typo into a startup error instead of a silent
/// default.
public struct ConnectorOptions: Sendable {
    /// Raw values as they came from YAML (scalars as strings).
    public private(set) var values: [String: String]
    /// Keys whose value is a YAML list of scalars (e.g. a command line).
    public private(set) var lists: [String: [String]]
    /// Keys whose value is a YAML mapping of scalars (e.g. environment variables).
    public private(set) var maps: [String: [String: String]]
    /// Directory that relative paths resolve against (the config file's directory).
    public var baseDirectory: URL
    /// Issuer id, used in error messages.
    public var issuerID: String

    public init(
        values: [String: String], lists: [String: [String]] = [:], maps: [String: [String: String]] = [:], baseDirectory: URL,
        issuerID: String
    ) {
        self.values = values
        self.lists = lists
        self.maps = maps
        self.baseDirectory = baseDirectory
        self.issuerID = issuerID
    }

    /// A required string value.
    public func string(_ key: String) throws -> String {
        guard let value = values[key], !value.isEmpty else {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): missing required key '\(key)'")
        }
        return value
    }

    /// An optional string value.
    public func optionalString(_ key: String) -> String? {
        values[key].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A required non-empty list of strings (a YAML sequence).
    public func list(_ key: String) throws -> [String] {
        guard let list = lists[key], !list.isEmpty else {
            if values[key] != nil {
                throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(key) must be a list, e.g. [\"/usr/bin/tool\", \"--flag\"]")
            }
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): missing required key '\(key)' (a list)")
        }
        return list
    }

    /// An optional mapping of strings (a YAML mapping); absent is empty.
    public func map(_ key: String) throws -> [String: String] {
        if values[key] != nil || lists[key] != nil {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(key) must be a mapping of NAME: value")
        }
        return maps[key] ?? [:]
    }

    /// Resolves a path against ``baseDirectory`` when relative.
    public func resolvePath(_ path: String) -> URL { resolve(path) }

    /// A required path, resolved against ``baseDirectory`` when relative.
    public func path(_ key: String) throws -> URL {
        resolve(try string(key))
    }

    /// An optional path, resolved against ``baseDirectory`` when relative.
    public func optionalPath(_ key: String) -> URL? {
        optionalString(key).map(resolve)
    }

    /// An optional duration (`30s`, `15m`, `1h`, `7d`) in seconds; an unparsable value is an error.
    public func duration(_ key: String) throws -> Int64? {
        guard let text = optionalString(key) else { return nil }
        guard let seconds = ConfigDuration.seconds(text) else {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(key) '\(text)' is not a duration such as 30s, 15m, 1h or 7d")
        }
        return seconds
    }

    /// An optional positive integer.
    public func positiveInteger(_ key: String) throws -> Int? {
        guard let text = optionalString(key) else { return nil }
        guard let value = Int(text), value > 0 else {
            throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(key) '\(text)' is not a positive integer")
        }
        return value
    }

    /// An optional boolean (`true`/`false`, also YAML's `yes`/`no`); anything else is an error.
    public func bool(_ key: String) throws -> Bool? {
        guard let text = optionalString(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(key) '\(text)' is not true or false")
        }
    }

    /// Throws when any key is not in `known`, naming the first unknown one.
    public func validateNoUnknownKeys(_ known: Set<String>) throws {
        let keys = Set(values.keys).union(lists.keys).union(maps.keys)
        if let unknown = keys.sorted().first(where: { !known.contains($0) }) {
            throw ConnectorError.invalidConfiguration(
                "issuer \(issuerID): unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))"
            )
        }
    }

    private func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL
    }
}
