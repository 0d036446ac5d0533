import Foundation

/// A connector's configuration keys, read strictly: every getter names the issuer and key in its
/// error, and ``validateNoUnknownKeys(_:)`` turns a typo into a startup error instead of a silent
/// default.
public struct ConnectorOptions: Sendable {
    /// Raw values as they came from YAML (scalars as strings).
    public private(set) var values: [String: String]
    /// Directory that relative paths resolve against (the config file's directory).
    public var baseDirectory: URL
    /// Issuer id, used in error messages.
    public var issuerID: String

    public init(values: [String: String], baseDirectory: URL, issuerID: String) {
        self.values = values
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
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
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
