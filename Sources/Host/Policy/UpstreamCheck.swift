import Foundation
import SwiftASN1
import X509

/// What a passthrough connector (ACME, an `issue` plugin) returned, checked against what the
/// policy approved before anything is stored (SPEC §7): the CSR's public key, no name that was
/// not approved, and a notAfter no later than the approved maximum validity from now (with five
/// minutes for clock skew). A mismatch is a 502 naming the issuer, audited as
/// `cert_upstream_mismatch`.
enum UpstreamCheck {
    static let skew: TimeInterval = 300

    static func verify(_ certificate: Certificate, csr: CertificateSigningRequest, approval: IssuanceApproval, issuerID: String, now: Date)
        throws(PolicyRefusal)
    {
        func mismatch(_ value: String, _ why: String) -> PolicyRefusal {
            PolicyRefusal(.upstreamMismatch, value: value, "issuer \(issuerID) returned a certificate \(why); it was not stored")
        }
        guard certificate.publicKey == csr.publicKey else { throw mismatch("", "for a different public key") }
        let sans: SubjectAlternativeNames?
        do {
            sans = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw mismatch("", "whose subjectAltName cannot be parsed")
        }
        for generalName in sans ?? SubjectAlternativeNames() {
            guard let name = try? RequestedName(generalName, allowUnderscores: true), approval.names.contains(name) else {
                throw mismatch(PolicyRefusal.shown(Self.describe(generalName)), "naming something that was not requested")
            }
        }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                let text = String(attribute.value) ?? ""
                let requested = approval.subject.flatMap { $0 }.contains {
                    $0.type == .RDNAttributeType.commonName && String($0.value) == text
                }
                guard requested || approval.names.contains(where: { $0.isSpelled(by: text) }) else {
                    throw mismatch("CN=\(PolicyRefusal.shown(text))", "naming something that was not requested")
                }
            }
        }
        let latest = now.addingTimeInterval(TimeInterval(approval.maxValiditySeconds) + skew)
        guard certificate.notValidAfter <= latest else {
            throw mismatch(
                "not_after \(certificate.notValidAfter.rfc3339)",
                "valid longer than profile \(approval.profile.id)'s \(approval.maxValiditySeconds / 86_400) days")
        }
    }

    static func describe(_ name: GeneralName) -> String {
        switch name {
        case .dnsName(let text), .rfc822Name(let text), .uniformResourceIdentifier(let text): text
        case .ipAddress(let octets): (try? IPAddress(octets: Array(octets.bytes)))?.description ?? "\(name)"
        default: "\(name)"
        }
    }
}
