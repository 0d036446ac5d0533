import ConnectorSupport
import Crypto
import Foundation
import IssuingKit
import SwiftASN1
import Testing
import X509

@testable import Host

/// The issuing CA's nameConstraints, applied before signing, and a profile written into them.
@Suite struct NameConstraintsTests {
    func names(_ texts: [String]) throws -> [RequestedName] {
        try texts.map { text in
            if let ip = IPAddress(text) { return .ip(ip) }
            if text.contains("://") { return .uri(try URIName(validating: text)) }
            if text.contains("@") { return .email(try EmailAddress(validating: text)) }
            return .dns(try DNSName(validating: text, allowUnderscores: false))
        }
    }

    func ca(_ constraints: NameConstraints) async throws -> Certificate {
        try await CACertificateBuilder.make(
            subject: try DistinguishedName { CommonName("Constrained") }, signer: try SoftwareSigner(generating: .ecdsaP256),
            validityDays: 1,
            parent: nil, nameConstraints: constraints)
    }

    @Test func permittedAndExcludedSubtrees() async throws {
        let ca = try await ca(
            NameConstraints(
                permittedDNSDomains: ["example.test"], excludedDNSDomains: ["secret.example.test"],
                permittedIPRanges: [ASN1OctetString(contentBytes: [10, 0, 0, 0, 255, 0, 0, 0])], permittedEmailAddresses: [".example.test"],
                permittedURIDomains: ["spiffe.example.test"]))
        let allowed = ["a.example.test", "example.test", "10.2.3.4", "ops@mail.example.test", "spiffe://spiffe.example.test/x"]
        #expect(throws: Never.self) { try NameConstraintsCheck.check(names: try names(allowed), subject: DistinguishedName(), chain: [ca]) }
        for refused in [
            "a.other.test", "x.secret.example.test", "192.168.1.1", "ops@example.test", "spiffe://other.test/x", "*.secret.example.test",
        ] {
            let refusal = #expect(throws: PolicyRefusal.self, "\(refused)") {
                try NameConstraintsCheck.check(names: try names([refused]), subject: DistinguishedName(), chain: [ca])
            }
            #expect(refusal?.rule == .nameConstraints && refusal?.rule.code == .forbidden)
        }
        // A wildcard one label above an excluded name could match it.
        let narrow = try await self.ca(NameConstraints(excludedDNSDomains: ["db.prod.example.test"]))
        #expect(throws: PolicyRefusal.self) {
            try NameConstraintsCheck.check(names: try names(["*.prod.example.test"]), subject: DistinguishedName(), chain: [narrow])
        }
    }

    @Test func aProfileBecomesNameConstraintsTheCheckAgreesWith() async throws {
        let profile = try TestProfiles.one(TestProfiles.web)
        let ca = try await ca(profile.nameConstraints)
        let parsed = try #require(try ca.extensions.nameConstraints)
        #expect(parsed.permittedDNSDomains.sorted() == [".apps.example.test", "api.example.test"])
        #expect(Array(parsed.excludedDNSDomains) == ["admin.apps.example.test"])
        #expect(ca.extensions[oid: .X509ExtensionID.nameConstraints]?.critical == true)
        for allowed in ["x.apps.example.test", "api.example.test", "10.1.1.1", "a@example.test", "spiffe://example.test/ns/web/a"] {
            #expect(throws: Never.self, "\(allowed)") {
                try NameConstraintsCheck.check(names: try names([allowed]), subject: DistinguishedName(), chain: [ca])
            }
        }
        for refused in ["apps.example.test", "admin.apps.example.test", "evil.test", "192.168.0.1", "a@evil.test", "spiffe://evil.test/"] {
            #expect(throws: PolicyRefusal.self, "\(refused)") {
                try NameConstraintsCheck.check(names: try names([refused]), subject: DistinguishedName(), chain: [ca])
            }
        }
        // A type without an allow list is excluded outright.
        let dnsOnly = try TestProfiles.one("- id: d\n  issuers: [a]\n  names: {dns: [\"*.d.test\"]}")
        let dnsCA = try await self.ca(dnsOnly.nameConstraints)
        for refused in ["10.0.0.1", "a@d.test", "spiffe://x.d.test/"] {
            #expect(throws: PolicyRefusal.self, "\(refused)") {
                try NameConstraintsCheck.check(names: try names([refused]), subject: DistinguishedName(), chain: [dnsCA])
            }
        }
    }
}
