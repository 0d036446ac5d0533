import Foundation
import Testing

@testable import Host

/// The `acme:` block of a profile and the `CERTCTL_ACME_*` validation settings: parsed strictly,
/// and what this version does not do is refused, never silently ignored.
@Suite struct ACMEConfigTests {
    static func load(_ acme: String, environment: [String: String] = [:]) throws -> HostConfiguration {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("acme-config-\(UUID().uuidString).yaml")
        try """
        issuers:
          - id: iss-a
            type: local
            key_file: a.key
            cert_file: a.crt
        profiles:
          - id: web
            issuers: [iss-a]
            acme:
        \(acme)
        """.write(to: file, atomically: true, encoding: .utf8)
        return try HostConfiguration.load(configPath: file.path, environment: environment)
    }

    @Test func defaultsAndValues() throws {
        let defaults = try #require(try Self.load("      enabled: true").profiles?.first?.acme)
        #expect(defaults.enabled && !defaults.eabRequired)
        #expect(defaults.challenges == [.http01, .dns01, .tlsALPN01])
        #expect(defaults.authorizationLifetimeSeconds == 30 * 86_400 && defaults.orderLifetimeSeconds == 7 * 86_400)
        #expect(defaults.ordersPerAccountPerHour == 300)
        let set = try #require(
            try Self.load(
                """
                      enabled: true
                      challenges: [dns-01]
                      terms_of_service_url: https://example.test/tos
                      authorization_lifetime: 1d
                      order_lifetime: 2h
                      orders_per_account_per_hour: 0
                """
            ).profiles?.first?.acme)
        #expect(set.challenges == [.dns01] && set.termsOfServiceURL == "https://example.test/tos")
        #expect(set.authorizationLifetimeSeconds == 86_400 && set.orderLifetimeSeconds == 7_200 && set.ordersPerAccountPerHour == 0)
    }

    @Test(arguments: [
        ("      enabled: true\n      caa_identities: [\"not a name\"]", "is not a domain name"),
        ("      enabled: true\n      challenges: [http-02]", "'http-02' is not one of"),
        ("      enabled: true\n      order_lifetime: 5s", "order_lifetime '5s'"),
        ("      enabled: true\n      terms_of_service_url: ftp://x", "is not an http(s) URL"),
        ("      enabled: yes please", "enabled"),
        ("      enabled: true\n      colour: blue", "unknown key"),
    ])
    func refusals(acme: String, mentions: String) {
        do {
            _ = try Self.load(acme)
            Issue.record("accepted: \(acme)")
        } catch {
            #expect("\(error)".contains("profile web") && "\(error)".contains(mentions), "\(error)")
        }
    }

    @Test func validationSettings() throws {
        let configuration = try Self.load(
            "      enabled: true",
            environment: [
                "CERTCTL_ACME_HTTP01_PORT": "5002", "CERTCTL_ACME_DNS_RESOLVER": "127.0.0.1:8053",
                "CERTCTL_ACME_VALIDATION_DENY_CIDRS": "10.0.0.0/8, 169.254.0.0/16",
            ])
        #expect(configuration.acmeValidation.http01Port == 5002)
        #expect(configuration.acmeValidation.dnsResolver == ListenAddress(host: "127.0.0.1", port: 8053))
        #expect(configuration.acmeValidation.deny.count == 2)
        #expect(throws: HostError.self) { try Self.load("      enabled: true", environment: ["CERTCTL_ACME_HTTP01_PORT": "0"]) }
        #expect(throws: HostError.self) {
            try Self.load("      enabled: true", environment: ["CERTCTL_ACME_VALIDATION_DENY_CIDRS": "10.0.0.1/8"])
        }
    }
}
