import ConnectorAPI
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The ACME identifiers (RFC 8555 §9.7.7 `dns`, RFC 8738 `ip`) a CSR asks for.
enum ACMEIdentifiers {
    /// The CSR's DNS and IP SANs; a CSR without SANs contributes its common name as a DNS name.
    /// Other SAN kinds cannot be validated by ACME and are refused.
    static func of(_ csr: CertificateSigningRequest) throws -> [ACMEObjects.Identifier] {
        let sans: SubjectAlternativeNames?
        do {
            sans = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames
        } catch {
            throw ConnectorError.rejected("the CSR's extension request cannot be parsed")
        }
        var identifiers: [ACMEObjects.Identifier] = []
        for name in sans.map(Array.init) ?? [] {
            switch name {
            case .dnsName(let dns): identifiers.append(.init(type: "dns", value: dns.lowercased()))
            case .ipAddress(let bytes): identifiers.append(.init(type: "ip", value: try text(ip: Array(bytes.bytes))))
            default: throw ConnectorError.rejected("an ACME CA certifies only DNS names and IP addresses; the CSR asks for \(name)")
            }
        }
        if identifiers.isEmpty {
            let commonName = csr.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }
            guard let commonName, let value = String(commonName.value) else {
                throw ConnectorError.rejected("the CSR names no DNS name or IP address for the ACME CA to validate")
            }
            identifiers.append(.init(type: "dns", value: value.lowercased()))
        }
        var seen = Set<ACMEObjects.Identifier>()
        return identifiers.filter { seen.insert($0).inserted }
    }

    /// RFC 8738 §3: dotted quad, or RFC 5952 text for IPv6.
    static func text(ip bytes: [UInt8]) throws -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: throw ConnectorError.rejected("the CSR holds an IP address of \(bytes.count) bytes")
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { throw ConnectorError.rejected("the CSR holds an IP address that cannot be printed") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
