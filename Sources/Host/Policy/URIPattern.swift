/// A profile's URI rule: a prefix compared after parsing (``URIName/hasPrefix(_:)``).
enum URIPattern: Sendable, Hashable, CustomStringConvertible {
    case prefix(URIName)
    case any

    init(_ text: String) throws(ProfileError) {
        let parsed = try URIName(text) { why in ProfileError("'\(text)' is not a URI prefix (\(why))") }
        guard parsed.host != nil else { throw ProfileError("'\(text)': a URI prefix needs scheme://host/") }
        self = .prefix(parsed)
    }

    var description: String {
        switch self {
        case .prefix(let uri): uri.text
        case .any: "*"
        }
    }

    func covers(_ name: URIName) -> Bool {
        switch self {
        case .any: true
        case .prefix(let prefix): name.hasPrefix(prefix)
        }
    }
}
