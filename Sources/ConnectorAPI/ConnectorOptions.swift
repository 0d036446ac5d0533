import Foundation

/// A connector's own configuration keys: everything in its `issuers:` entry except the keys the
/// host reads itself (`id`, `type`, `max_validity`, `default_validity`).
///
/// A connector declares its options as a `Decodable` type and calls ``decode(_:)`` in its
/// ``ConnectorFactory/make(_:)``:
///
/// ```swift
/// struct Options: Decodable {
///     var keyFile: URL          // key_file: a path, resolved against the config file's directory
///     var maxSessions: Int?     // max_sessions: optional
/// }
/// let options = try configuration.options.decode(Options.self)
/// ```
///
/// Keys the type does not read are refused, so a typo stops start-up instead of becoming a
/// silent default; every error names the issuer and the key.
public struct ConnectorOptions: Sendable, Hashable {
    /// The values as they came from the configuration file.
    public var values: [String: OptionValue]
    /// The directory relative paths resolve against (the configuration file's directory).
    public var baseDirectory: URL
    /// The issuer id, for error messages.
    public var issuerID: String

    /// - Parameters:
    ///   - values: the connector's keys and their values.
    ///   - baseDirectory: where relative paths resolve.
    ///   - issuerID: the issuer these options configure.
    public init(_ values: [String: OptionValue], baseDirectory: URL, issuerID: String) {
        self.values = values
        self.baseDirectory = baseDirectory
        self.issuerID = issuerID
    }

    /// The options as `T`: a property reads the key of its name or of its snake_case form
    /// (`keyFile` reads `key_file`); scalars parse into strings, booleans, numbers, ``OptionChoice``
    /// enums and `URL`s (paths, resolved against ``baseDirectory``); an empty value is absent.
    ///
    /// - Throws: ``ConnectorError`` `invalidConfiguration` naming the issuer and the key, for a
    ///   missing required key, a value of the wrong shape or syntax, or a key `T` does not read.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let context = OptionsDecodingContext(baseDirectory: baseDirectory)
        let decoder = OptionsDecoder(value: .mapping(values), codingPath: [], context: context)
        let decoded: T
        do {
            decoded = try decoder.decode(type)
        } catch let error as DecodingError {
            // Only a missing key is likely a misspelt one; after another failure the keys not read
            // yet are simply the ones after it.
            guard case .keyNotFound = error else { throw invalid(Self.describe(error)) }
            throw invalid(Self.describe(error) + typoHint(context))
        }
        if let unknown = context.unknownKeys.first {
            let key = Self.render(unknown.path + [OptionKey(stringValue: unknown.key)])
            throw invalid("unknown key '\(key)' (known: \(unknown.known.joined(separator: ", ")))")
        }
        return decoded
    }

    /// A configuration error about this issuer: `issuer <id>: <message>`.
    public func invalid(_ message: String, file: String = #fileID, line: UInt = #line) -> ConnectorError {
        .invalidConfiguration("issuer \(issuerID): \(message)", file: file, line: line)
    }

    /// Keys given but not read before the decode failed: usually the misspelling of the missing key.
    private func typoHint(_ context: OptionsDecodingContext) -> String {
        let unknown = context.unknownKeys.filter(\.path.isEmpty).map { "'\($0.key)'" }
        return unknown.isEmpty ? "" : " (also given: \(unknown.joined(separator: ", ")), which this connector does not read)"
    }

    static func render(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { text, key in
            if key.intValue != nil {
                text += key.stringValue
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            let path = render(context.codingPath.last?.stringValue == key.stringValue ? context.codingPath : context.codingPath + [key])
            return "missing required key '\(path)'"
        case .valueNotFound(_, let context):
            return "missing required key '\(render(context.codingPath))'"
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            let path = render(context.codingPath)
            return path.isEmpty ? context.debugDescription : "\(path) \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// An option whose value is one of a fixed set of names (`challenge: dns-01`). A `String` enum
/// that conforms decodes with an error listing the accepted names.
public protocol OptionChoice: RawRepresentable, CaseIterable, Decodable, Sendable where RawValue == String {}

extension OptionChoice {
    /// Decodes one of `allCases` by raw value; anything else is an error naming the choices.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let names = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not one of \(names)"))
        }
        self = value
    }
}
