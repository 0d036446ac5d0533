import ConnectorAPI
import Crypto
import Foundation
import SwiftASN1
import X509
import Yams

/// What ``FuzzEntryPoints/csrPolicy(_:)`` decides against: a profile using every kind of name
/// rule, the permissive development profile, and a CA whose nameConstraints are that profile's.
enum FuzzPolicyFixture {
    static let yaml = """
        - id: fuzz
          issuers: [iss-fuzz]
          key_types: [ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072, rsa-4096]
          ext_key_usage: [serverAuth, clientAuth]
          names:
            dns: ["*.apps.example.test", "api.example.test", "example.test"]
            dns_deny: ["admin.apps.example.test"]
            allow_wildcards: true
            ip: ["10.0.0.0/8", "fd00::/8"]
            ip_deny: ["10.9.0.0/16"]
            email: ["example.test"]
            email_deny: ["root@example.test"]
            uri: ["spiffe://example.test/ns/"]
            uri_deny: ["spiffe://example.test/ns/admin/"]
            max_sans: 20
          subject_attributes: [O, OU, C]
        """

    static let profiles: [IssuanceProfile] = {
        guard let node = try? Yams.compose(yaml: yaml), let value = try? ConfigFile.optionValue(node, at: "profiles"),
            let parsed = try? IssuanceProfile.parseList(value, baseDirectory: URL(fileURLWithPath: "/"))
        else { return [.development] }
        return parsed + [.development]
    }()

    static let issuer = IssuerSettings(
        id: "iss-fuzz", type: "local", options: ConnectorOptions([:], baseDirectory: URL(fileURLWithPath: "/"), issuerID: "iss-fuzz"))

    /// A self-signed CA (a fixed key) constrained to the first profile's names.
    static let chain: [Certificate]? = {
        guard let raw = try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x22, count: 32)),
            let constraints = profiles.first.map(\.nameConstraints)
        else { return nil }
        let key = Certificate.PrivateKey(raw)
        guard let name = try? DistinguishedName(builder: { CommonName("certctl fuzz CA") }),
            let extensions = try? Certificate.Extensions(builder: {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                Critical(constraints)
            }),
            let ca = try? Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x01]), publicKey: key.publicKey,
                notValidBefore: Date(timeIntervalSince1970: 1_700_000_000), notValidAfter: Date(timeIntervalSince1970: 4_000_000_000),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: key)
        else { return nil }
        return [ca]
    }()
}
