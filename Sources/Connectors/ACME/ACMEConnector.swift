import ConnectorAPI
import Foundation
import SwiftASN1
import Synchronization
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// `type: acme` — a remote CA that speaks ACME (RFC 8555): Let's Encrypt, ZeroSSL, Google Trust
/// Services, step-ca, Vault, EJBCA, Pebble.
///
/// The host keeps the inventory, audit and revocation workflow; the CA keeps its key, its CRL and
/// its OCSP. So this connector has no ``CASigner``: the host serves no CRL or OCSP for it, and a
/// revocation is forwarded to the CA's `revokeCert` before the host records it.
///
/// State in `<data_dir>/acme/<issuer id>/`: `account.key` (mode 0600, the ACME account key,
/// created on first start and reused) and `chain.pem` (the CA chain of the last issued
/// certificate, served as this issuer's CA certificate). Keys are documented in
/// `docs/connectors/acme.md`.
public struct ACMEConnector: IssuerConnector, HealthReportingConnector {
    /// The issuer id, for error messages.
    let id: String
    /// Revocations are forwarded to the CA's `revokeCert`.
    public var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: true) }

    let client: ACMEClient
    let solver: any ChallengeSolver
    let state: ACMEState

    public func caChain() async throws -> [Certificate] { state.chain }

    public func healthProblem() async -> String? {
        guard client.breaker.isOpen else { return nil }
        return "ACME server \(client.host) is failing (\(client.breaker.consecutiveFailures) failed calls in a row)"
    }
}

extension ACMEConnector: ConnectorFactory {
    public static let type = "acme"

    /// Validates the options and loads (or creates) the account key. The CA is not contacted here:
    /// an unreachable CA must not stop the host from serving its other issuers.
    public static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let id = configuration.id
        let options = try ACMEOptions(configuration.options)
        let directory = configuration.dataDirectory.appendingPathComponent("acme").appendingPathComponent(id)
        let key = try ACMEAccountKey.loadOrCreate(directory.appendingPathComponent("account.key"), issuerID: id)
        let solver: any ChallengeSolver
        switch options.challenge {
        case .http01:
            guard let store = configuration.services.httpChallenges else {
                throw ConnectorError.invalidConfiguration(
                    "issuer \(id): challenge http-01 needs the plain-HTTP listener: set CERTCTL_PKI_HTTP_LISTEN (port 80 as the CA sees it)"
                )
            }
            solver = HTTP01Solver(store: store)
        case .dns01:
            guard let hook = options.dnsHook else { throw ConnectorError.invalidConfiguration("issuer \(id): dns-01 needs dns_hook") }
            solver = DNS01HookSolver(
                hook: hook, issuerID: id, propagationDelay: options.dnsPropagationDelay, environment: options.dnsHookEnvironment)
        }
        return ACMEConnector(
            id: id,
            client: try ACMEClient(issuerID: id, options: options, accountKey: key),
            solver: solver,
            state: try ACMEState(chainFile: directory.appendingPathComponent("chain.pem"), issuerID: id)
        )
    }
}

/// What the connector remembers between calls: the account URL (learned from the CA) and the CA
/// chain of the last issued certificate (also kept on disk for restarts).
final class ACMEState: Sendable {
    private let account = Mutex<String?>(nil)
    private let cachedChain: Mutex<[Certificate]>
    let chainFile: URL

    init(chainFile: URL, issuerID: String) throws {
        self.chainFile = chainFile
        var chain: [Certificate] = []
        if let text = try? String(contentsOf: chainFile, encoding: .utf8) {
            do {
                chain = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
            } catch {
                throw ConnectorError.invalidConfiguration("issuer \(issuerID): \(chainFile.path) is not a PEM certificate chain; delete it")
            }
        }
        cachedChain = Mutex(chain)
    }

    var accountURL: String? {
        get { account.withLock { $0 } }
        set { account.withLock { $0 = newValue } }
    }

    var chain: [Certificate] { cachedChain.withLock { $0 } }

    /// Remembers a newly seen CA chain, writing it to disk when it changed.
    func remember(chain: [Certificate]) throws {
        let changed = cachedChain.withLock { current in
            guard current != chain else { return false }
            current = chain
            return true
        }
        guard changed else { return }
        let pem = try chain.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
        let temporary = chainFile.appendingPathExtension("tmp")
        try FileManager.default.createDirectory(at: chainFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(pem.utf8).write(to: temporary)
        guard rename(temporary.path, chainFile.path) == 0 else {
            throw ConnectorError(.internalFailure, "cannot write \(chainFile.path) (errno \(errno))")
        }
    }
}
