import Testing

@testable import Host

/// CAA decisions (RFC 8659 §4): the relevant record set's `issue` / `issuewild` properties.
@Suite struct CAACheckTests {
    let check = CAACheck(dns: DNSClient(resolver: nil), identities: ["ca.example.test"])

    static func record(_ tag: String, _ value: String, critical: Bool = false) -> CAACheck.Record {
        CAACheck.Record(critical: critical, tag: tag, value: value)
    }

    @Test func issueMustNameThisCA() {
        #expect(check.decide([Self.record("issue", "ca.example.test")], name: "a.test", at: "a.test", wildcard: false) == nil)
        #expect(check.decide([Self.record("issue", "ca.example.test; account=1")], name: "a.test", at: "a.test", wildcard: false) == nil)
        #expect(check.decide([Self.record("issue", "other.test")], name: "a.test", at: "a.test", wildcard: false)?.kind == .caa)
        #expect(check.decide([Self.record("issue", ";")], name: "a.test", at: "a.test", wildcard: false)?.kind == .caa, "no CA may issue")
        #expect(check.decide([Self.record("iodef", "mailto:x@a.test")], name: "a.test", at: "a.test", wildcard: false) == nil)
    }

    @Test func wildcardsUseIssuewildWhenPresent() {
        let records = [Self.record("issue", "ca.example.test"), Self.record("issuewild", "other.test")]
        #expect(check.decide(records, name: "a.test", at: "a.test", wildcard: true)?.kind == .caa)
        #expect(check.decide(records, name: "a.test", at: "a.test", wildcard: false) == nil)
        #expect(check.decide([Self.record("issue", "ca.example.test")], name: "a.test", at: "a.test", wildcard: true) == nil)
    }

    @Test func unknownCriticalPropertiesForbid() {
        let records = [Self.record("issue", "ca.example.test"), Self.record("tbs", "x", critical: true)]
        #expect(check.decide(records, name: "a.test", at: "a.test", wildcard: false)?.detail.contains("unknown critical property") == true)
    }

    @Test func rdataParses() {
        let rdata: [UInt8] = [0x80, 5] + Array("issue".utf8) + Array("ca.example.test".utf8)
        #expect(CAACheck.parse(rdata) == Self.record("issue", "ca.example.test", critical: true))
        #expect(CAACheck.parse([0, 9, 1]) == nil)
    }
}
