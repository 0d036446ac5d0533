import ConnectorAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// `certctl serve`: bootstraps what is missing, then runs the HTTPS API, the plain-HTTP PKI
/// listener, the revocation scheduler and the SIGHUP reloader as services in one `ServiceGroup`
/// that shuts down gracefully on SIGTERM/SIGINT.
public struct CertctlServer: Sendable {
    let configuration: HostConfiguration
    let registry: ConnectorRegistry
    let logger: Logger
    let environment: [String: String]
    let logLevel: LogLevelControl?

    /// - Parameters:
    ///   - environment: what a SIGHUP reload reads `CERTCTL_*` from (with the config file).
    ///   - logLevel: the control the process's log handlers follow; a reload sets it.
    public init(
        configuration: HostConfiguration, registry: ConnectorRegistry, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment, logLevel: LogLevelControl? = nil
    ) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.environment = environment
        self.logLevel = logLevel
    }

    /// Runs until a shutdown signal.
    /// - Parameters:
    ///   - printLine: where the bootstrap message goes (stdout).
    ///   - printAdminKey: whether a bootstrapped admin key is printed too (`--print-admin-key`, or
    ///     stdout is a terminal); otherwise only where it was written, so it never lands in a journal.
    /// - Throws: `busy` (exit 75) when another `serve` holds this SQLite data directory or a
    ///   listen address is taken — the first before any plugin starts.
    public func run(printLine: @Sendable (String) -> Void = { print($0) }, printAdminKey: Bool = false) async throws {
        var lock: DataDirectoryLock?
        if case .sqlite = configuration.database {
            try? FileManager.default.createDirectory(
                at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            lock = try DataDirectoryLock.acquire(dataDirectory: configuration.dataDirectory)
        }
        defer { lock?.release() }
        try await HostRuntime.withStorage(configuration, logger: logger) { storage in
            try await serve(storage: storage, printLine: printLine, printAdminKey: printAdminKey)
        }
    }

    private func serve(storage: any HostStorage, printLine: @Sendable (String) -> Void, printAdminKey: Bool) async throws {
        // Trapped before anything listens, so an early SIGHUP reloads instead of terminating.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // http-01 answers need the plain-HTTP listener; without it ACME issuers must use dns-01.
        let challenges = configuration.pkiHTTPListen == nil ? nil : HTTPChallengeResponses()
        let issuers = try await HostRuntime.loadIssuers(
            configuration, registry: registry, storage: storage, services: ConnectorServices(httpChallenges: challenges), logger: logger)
        let host = try HostApplication(
            configuration: configuration, storage: storage, issuers: issuers, challenges: challenges, logger: logger)
        if host.policy.profiles.isDevelopment {
            logger.warning(
                "no profiles configured: every API key may issue any DNS, IP, email or URI name from any issuer (development mode; see docs/policy.md)"
            )
        }

        if let token = try await AdminKeyBootstrap(dataDirectory: configuration.dataDirectory, keys: host.keys).run() {
            let path = configuration.dataDirectory.appendingPathComponent("admin-api-key").path
            if printAdminKey {
                printLine("Bootstrapped an admin API key (shown once; also stored in \(path), mode 0600):")
                printLine(token)
            } else {
                printLine(
                    "Bootstrapped an admin API key, stored in \(path) (mode 0600); not printed because stdout is not a terminal (--print-admin-key prints it)."
                )
            }
        }
        let tls = TLSCredentials(try await tlsCredentials(issuers: issuers, certificates: host.certificates))
        let reloader = ConfigReloader(
            signals: hangups, configuration: configuration, environment: environment,
            targets: .init(
                tls: tls, logLevel: logLevel, ocspLimiter: host.ocspLimiter, exportLimiter: host.exportLimiter,
                issuanceLimiter: host.issuanceLimiter, policy: host.policy, issuerIDs: issuers.order),
            metrics: host.metrics, logger: logger
        )

        // Both listeners put the OCSP fast path in front of the router, inside the edge limits.
        let (edge, metrics) = (configuration.edge, host.metrics)
        let https = OCSPFastPathChannel.server(host.ocspFastPath, edge: edge, metrics: metrics, tls: tls.serverConfiguration())
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: application(host.apiRouter(), server: https, listen: configuration.listen)),
            .init(service: host.scheduler),
            .init(service: reloader),
            .init(service: host.ocspDatabase),
        ]
        if let gate = host.ocspGate { services.append(.init(service: gate)) }
        if let refresher = host.ocspRefresher { services.append(.init(service: refresher)) }
        if let pkiListen = configuration.pkiHTTPListen {
            let plain = OCSPFastPathChannel.server(host.ocspFastPath, edge: edge, metrics: metrics, tls: nil)
            services.append(.init(service: application(host.pkiRouter(), server: plain, listen: pkiListen)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await issuers.stopConnectors()
            throw error
        }
        await issuers.stopConnectors()
        logger.notice("stopped")
    }

    private func application(_ router: Router<HostRequestContext>, server: HTTPServerBuilder, listen: ListenAddress) -> some Service {
        let logger = self.logger
        let application = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? listen.description)"])
            },
            logger: logger
        )
        return ListenerService(application: application, address: listen)
    }

    /// The configured certificate and key, or the bootstrapped development pair (created when missing or stale).
    func tlsCredentials(issuers: IssuerDirectory, certificates: CertificateService) async throws -> TLSCredentials.Pair {
        if configuration.tlsCertificateFile == nil {
            let dev = TLSBootstrap(dataDirectory: configuration.dataDirectory)
            if !dev.isCurrent() {
                // The development issuer's id (`iss-local`) issues it when it is served — bootstrapped
                // without configured issuers, or configured by that id with a CA signer (so a config
                // that adds a plugin next to `iss-local` keeps `--cacert <iss-local's CA>` working);
                // otherwise it is self-signed (docs/connectors/external.md).
                let issuerID = configuration.developmentIssuer.map(\.id).flatMap { id in issuers[id]?.signing == nil ? nil : id }
                try await dev.create(
                    issue: issuerID.flatMap { issuers[$0] }.map { issuer in
                        { csr in
                            let record = try await certificates.issue(
                                IssuanceRequest(csrPEM: csr, issuerID: issuer.id, validityDays: TLSBootstrap.validityDays), by: .host)
                            return (record.certificatePEM, record.chainPEM)
                        }
                    }
                )
                logger.notice("bootstrapped TLS certificate", metadata: ["file": "\(dev.certificateFile.path)"])
            }
        }
        let files = configuration.tlsFiles
        return try TLSCredentials.load(certificateFile: files.certificate, keyFile: files.key)
    }
}
