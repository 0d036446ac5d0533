import Foundation
import Testing

/// A bad configuration stops `serve` with a non-zero exit and a message naming the setting.
@Suite struct ConfigErrorTests {
    @Test(arguments: [
        (
            "issuers:\n  - id: iss-a\n    type: local\n    key_file: a.key\n    cert_file: a.crt\n    max_validity: 10 days\n",
            "max_validity"
        ),
        ("listen_address: 127.0.0.1:1\n", "listen_address"),
        ("issuers:\n  - id: iss-m\n    type: magic\n", "magic"),
        ("issuers:\n  - id: iss-a\n    type: local\n    key_file: a.key\n    cert_file: a.crt\n    colour: blue\n", "colour"),
        ("issuers:\n  - id: iss-a\n    type: local\n    key_file: a.key\n    cert_file: a.crt\n", "ca init --issuer iss-a"),
    ])
    func badConfigFile(yaml: String, named: String) async throws {
        let certctl = try Certctl()
        let config = certctl.directory.appendingPathComponent("certctl.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let result = try await certctl.run(
            ["serve", "--config", config.path], environment: ["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(named), "\(result.stderr)")
    }

    @Test(arguments: [
        ("CERTCTL_LOG_LEVEL", "loud"), ("CERTCTL_MAX_BODY_SIZE", "big"), ("CERTCTL_LISTEN", "8443"),
        ("CERTCTL_DATABASE_URL", "postgres://certctl:hunter2@127.0.0.1:1/db"),
    ])
    func badEnvironmentValue(name: String, value: String) async throws {
        let certctl = try Certctl()
        let result = try await certctl.run(["serve"], environment: [name: value])
        #expect(result.status != 0)
        #expect(result.stderr.contains(name), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func helpDescribesEveryCommand() async throws {
        let certctl = try Certctl()
        let help = try await certctl.run(["--help"])
        #expect(help.status == 0)
        for command in ["serve", "admin", "ca", "db"] { #expect(help.stdout.contains(command)) }
        let caInit = try await certctl.run(["ca", "init", "--help"])
        #expect(caInit.stdout.contains("--parent"))
    }
}
