import ConnectorAPI
import Crypto
import Foundation

/// Validated `type: external` settings.
struct ExternalOptions: Sendable {
    static let keys: Set<String> = ["command", "env", "sha256", "timeout", "max_restart_backoff"]

    /// The plugin executable (`command[0]`, resolved against the config file's directory or PATH).
    var executable: URL
    var arguments: [String]
    /// Extra environment for the plugin (it inherits only PATH, HOME, LANG and TZ from the host).
    var environment: [String: String]
    /// Expected SHA-256 of `executable`, lower-case hex; checked at every launch.
    var sha256: String?
    /// Handshake and per-call limit.
    var timeout: Duration
    /// Longest wait between restarts of a plugin that keeps failing.
    var maxRestartBackoff: Duration
    /// The plugin's working directory: the config file's directory.
    var workingDirectory: URL

    init(_ options: ConnectorOptions, hostEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let issuer = options.issuerID
        func invalid(_ message: String) -> ConnectorError { .invalidConfiguration("issuer \(issuer): \(message)") }
        try options.validateNoUnknownKeys(Self.keys)
        let command = try options.list("command")
        executable = try Self.resolve(command[0], options: options, path: hostEnvironment["PATH"] ?? "/usr/bin:/bin", invalid: invalid)
        arguments = Array(command.dropFirst())
        environment = try options.map("env")
        if let pin = options.optionalString("sha256") {
            let hex = pin.lowercased()
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw invalid("sha256 must be 64 hex digits (sha256sum of command[0])")
            }
            sha256 = hex
        }
        timeout = .seconds(try options.duration("timeout") ?? 10)
        maxRestartBackoff = .seconds(try options.duration("max_restart_backoff") ?? 30)
        guard timeout > .zero else { throw invalid("timeout must be at least 1s") }
        workingDirectory = options.baseDirectory
    }

    /// `command[0]` with a `/` is a path (relative to the config file); otherwise it is looked up in PATH.
    static func resolve(_ name: String, options: ConnectorOptions, path: String, invalid: (String) -> ConnectorError) throws -> URL {
        if name.contains("/") {
            let url = options.resolvePath(name)
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw invalid("command[0] \(url.path) does not exist or is not executable")
            }
            return url
        }
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw invalid("command[0] '\(name)' is not an executable in PATH")
    }

    /// Refuses to launch an executable whose SHA-256 is not the pinned one.
    func verifyPin(issuerID: String) throws {
        guard let sha256 else { return }
        guard let data = FileManager.default.contents(atPath: executable.path) else {
            throw ConnectorError(.unavailable, "issuer \(issuerID): cannot read \(executable.path) to check its sha256")
        }
        let actual = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard actual == sha256 else {
            throw ConnectorError(
                .invalidConfiguration,
                "issuer \(issuerID): \(executable.path) has sha256 \(actual), not the pinned \(sha256); refusing to run it")
        }
    }
}
