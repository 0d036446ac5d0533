import SwiftASN1
import X509

extension IssuanceProfile {
    /// The profile's name rules as a CA's nameConstraints (`certctl ca init --profile`), so relying
    /// parties enforce them too.
    ///
    /// nameConstraints are coarser than profiles, so the mapping errs on the strict side and the
    /// host keeps enforcing the exact rules:
    /// - DNS `x` → permitted `x` (x and every name below it); `*.x` → permitted `.x` (only below).
    ///   `dns_deny` `d` → excluded `d` (d and below); `*.d` → excluded `.d`.
    /// - IP ranges map one to one (address and mask); email domains to hosts, mailboxes as they are.
    /// - URI prefixes → permitted hosts; `uri_deny` is not mapped (constraints cannot name a path).
    /// - A SAN type the profile does not allow at all is excluded entirely (`""`, `0.0.0.0/0`, `::/0`).
    public var nameConstraints: NameConstraints {
        var permitted: [GeneralName] = []
        var excluded: [GeneralName] = []
        func dns(_ pattern: DNSPattern) -> GeneralName? {
            switch pattern {
            case .exactly(let name): .dnsName(name.text)
            case .below(let name): .dnsName("." + name.text)
            case .any: nil
            }
        }
        func ip(_ range: IPRange) -> GeneralName { .ipAddress(ASN1OctetString(contentBytes: ArraySlice(range.constraintOctets))) }
        func email(_ pattern: EmailPattern) -> GeneralName? {
            switch pattern {
            case .domain(let domain): .rfc822Name(domain.text)
            case .mailbox(let address): .rfc822Name(address.description)
            case .any: nil
            }
        }
        if let allow = names.dns {
            permitted += allow.compactMap(dns)
            if allow.isEmpty { excluded.append(.dnsName("")) }
        } else {
            excluded.append(.dnsName(""))
        }
        excluded += names.dnsDeny.compactMap(dns)
        if let allow = names.ip, !allow.isEmpty {
            permitted += allow.map(ip)
        } else {
            excluded += [ip(.anyIPv4), ip(.anyIPv6)]
        }
        excluded += names.ipDeny.map(ip)
        if let allow = names.email, !allow.isEmpty {
            permitted += allow.compactMap(email)
        } else {
            excluded.append(.rfc822Name(""))
        }
        excluded += names.emailDeny.compactMap(email)
        if let allow = names.uri, !allow.isEmpty {
            var hosts: [String] = []
            for case .prefix(let uri) in allow {
                if let host = uri.host, !hosts.contains(host) { hosts.append(host) }
            }
            permitted += hosts.map { .uniformResourceIdentifier($0) }
        } else {
            excluded.append(.uniformResourceIdentifier(""))
        }
        return NameConstraints(permittedSubtrees: permitted, excludedSubtrees: excluded)
    }
}
