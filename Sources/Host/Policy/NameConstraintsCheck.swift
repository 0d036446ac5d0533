import SwiftASN1
import X509

/// The issuing CA's own nameConstraints (RFC 5280 §4.2.1.10), applied before signing: a name a
/// relying party would reject is refused with 403 `name_constraints` instead of being certified.
///
/// Every CA certificate of the issuer's chain is consulted. For each name type that has permitted
/// subtrees a name must fall in one; no name may fall in an excluded subtree. DNS: `example.com`
/// covers itself and every name below it (a leading `.` only the names below). Email: a full
/// mailbox, a host, or `.domain` for the hosts below it. URI: the host, or `.domain`. IP: address
/// and mask. directoryName: the subject must start with the constraint's RDNs.
enum NameConstraintsCheck {
    static func check(names: [RequestedName], subject: DistinguishedName, chain: [Certificate]) throws(PolicyRefusal) {
        for ca in chain {
            let constraints: NameConstraints?
            do {
                constraints = try ca.extensions.nameConstraints
            } catch {
                throw PolicyRefusal(.nameConstraints, value: ca.subject.description, "the CA's nameConstraints cannot be parsed")
            }
            guard let constraints else { continue }
            for name in names {
                try check(name.description, matches: { matches(name, $0, excluded: $1) }, constraints: constraints, ca: ca)
            }
            if !subject.isEmpty {
                try check(
                    subject.description,
                    matches: { constraint, _ in
                        guard case .directoryName(let base) = constraint else { return nil }
                        return subject.count >= base.count && Array(subject.prefix(base.count)) == Array(base)
                    }, constraints: constraints, ca: ca)
            }
        }
    }

    /// `matches(constraint, excluded)` answers `nil` for a constraint of another name type.
    private static func check(
        _ value: String, matches: (GeneralName, Bool) -> Bool?, constraints: NameConstraints, ca: Certificate
    ) throws(PolicyRefusal) {
        let shown = PolicyRefusal.shown(value)
        if constraints.excludedSubtrees.contains(where: { matches($0, true) == true }) {
            throw PolicyRefusal(.nameConstraints, value: shown, "excluded by the nameConstraints of \(ca.subject)")
        }
        let permitted = constraints.permittedSubtrees.compactMap { matches($0, false) }
        if !permitted.isEmpty && !permitted.contains(true) {
            throw PolicyRefusal(.nameConstraints, value: shown, "outside the nameConstraints of \(ca.subject)")
        }
    }

    /// Whether `name` falls in `constraint`; `nil` when the constraint is of another type. For an
    /// excluded subtree a wildcard `*.y` also falls in a constraint one label below `y`, a name
    /// the wildcard would match.
    static func matches(_ name: RequestedName, _ constraint: GeneralName, excluded: Bool) -> Bool? {
        switch (name, constraint) {
        case (.dns(let dns), .dnsName(let text)):
            if excluded, dns.isWildcard, let base = dns.base {
                let trimmed = text.lowercased().drop { $0 == "." }
                if trimmed.split(separator: ".").count == base.labels.count + 1, trimmed.hasSuffix("." + base.text) { return true }
            }
            return dnsMatches(dns.text, constraint: text)
        case (.ip(let address), .ipAddress(let octets)):
            return IPRange(constraint: Array(octets.bytes))?.contains(address) ?? false
        case (.email(let address), .rfc822Name(let text)):
            let constraint = text.lowercased()
            if constraint.contains("@") { return address.description.lowercased() == constraint }
            return hostMatches(address.domain.text, constraint: constraint)
        case (.uri(let uri), .uniformResourceIdentifier(let text)):
            guard let host = uri.host else { return false }
            return hostMatches(host, constraint: text.lowercased())
        default:
            return nil
        }
    }

    /// dNSName: the constraint and every name formed by adding labels on the left; a wildcard
    /// label counts as one such label.
    static func dnsMatches(_ name: String, constraint: String) -> Bool {
        let constraint = constraint.lowercased()
        if constraint.isEmpty { return true }
        if constraint.hasPrefix(".") { return name.hasSuffix(constraint) }
        return name == constraint || name.hasSuffix("." + constraint)
    }

    /// Email hosts and URI hosts: `host` exactly, `.domain` for names below it.
    static func hostMatches(_ host: String, constraint: String) -> Bool {
        if constraint.isEmpty { return true }
        if constraint.hasPrefix(".") { return host.hasSuffix(constraint) }
        return host == constraint
    }
}
