import ConnectorAPI
import Foundation
import Testing
import Yams

@testable import Host

/// Profiles parsed from YAML exactly as the config file's `profiles:`.
enum TestProfiles {
    static func parse(_ yaml: String) throws -> [IssuanceProfile] {
        let node = try #require(try Yams.compose(yaml: yaml))
        return try IssuanceProfile.parseList(try ConfigFile.optionValue(node, at: "profiles"), baseDirectory: URL(fileURLWithPath: "/"))
    }

    static func one(_ yaml: String) throws -> IssuanceProfile {
        try #require(try parse(yaml).first)
    }

    static let issuer = IssuerSettings(
        id: "iss-a", type: "local", options: ConnectorOptions([:], baseDirectory: URL(fileURLWithPath: "/"), issuerID: "iss-a"))

    /// A `web` profile like SPEC §7's example.
    static let web = """
        - id: web
          issuers: [iss-a, iss-b]
          key_types: [ecdsa-p256, rsa-2048]
          default_validity: 30d
          max_validity: 90d
          names:
            dns: ["*.apps.example.test", "api.example.test"]
            dns_deny: ["admin.apps.example.test"]
            ip: ["10.0.0.0/8", "fd00::/8"]
            ip_deny: ["10.9.0.0/16"]
            email: ["example.test"]
            email_deny: ["root@example.test"]
            uri: ["spiffe://example.test/ns/web/"]
            max_sans: 5
          subject_attributes: [O]
        """
}
