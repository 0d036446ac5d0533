import ConnectorAPI
import ConnectorSupport
import Foundation
import IssuingKit
import Logging
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// `type: external` — an issuer backend in a separate executable, in any language, spoken to over
/// certctl's plugin protocol (`docs/connectors/external-protocol.md`): a handshake line, then
/// JSON-RPC 2.0 over the child's stdin/stdout.
///
/// What the plugin declares decides what the host does:
/// - `sign`: the plugin holds the CA key and signs digests; certificates, CRLs and OCSP are built by
///   the host (``SignerBackedIssuer``), exactly as for file and HSM keys — ``ExternalSigningConnector``.
/// - `issue` (and optionally `revoke`): the plugin is a CA of its own; the host passes CSRs and
///   revocations through and publishes no CRL/OCSP for it — ``ExternalIssuingConnector``.
public enum ExternalConnector: ConnectorFactory {
    public static let type = "external"

    /// Validates the options, then starts the plugin once to learn its capabilities and CA chain: an
    /// executable that is missing, pinned to another hash, or does not complete the handshake and
    /// `describe` stops `certctl serve` naming the issuer. Afterwards the plugin is supervised.
    public static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let id = configuration.id
        let options = try ExternalOptions(configuration.options)
        // A plugin that exits while the host writes to it must not kill the host with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let stateDirectory = configuration.dataDirectory.appendingPathComponent("plugins").appendingPathComponent(id)
        try FileManager.default.createDirectory(
            at: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let supervisor = PluginSupervisor(
            issuerID: id, options: options, environment: environment(options, issuerID: id, stateDirectory: stateDirectory),
            logger: Logger(label: "certctl.plugin"))
        do {
            _ = try await supervisor.running()
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: id)
        }
        guard let handshake = await supervisor.handshake else {
            throw ConnectorError.invalidConfiguration("issuer \(id): the plugin did not complete its handshake")
        }
        let chain = try parseChain(await supervisor.caChainPEM ?? "", issuerID: id)
        if handshake.capabilities.contains("sign") {
            guard let ca = chain.first else {
                throw ConnectorError.invalidConfiguration("issuer \(id): a 'sign' plugin must return its CA certificate from describe")
            }
            let signer = try PluginSigner(supervisor: supervisor, publicKey: ca.publicKey, issuerID: id)
            try await checkKey(signer, supervisor: supervisor, issuerID: id)
            let issuer = try SignerBackedIssuer(chain, signer: signer, issuerID: id)
            return ExternalSigningConnector(issuer: issuer, supervisor: supervisor, handshake: handshake)
        }
        return ExternalIssuingConnector(id: id, supervisor: supervisor, handshake: handshake, chain: chain)
    }

    /// The CA certificate came from the plugin: one signature over a fixed message shows its key is
    /// the signer's. A signature that does not verify stops start-up; a plugin that cannot sign
    /// right now (timeout, its backend down) only gets a warning — every later signature is
    /// verified before use anyway.
    static func checkKey(_ signer: PluginSigner, supervisor: PluginSupervisor, issuerID id: String) async throws {
        let message = PluginSigner.keyCheckMessage
        let result: PluginProtocol.SignResult
        do {
            result = try await supervisor.call("sign", signer.signParams(for: message), as: PluginProtocol.SignResult.self)
        } catch let error as ConnectorError {
            Logger(label: "certctl.plugin").warning(
                "start-up key check skipped: the plugin did not sign", metadata: ["issuer": "\(id)", "error": "\(error.message)"])
            return
        }
        if let problem = signer.problem(with: result.signature, over: message) {
            throw ConnectorError.invalidConfiguration(
                "issuer \(id): the start-up key check failed: \(problem) (does the plugin hold the CA certificate's key?)")
        }
    }

    /// The plugin's environment: ``ChildProcess/inheritedEnvironment`` (no host secrets), the
    /// operator's `env`, and the protocol variables.
    static func environment(_ options: ExternalOptions, issuerID: String, stateDirectory: URL) -> [String: String] {
        var environment = ChildProcess.inheritedEnvironment
        environment.merge(options.environment) { $1 }
        environment["CERTCTL_PLUGIN_PROTOCOLS"] = PluginProtocol.supportedVersions.map(String.init).joined(separator: ",")
        environment["CERTCTL_ISSUER_ID"] = issuerID
        environment["CERTCTL_PLUGIN_STATE_DIR"] = stateDirectory.path
        return environment
    }

    static func parseChain(_ pem: String, issuerID: String) throws -> [Certificate] {
        guard !pem.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        do {
            return try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the plugin's ca_chain_pem is not a PEM certificate chain")
        }
    }
}

/// Health and shutdown, shared by both plugin connector kinds.
protocol SupervisedPluginConnector: HealthReportingConnector, StoppableConnector {
    var supervisor: PluginSupervisor { get }
    var handshake: PluginProtocol.Handshake { get }
}

extension SupervisedPluginConnector {
    /// The supervisor's view (a plugin that failed and is waiting to restart), then the plugin's own
    /// `health` answer when it declares that capability.
    public func healthProblem() async -> String? {
        if let problem = await supervisor.problem { return problem }
        guard handshake.capabilities.contains("health") else { return nil }
        do {
            let health = try await supervisor.call("health", PluginProtocol.Empty(), as: PluginProtocol.HealthResult.self)
            return health.ok ? nil : "plugin reports: \(health.problem ?? "not ok")"
        } catch let error as ConnectorError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    public func shutdown() async { await supervisor.stop() }
}
