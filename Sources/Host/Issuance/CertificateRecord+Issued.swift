import ConnectorAPI
import Foundation
import SwiftASN1
import X509

extension CertificateRecord {
    /// The row for a freshly issued certificate.
    init(issued response: IssueResponse, issuerID: String, actor: String, now: Date) throws {
        let certificate = response.certificate
        self.init(
            seq: 0,
            id: UUID().uuidString.lowercased(),
            issuerID: issuerID,
            serial: certificate.serialNumber.hexString,
            subject: certificate.subject.description,
            sans: try certificate.sanStrings,
            notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter,
            revokedAt: nil,
            revocationReason: nil,
            certificatePEM: try certificate.pemText,
            chainPEM: try response.chain.map { try $0.pemText }.joined(),
            createdAt: now,
            requestedBy: actor
        )
    }
}

extension Certificate.SerialNumber {
    /// Lower-case hex of the serial's value as `openssl x509 -noout -serial` prints it: the DER
    /// sign-padding zero octet is dropped.
    public var hexString: String {
        var bytes = Array(self.bytes)
        while bytes.count > 1 && bytes[0] == 0 { bytes.removeFirst() }
        return bytes.hexString
    }
}

extension Certificate {
    /// SANs as `DNS:…`, `IP:…`, `email:…`, `URI:…` (OpenSSL's spelling).
    var sanStrings: [String] {
        get throws {
            guard let sans = try extensions.subjectAlternativeNames else { return [] }
            return sans.map { name in
                switch name {
                case .dnsName(let dns): "DNS:\(dns)"
                case .rfc822Name(let email): "email:\(email)"
                case .uniformResourceIdentifier(let uri): "URI:\(uri)"
                case .ipAddress(let ip): "IP:\(IPAddressText.format(Array(ip.bytes)))"
                default: "\(name)"
                }
            }
        }
    }
}

enum IPAddressText {
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        if bytes.count == 16 {
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        }
        return bytes.hexString
    }
}

extension Date {
    /// RFC 3339 UTC with second precision, e.g. `2026-11-29T08:00:00Z`.
    public var rfc3339: String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = .gmt
        return self.formatted(style)
    }
}
