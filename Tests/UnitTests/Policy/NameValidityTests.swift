import Testing

@testable import Host

/// Name validity before policy (SPEC §7): what is malformed is a 400 naming the value.
@Suite struct NameValidityTests {
    @Test(arguments: [
        ("app.example.test", "app.example.test"), ("APP.Example.TEST", "app.example.test"), ("*.a.example.test", "*.a.example.test"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"), ("a-b.c1.example", "a-b.c1.example"), ("localhost", "localhost"),
    ])
    func validDNSNamesAreLowerCased(input: String, stored: String) throws {
        #expect(try DNSName(validating: input, allowUnderscores: false).text == stored)
    }

    @Test(arguments: [
        ("bücher.example", "U-label"), ("a\u{0}b.example", "control character"), ("a..example", "empty label"),
        ("example.test.", "trailing dot"), ("_srv.example", "underscore"), ("-a.example", "starts or ends with '-'"),
        ("ab--c.example", "'--' in positions 3-4"), ("xn--zz-z.example", "not valid Punycode"), ("a.*.example", "'*'"),
        ("*", "'*'"), ("10.0.0.1", "numeric"), (String(repeating: "a", count: 64) + ".example", "longer than 63"),
        (Array(repeating: "abcdefghi", count: 26).joined(separator: "."), "longer than 253"), ("a b.example", "not a letter"),
        ("", "empty"), ("xn--abc.example", "Punycode"),
    ])
    func invalidDNSNamesAreRefusedNamingTheValue(input: String, why: String) {
        let refusal = #expect(throws: PolicyRefusal.self) { try DNSName(validating: input, allowUnderscores: false) }
        #expect(refusal?.rule == .invalidName)
        #expect(refusal?.detail.contains(why) == true, "\(refusal?.detail ?? "")")
        #expect(refusal?.detail.contains("\u{0}") == false)
    }

    @Test func underscoresOnlyWhereAllowed() throws {
        #expect(try DNSName(validating: "_acme.example", allowUnderscores: true).text == "_acme.example")
    }

    @Test func punycodeDecodesRFC3492Samples() {
        #expect(Punycode.decode("bcher-kva") == Array("bücher".unicodeScalars.map(\.value)))
        #expect(Punycode.decode("mnchen-3ya") == Array("münchen".unicodeScalars.map(\.value)))
        #expect(Punycode.isValidALabel("abc-") == false)  // decodes to ASCII only
        #expect(Punycode.decode("99999999999999999999") == nil)  // overflow
    }

    @Test func ipAddressesEmailsAndURIs() throws {
        #expect(try IPAddress(octets: [10, 1, 2, 3]).description == "10.1.2.3")
        #expect(IPAddress("fd00::1")?.description == "fd00::1")
        #expect(throws: PolicyRefusal.self) { try IPAddress(octets: [1, 2, 3]) }
        #expect(try EmailAddress(validating: "Ops@Example.TEST").description == "Ops@example.test")
        for bad in ["no-at", "a@b@c", "@example.test", "a b@example.test", "a@bad_domain.test", "\"q\"@example.test"] {
            #expect(throws: PolicyRefusal.self, "\(bad)") { try EmailAddress(validating: bad) }
        }
        let uri = try URIName(validating: "spiffe://Example.TEST/ns/web/sa")
        #expect(uri.host == "example.test" && uri.path == "/ns/web/sa")
        for bad in [
            "no scheme", "spiffe://example.test/a/../b", "spiffe://example.test/a/%2e%2e/b", "https://user@example.test/",
            "https://ex ample/",
        ] {
            #expect(throws: PolicyRefusal.self, "\(bad)") { try URIName(validating: bad) }
        }
    }

    @Test func cidrsAreCheckedAndMatch() throws {
        let range = try IPRange(cidr: "10.0.0.0/8")
        #expect(range.contains(try IPAddress(octets: [10, 200, 1, 1])))
        #expect(!range.contains(try IPAddress(octets: [11, 0, 0, 1])))
        #expect(!range.contains(IPAddress("::ffff:10.0.0.1")!))
        #expect(try IPRange(cidr: "fd00::/8").contains(IPAddress("fd12::1")!))
        #expect(throws: IPRangeError.self) { try IPRange(cidr: "10.0.0.1/8") }
        #expect(throws: IPRangeError.self) { try IPRange(cidr: "10.0.0.0/33") }
        #expect(try IPRange(cidr: "192.0.2.7").description == "192.0.2.7/32")
    }
}
