import Foundation

/// A `uniformResourceIdentifier` SAN, parsed so prefixes compare by component: scheme and host
/// lower-case, port, path.
///
/// Malformed (400): not ASCII, a control character or space, no `scheme:`, an authority whose host
/// is not a valid DNS name or IP literal, or a path with dot segments or encoded `/` `.` (those
/// would let `spiffe://x/a/../b` pass an `spiffe://x/a/` prefix).
struct URIName: Sendable, Hashable, CustomStringConvertible {
    let text: String
    let scheme: String
    /// Lower-case; `nil` for URIs without an authority (`urn:…`).
    let host: String?
    let port: Int?
    let path: String

    var description: String { text }

    /// - Throws: ``PolicyRefusal`` `invalidName` naming the value.
    init(validating value: String) throws {
        try self.init(
            value,
            invalid: { why in
                PolicyRefusal(.invalidName, value: PolicyRefusal.shown(value), "not a valid URI (\(why))")
            })
    }

    /// Parses with `invalid` making the error (profiles use it to name the config key).
    init<E: Error>(_ value: String, invalid: (String) -> E) throws(E) {
        guard value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value != 0x7F }) else {
            throw invalid("non-ASCII, control character or space")
        }
        guard let components = URLComponents(string: value), let scheme = components.scheme, !scheme.isEmpty else {
            throw invalid("no scheme")
        }
        var host: String?
        if let rawHost = components.percentEncodedHost {
            guard !rawHost.isEmpty else { throw invalid("empty host") }
            let lower = rawHost.lowercased()
            if lower.hasPrefix("[") {
                guard lower.hasSuffix("]"), IPAddress(String(lower.dropFirst().dropLast())) != nil else { throw invalid("bad IP literal") }
            } else if IPAddress(lower) == nil {
                guard (try? DNSName(validating: lower, allowUnderscores: false, allowWildcard: false)) != nil else {
                    throw invalid("the host is not a valid DNS name")
                }
            }
            host = lower
        }
        guard components.percentEncodedUser == nil, components.percentEncodedPassword == nil else {
            throw invalid("user information is not allowed")
        }
        let path = components.percentEncodedPath
        let lowerPath = path.lowercased()
        guard !lowerPath.contains("%2f"), !lowerPath.contains("%2e"), !lowerPath.contains("%5c") else {
            throw invalid("encoded '/', '.' or '\\' in the path")
        }
        guard !path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) else {
            throw invalid("dot segments in the path")
        }
        self.text = value
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = components.port
        self.path = path
    }

    /// Whether `self` falls under the prefix `pattern`: same scheme, host and port, and a path that
    /// starts with the pattern's at a segment boundary (`/a/` and `/a` both cover `/a/b`, not `/ab`).
    func hasPrefix(_ pattern: URIName) -> Bool {
        guard scheme == pattern.scheme, host == pattern.host, port == pattern.port else { return false }
        if pattern.path.isEmpty || pattern.path == "/" { return true }
        guard path.hasPrefix(pattern.path) else { return false }
        if path.count == pattern.path.count || pattern.path.hasSuffix("/") { return true }
        return path.dropFirst(pattern.path.count).first == "/"
    }
}
