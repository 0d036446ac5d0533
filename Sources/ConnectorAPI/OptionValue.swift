/// One value of a connector's configuration, as it came from the YAML file: a scalar (kept as
/// written), a list or a mapping.
///
/// Connectors do not read these directly: ``ConnectorOptions/decode(_:)`` turns an issuer's
/// values into the connector's own `Decodable` options type. The literal conformances make
/// options easy to write in tests: `["command": ["/usr/bin/plugin", "--flag"], "timeout": "5s"]`.
public enum OptionValue: Sendable, Hashable {
    /// A scalar, as written in the file (`true`, `30s` and `42` are all text here; the decoder
    /// parses them into the property's type).
    case scalar(String)
    /// A YAML sequence.
    case list([OptionValue])
    /// A YAML mapping with string keys.
    case mapping([String: OptionValue])

    /// What this value is, for error messages: `a scalar`, `a list` or `a mapping`.
    public var kind: String {
        switch self {
        case .scalar: "a scalar"
        case .list: "a list"
        case .mapping: "a mapping"
        }
    }
}

extension OptionValue: ExpressibleByStringLiteral {
    /// A scalar.
    public init(stringLiteral value: String) { self = .scalar(value) }
}

extension OptionValue: ExpressibleByArrayLiteral {
    /// A list.
    public init(arrayLiteral elements: OptionValue...) { self = .list(elements) }
}

extension OptionValue: ExpressibleByDictionaryLiteral {
    /// A mapping; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, OptionValue)...) {
        self = .mapping(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}
