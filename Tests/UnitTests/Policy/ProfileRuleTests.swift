import ConnectorSupport
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@testable import Host

/// One profile's rules, decided on real CSRs.
@Suite struct ProfileRuleTests {
    let web: IssuanceProfile

    init() throws {
        web = try TestProfiles.one(TestProfiles.web)
    }

    func decide(
        cn: String? = nil, _ sans: [GeneralName], key: Certificate.PrivateKey = Certificate.PrivateKey(P256.Signing.PrivateKey()),
        days: Int? = nil, subject: DistinguishedName? = nil
    ) throws -> IssuanceApproval {
        var csr = try TestPKI.csr(key: key, commonName: cn, sans: sans)
        if let subject {
            var attributes = CertificateSigningRequest.Attributes()
            if !sans.isEmpty {
                attributes = try .init([.init(ExtensionRequest(extensions: try Certificate.Extensions { SubjectAlternativeNames(sans) }))])
            }
            csr = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: key, attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        }
        return try web.evaluate(csr, issuer: TestProfiles.issuer, validityDays: days)
    }

    func refusal(cn: String? = nil, _ sans: [GeneralName], subject: DistinguishedName? = nil, days: Int? = nil) -> PolicyRefusal? {
        #expect(throws: PolicyRefusal.self) { try decide(cn: cn, sans, days: days, subject: subject) }
    }

    @Test func allowedNamesAreApprovedLowerCasedWithTheProfilesEKU() throws {
        let approval = try decide(
            cn: "API.example.test",
            [.dnsName("API.example.test"), .dnsName("x.apps.example.test"), .ipAddress(ASN1OctetString(contentBytes: [10, 1, 2, 3]))])
        #expect(approval.names.map(\.description) == ["api.example.test", "x.apps.example.test", "10.1.2.3"])
        #expect(approval.subject.description == "CN=api.example.test")
        #expect(approval.extendedKeyUsage == [.serverAuth])
        #expect(approval.validitySeconds == 30 * 86_400 && approval.maxValiditySeconds == 90 * 86_400)
        #expect(approval.keyType == .ecdsaP256)
    }

    @Test func eachRuleRefusesWithItsLabelAndTheValue() throws {
        let cases: [([GeneralName], String?, PolicyRefusal.Rule, String)] = [
            ([.dnsName("evil.example")], nil, .dnsNotAllowed, "evil.example: not allowed by profile web"),
            ([.dnsName("apps.example.test")], nil, .dnsNotAllowed, "apps.example.test"),  // *.x is strictly below x
            ([.dnsName("admin.apps.example.test")], nil, .dnsDenied, "admin.apps.example.test: denied by admin.apps.example.test"),
            ([.dnsName("*.apps.example.test")], nil, .wildcard, "*.apps.example.test: profile web does not allow wildcard"),
            ([.ipAddress(ASN1OctetString(contentBytes: [192, 168, 0, 1]))], nil, .ipNotAllowed, "192.168.0.1"),
            ([.ipAddress(ASN1OctetString(contentBytes: [10, 9, 1, 1]))], nil, .ipDenied, "10.9.1.1: denied by 10.9.0.0/16"),
            ([.rfc822Name("ROOT@example.test")], nil, .emailDenied, "ROOT@example.test"),
            ([.rfc822Name("a@other.test")], nil, .emailNotAllowed, "a@other.test"),
            ([.uniformResourceIdentifier("spiffe://example.test/ns/db/sa")], nil, .uriNotAllowed, "spiffe://example.test/ns/db/sa"),
            ([.uniformResourceIdentifier("spiffe://example.test/ns/webx")], nil, .uriNotAllowed, "ns/webx"),
            ([.otherName(.init(typeID: [1, 3, 6, 1, 4, 1, 311, 20, 2, 3], value: nil))], nil, .sanType, "otherName UPN"),
            ([.registeredID([1, 2, 3])], nil, .sanType, "registeredID"),
            ([.dnsName("api.example.test")], "other.example.test", .commonNameNotSAN, "CN=other.example.test"),
            ((1...6).map { .dnsName("h\($0).apps.example.test") }, nil, .maxSANs, "6 names"),
            // (U-labels and control characters: swift-certificates cannot encode them; the
            // openssl-made CSRs of the integration tests carry them.)
            ([], nil, .noNames, "neither"),
        ]
        for (sans, cn, rule, text) in cases {
            let refused = refusal(cn: cn, sans)
            #expect(refused?.rule == rule, "\(sans)")
            #expect(refused?.detail.contains(text) == true, "\(refused?.detail ?? "nil") lacks \(text)")
        }
    }

    @Test func subjectAttributesOnlyAsListed() throws {
        let allowed = try DistinguishedName {
            OrganizationName("Example"); CommonName("api.example.test")
        }
        #expect(try decide([.dnsName("api.example.test")], subject: allowed).subject == allowed)
        let unlisted = try DistinguishedName {
            OrganizationalUnitName("Ops"); CommonName("api.example.test")
        }
        #expect(refusal([.dnsName("api.example.test")], subject: unlisted)?.rule == .subjectAttribute)
        let twoCNs = try DistinguishedName {
            CommonName("api.example.test"); CommonName("api.example.test")
        }
        #expect(refusal([.dnsName("api.example.test")], subject: twoCNs)?.rule == .subjectAttribute)
        let control = try DistinguishedName { OrganizationName("Ex\u{7}ample") }
        #expect(refusal([.dnsName("api.example.test")], subject: control)?.rule == .invalidName)
    }

    @Test func keyTypesAndValidityAre422() throws {
        let p384 = Certificate.PrivateKey(P384.Signing.PrivateKey())
        let refused = #expect(throws: PolicyRefusal.self) { try decide([.dnsName("api.example.test")], key: p384) }
        #expect(refused?.rule == .keyType && refused?.rule.code == .unprocessable)
        #expect(refused?.detail == "ecdsa-p384: profile web allows ecdsa-p256, rsa-2048")
        #expect(refusal([.dnsName("api.example.test")], days: 91)?.rule == .validity)
        #expect(try decide([.dnsName("api.example.test")], days: 90).validitySeconds == 90 * 86_400)
    }

    @Test func wildcardCoverageAndDenyWin() throws {
        let yaml = """
            - id: wild
              issuers: [iss-a]
              names:
                dns: ["*.example.test"]
                dns_deny: ["*.corp.example.test", "db.prod.example.test"]
                allow_wildcards: true
            """
        let profile = try TestProfiles.one(yaml)
        func names(_ name: String) throws -> RequestedName { .dns(try DNSName(validating: name, allowUnderscores: false)) }
        #expect(throws: Never.self) { try profile.names.check(try names("*.a.example.test"), profile: "wild") }
        #expect(throws: Never.self) { try profile.names.check(try names("*.example.test"), profile: "wild") }
        #expect(throws: PolicyRefusal.self) { try profile.names.check(try names("*.test"), profile: "wild") }
        // Deny wins even over a matching allow rule, for names and for wildcards that could match them.
        #expect(throws: PolicyRefusal.self) { try profile.names.check(try names("x.corp.example.test"), profile: "wild") }
        #expect(throws: PolicyRefusal.self) { try profile.names.check(try names("*.corp.example.test"), profile: "wild") }
        #expect(throws: PolicyRefusal.self) { try profile.names.check(try names("*.prod.example.test"), profile: "wild") }
        #expect(throws: Never.self) { try profile.names.check(try names("corp.example.test"), profile: "wild") }
    }

    @Test func configErrorsNameTheProfileAndTheKey() throws {
        let cases: [(String, String)] = [
            ("- id: Bad\n  issuers: [a]", "profiles[0]: 'id' must match"),
            ("- id: p\n  issuers: []", "profile p: issuers must list at least one issuer"),
            ("- id: p\n  issuers: [a]\n  key_types: [dsa]", "profile p: key_types[0] 'dsa' is not one of"),
            ("- id: p\n  issuers: [a]\n  names:\n    dns: [\"a..b\"]", "profile p: names.dns[0]: 'a..b' is not a DNS name"),
            ("- id: p\n  issuers: [a]\n  names:\n    ip: [\"10.0.0.1/8\"]", "profile p: names.ip[0]: '10.0.0.1/8' has address bits set"),
            ("- id: p\n  issuers: [a]\n  names:\n    dns_allow: [a]", "profile p: unknown key 'names.dns_allow'"),
            ("- id: p\n  issuers: [a]\n  ext_key_usage: [anyUsage]", "profile p: ext_key_usage 'anyUsage' is not one of"),
            ("- id: p\n  issuers: [a]\n  default_validity: 90d\n  max_validity: 30d", "default_validity is longer than max_validity"),
            ("- id: p\n  issuers: [a]\n- id: p\n  issuers: [a]", "profile p is defined twice"),
            ("- id: p\n  issuers: [a]\n  subject_attributes: [CN]", "subject_attributes 'CN' is not one of"),
        ]
        for (yaml, message) in cases {
            let error = #expect(throws: HostError.self, "\(yaml)") { try TestProfiles.parse(yaml) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "nil") lacks \(message)")
        }
        let unknownIssuer = #expect(throws: HostError.self) {
            try IssuancePolicy.Profiles(try TestProfiles.parse("- id: p\n  issuers: [x]"), issuers: ["a"])
        }
        #expect(unknownIssuer?.message == "profile p: issuer 'x' is not configured (have: a)")
    }

    @Test func developmentProfileIsPermissiveButStillRefusesOtherName() throws {
        let csr = try TestPKI.csr(commonName: "not-a-san", sans: [.dnsName("*.Anything.example"), .dnsName("_x.example")])
        let approval = try IssuanceProfile.development.evaluate(csr, issuer: TestProfiles.issuer, validityDays: nil)
        #expect(approval.names.map(\.description) == ["*.anything.example", "_x.example"])
        #expect(approval.extendedKeyUsage == [.serverAuth, .clientAuth])
        let upn = try TestPKI.csr(sans: [.otherName(.init(typeID: [1, 3, 6, 1, 4, 1, 311, 20, 2, 3], value: nil))])
        #expect(throws: PolicyRefusal.self) {
            try IssuanceProfile.development.evaluate(upn, issuer: TestProfiles.issuer, validityDays: nil)
        }
    }
}
