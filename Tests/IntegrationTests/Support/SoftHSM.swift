import Foundation

/// A throwaway SoftHSM2 token in a temporary `SOFTHSM2_CONF`, with one CA key pair made by
/// `pkcs11-tool`, as an operator would.
struct SoftHSM {
    static let module = "/usr/lib/softhsm/libsofthsm2.so"
    static let pin = "1234"

    let directory: URL
    let label: String
    var tokens: URL { directory.appendingPathComponent("tokens") }
    var config: URL { directory.appendingPathComponent("softhsm2.conf") }
    var environment: [String: String] { ["SOFTHSM2_CONF": config.path] }

    /// Initialises a token and generates `keyType` (`EC:prime256v1`, `rsa:2048`, …) labelled `ca-key`.
    init(in parent: URL, keyType: String = "EC:prime256v1") async throws {
        directory = parent.appendingPathComponent("softhsm")
        label = "certctl-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tokens"), withIntermediateDirectories: true)
        try "directories.tokendir = \(tokens.path)\nobjectstore.backend = file\nlog.level = ERROR\n".write(
            to: config, atomically: true, encoding: .utf8
        )
        try await run(["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "5678", "--pin", Self.pin])
        try await run(
            [
                "pkcs11-tool", "--module", Self.module, "--token-label", label, "--login", "--pin", Self.pin, "--keypairgen", "--key-type",
                keyType,
                "--label", "ca-key", "--id", "01",
            ]
        )
    }

    /// Runs a tool with this token's `SOFTHSM2_CONF`.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["SOFTHSM2_CONF"] = config.path
        let result = try await Command.run(arguments, environment: environment)
        guard result.status == 0 else { throw TestFailure("\(arguments[0]) failed: \(result.stderr)\(result.stdout)") }
        return result.stdout + result.stderr
    }

    /// A config with `iss-local` and `iss-hsm` (this token), plus the 0600 PIN file.
    func writeConfig(in directory: URL, pin: String = SoftHSM.pin) throws -> URL {
        let pinFile = directory.appendingPathComponent("hsm-pin")
        try? FileManager.default.removeItem(at: pinFile)
        _ = FileManager.default.createFile(atPath: pinFile.path, contents: Data((pin + "\n").utf8), attributes: [.posixPermissions: 0o600])
        let config = directory.appendingPathComponent("certctl-hsm.yaml")
        try """
        data_dir: data
        issuers:
          - id: iss-local
            type: local
            key_file: ca/iss-local.key
            cert_file: ca/iss-local.crt
          - id: iss-hsm
            type: pkcs11
            module: \(Self.module)
            key_uri: "pkcs11:token=\(label);object=ca-key;id=%01"
            pin_file: hsm-pin
            cert_file: ca/iss-hsm.crt
            max_sessions: 2
            timeout: 5s
        """.write(to: config, atomically: true, encoding: .utf8)
        return config
    }
}
