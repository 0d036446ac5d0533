import SwiftASN1
import X509

/// One subjectAltName a CSR asks for, validated (``DNSName``, ``IPAddress``, ``EmailAddress``,
/// ``URIName``). Other SAN types never become a `RequestedName`: they are refused (`san_type`).
enum RequestedName: Sendable, Hashable, CustomStringConvertible {
    case dns(DNSName)
    case ip(IPAddress)
    case email(EmailAddress)
    case uri(URIName)

    /// The SAN type as the profile's `names` keys spell it.
    enum Kind: String, Sendable, CaseIterable {
        case dns, ip, email, uri
    }

    var kind: Kind {
        switch self {
        case .dns: .dns
        case .ip: .ip
        case .email: .email
        case .uri: .uri
        }
    }

    var description: String {
        switch self {
        case .dns(let name): name.description
        case .ip(let address): address.description
        case .email(let address): address.description
        case .uri(let uri): uri.description
        }
    }

    /// The SAN as it goes into the certificate (DNS names and email domains lower-case).
    var generalName: GeneralName {
        switch self {
        case .dns(let name): .dnsName(name.text)
        case .ip(let address): .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.bytes)))
        case .email(let address): .rfc822Name(address.description)
        case .uri(let uri): .uniformResourceIdentifier(uri.text)
        }
    }

    /// Validates one SAN.
    /// - Throws: `san_type` for otherName (UPN), registeredID, directoryName, x400Address and
    ///   ediPartyName; `invalid_name` for a malformed name.
    init(_ name: GeneralName, allowUnderscores: Bool) throws {
        switch name {
        case .dnsName(let text): self = .dns(try DNSName(validating: text, allowUnderscores: allowUnderscores))
        case .ipAddress(let octets): self = .ip(try IPAddress(octets: Array(octets.bytes)))
        case .rfc822Name(let text): self = .email(try EmailAddress(validating: text))
        case .uniformResourceIdentifier(let text): self = .uri(try URIName(validating: text))
        case .otherName(let other):
            let upn: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 20, 2, 3]
            let what = other.typeID == upn ? "otherName UPN" : "otherName \(other.typeID)"
            throw PolicyRefusal(.sanType, value: what, "SAN type not allowed (only DNS, IP, email and URI names)")
        case .registeredID(let oid):
            throw PolicyRefusal(.sanType, value: "registeredID \(oid)", "SAN type not allowed (only DNS, IP, email and URI names)")
        case .directoryName(let dn):
            throw PolicyRefusal(
                .sanType, value: "directoryName \(PolicyRefusal.shown(dn.description))",
                "SAN type not allowed (only DNS, IP, email and URI names)")
        case .x400Address, .ediPartyName:
            throw PolicyRefusal(.sanType, value: "\(name)", "SAN type not allowed (only DNS, IP, email and URI names)")
        }
    }

    /// Whether a subject CN spells this name (DNS names case-insensitively, IPs as text).
    func isSpelled(by commonName: String) -> Bool {
        switch self {
        case .dns(let name): name.text == commonName.lowercased()
        case .ip(let address): IPAddress(commonName) == address
        case .email(let address): address.description.lowercased() == commonName.lowercased()
        case .uri(let uri): uri.text == commonName
        }
    }
}
