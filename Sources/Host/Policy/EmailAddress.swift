/// An `rfc822Name` SAN: `local@domain`, the domain a valid DNS name stored lower-case.
///
/// The local part must be 1–64 printable ASCII characters without spaces, `@`, quotes or
/// backslashes (quoted local parts and internationalised addresses are refused as malformed).
struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    let local: String
    let domain: DNSName

    var description: String { "\(local)@\(domain)" }

    /// - Throws: ``PolicyRefusal`` `invalidName` naming the value.
    init(validating value: String) throws {
        func invalid(_ why: String) -> PolicyRefusal {
            PolicyRefusal(.invalidName, value: PolicyRefusal.shown(value), "not a valid email address (\(why))")
        }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw invalid("it must have exactly one '@'") }
        let local = parts[0]
        guard (1...64).contains(local.utf8.count) else { throw invalid("the local part must be 1-64 characters") }
        guard local.utf8.allSatisfy({ (0x21...0x7E).contains($0) && !"\"\\()<>[]:;,".utf8.contains($0) }) else {
            throw invalid("the local part has a character outside printable ASCII, a space or a special")
        }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { throw invalid("misplaced '.' in the local part") }
        let domain: DNSName
        do {
            domain = try DNSName(validating: String(parts[1]), allowUnderscores: false, allowWildcard: false)
        } catch {
            throw invalid("the domain is not a valid DNS name")
        }
        self.local = String(local)
        self.domain = domain
    }
}
