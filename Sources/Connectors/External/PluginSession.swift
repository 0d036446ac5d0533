import ConnectorAPI
import Foundation
import Logging
import X509

/// One plugin, started outside `certctl serve` for `certctl plugin check`: the same launch (pin
/// check, handshake, `describe`), calls and error mapping as the server's, one method at a time.
public struct PluginSession: Sendable {
    /// What the plugin's handshake declared.
    public struct Greeting: Sendable {
        public var protocolVersion: Int
        public var name: String?
        public var capabilities: [String]
    }

    let supervisor: PluginSupervisor
    /// The handshake.
    public let greeting: Greeting
    /// The resolved executable and whether its `sha256` is pinned (and matched, since it ran).
    public let executable: String
    public let pinned: Bool
    public let timeout: Duration

    /// Validates the options and starts the plugin.
    /// - Throws: ``ConnectorError`` naming what failed (as `serve` would report it at start-up).
    public static func start(_ configuration: IssuerConfiguration, logger: Logger) async throws -> PluginSession {
        let options = try ExternalOptions(configuration.options)
        let stateDirectory = configuration.dataDirectory.appendingPathComponent("plugins").appendingPathComponent(configuration.id)
        try FileManager.default.createDirectory(
            at: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        signal(SIGPIPE, SIG_IGN)
        let supervisor = PluginSupervisor(
            issuerID: configuration.id, options: options,
            environment: ExternalConnector.environment(options, issuerID: configuration.id, stateDirectory: stateDirectory), logger: logger)
        _ = try await supervisor.running()
        guard let handshake = await supervisor.handshake else {
            throw ConnectorError(.upstreamFailure, "issuer \(configuration.id): the plugin did not complete its handshake")
        }
        let body = handshake.certctlPlugin
        return PluginSession(
            supervisor: supervisor, greeting: Greeting(protocolVersion: body.protocol, name: body.name, capabilities: body.capabilities),
            executable: options.executable.path, pinned: options.sha256 != nil, timeout: options.timeout)
    }

    /// The chain `describe` returned at start-up, issuing CA first.
    public func startupChain() async throws -> [Certificate] {
        try ExternalConnector.parseChain(await supervisor.caChainPEM ?? "", issuerID: supervisor.issuerID)
    }

    /// `describe` again.
    public func describe() async throws -> [Certificate] {
        let result = try await supervisor.call("describe", PluginProtocol.Empty(), as: PluginProtocol.DescribeResult.self)
        return try ExternalConnector.parseChain(result.caChainPem ?? "", issuerID: supervisor.issuerID)
    }

    /// `health`: `nil` when the plugin reports ok, else its problem.
    public func health() async throws -> String? {
        let health = try await supervisor.call("health", PluginProtocol.Empty(), as: PluginProtocol.HealthResult.self)
        return health.ok ? nil : (health.problem ?? "not ok")
    }

    /// A ``CASigner`` over the plugin's `sign`, verifying every signature against `caCertificate`'s
    /// key, as the server's.
    public func signer(caCertificate: Certificate) throws -> any CASigner {
        try PluginSigner(supervisor: supervisor, publicKey: caCertificate.publicKey, issuerID: supervisor.issuerID)
    }

    /// `sign` of a digest, returned as the plugin sent it (base64-decoded), without verification.
    public func signDigest(_ digest: [UInt8], algorithm: String) async throws -> [UInt8] {
        let result = try await supervisor.call(
            "sign", PluginProtocol.SignParams(algorithm: algorithm, digest: Data(digest).base64EncodedString()),
            as: PluginProtocol.SignResult.self)
        guard let signature = Data(base64Encoded: result.signature) else {
            throw ConnectorError(.upstreamFailure, "issuer \(supervisor.issuerID): the plugin's signature is not base64")
        }
        return Array(signature)
    }

    /// `issue`, as the server sends it.
    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        try await ExternalIssuingConnector.issue(request, supervisor: supervisor)
    }

    /// Closes the plugin's stdin and waits for it to exit.
    public func stop() async { await supervisor.stop() }
}
