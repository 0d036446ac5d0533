import ConnectorAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// `certctl serve`: bootstraps what is missing, then runs the HTTPS API as a service in one
/// `ServiceGroup` that shuts down gracefully on SIGTERM/SIGINT.
public struct CertctlServer: Sendable {
    let configuration: HostConfiguration
    let registry: ConnectorRegistry
    let logger: Logger

    public init(configuration: HostConfiguration, registry: ConnectorRegistry, logger: Logger) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    /// Runs until a shutdown signal.
    /// - Parameter printLine: where the bootstrapped admin key is printed (stdout).
    public func run(printLine: @Sendable (String) -> Void = { print($0) }) async throws {
        try await HostRuntime.withStorage(configuration, logger: logger) { storage in
            try await serve(storage: storage, printLine: printLine)
        }
    }

    private func serve(storage: any HostStorage, printLine: @Sendable (String) -> Void) async throws {
        // http-01 answers need the plain-HTTP listener; without it ACME issuers must use dns-01.
        let challenges = configuration.pkiHTTPListen == nil ? nil : HTTPChallengeResponses()
        let issuers = try await HostRuntime.loadIssuers(
            configuration, registry: registry, storage: storage, services: ConnectorServices(httpChallenges: challenges), logger: logger)
        let metrics = HostMetrics()
        let revocation = configuration.revocation
        let crl = CRLService(storage: storage, issuers: issuers, settings: revocation, metrics: metrics, logger: logger)
        let responders = ResponderStore(storage: storage, settings: revocation, metrics: metrics, logger: logger)
        let scheduler = RevocationScheduler(crl: crl, responders: responders, storage: storage, settings: revocation, logger: logger)
        let keys = APIKeyService(storage: storage)
        let certificates = CertificateService(
            storage: storage, issuers: issuers, publicBaseURL: configuration.publicBaseURL, metrics: metrics,
            onRevoked: { scheduler.revoked(issuerID: $0) }
        )

        if let token = try await AdminKeyBootstrap(dataDirectory: configuration.dataDirectory, keys: keys).run() {
            let path = configuration.dataDirectory.appendingPathComponent("admin-api-key").path
            printLine("Bootstrapped an admin API key (shown once; also stored in \(path), mode 0600):")
            printLine(token)
        }
        let tls = try await tlsConfiguration(issuers: issuers, certificates: certificates)

        let auth = Authenticator(keys: keys)
        let body = RequestBody(maxSize: configuration.maxBodySize)
        let pki = PKIController(
            issuers: issuers, crl: crl,
            ocsp: try OCSPResponder(
                storage: storage, issuers: issuers, responders: responders, settings: revocation, metrics: metrics, logger: logger
            ),
            ocspLimiter: FixedWindowLimiter(limit: configuration.limits.ocspPerIPPerMinute, window: .seconds(60), clock: ContinuousClock()),
            settings: revocation, metrics: metrics
        )
        let exports = ExportService(
            certificates: certificates, storage: storage,
            limiter: FixedWindowLimiter(
                limit: configuration.limits.exportsPerActorPerHour, window: .seconds(3_600), clock: ContinuousClock()),
            metrics: metrics
        )

        let router = Router(context: HostRequestContext.self)
        router.add(middleware: ProblemMiddleware(metrics: metrics))
        HealthController(storage: storage, issuers: issuers).register(on: router)
        IssuerController(issuers: issuers, auth: auth).register(on: router)
        CertificateController(certificates: certificates, auth: auth, body: body).register(on: router)
        ExportController(exports: exports, auth: auth, body: body).register(on: router)
        AuditController(storage: storage, auth: auth).register(on: router)
        AdminCRLController(crl: crl, storage: storage, auth: auth, settings: revocation).register(on: router)
        MetricsController(metrics: metrics, auth: auth).register(on: router)
        pki.register(on: router)

        let logger = self.logger
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: application(router, server: try .tls(.http1(), tlsConfiguration: tls), listen: configuration.listen)),
            .init(service: scheduler),
        ]
        if let pkiListen = configuration.pkiHTTPListen {
            let pkiRouter = Router(context: HostRequestContext.self)
            pkiRouter.add(middleware: ProblemMiddleware(metrics: metrics))
            pki.register(on: pkiRouter)
            if let challenges { ACMEChallengeController(challenges: challenges).register(on: pkiRouter) }
            services.append(.init(service: application(pkiRouter, server: .http1(), listen: pkiListen)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await stopConnectors(issuers)
            throw error
        }
        await stopConnectors(issuers)
        logger.notice("stopped")
    }

    /// Stops what connectors own (plugin children) once nothing is served any more.
    private func stopConnectors(_ issuers: IssuerDirectory) async {
        for issuer in issuers.all {
            if let stoppable = issuer.connector as? any StoppableConnector { await stoppable.shutdown() }
        }
    }

    private func application(_ router: Router<HostRequestContext>, server: HTTPServerBuilder, listen: ListenAddress) -> some Service {
        let logger = self.logger
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? listen.description)"])
            },
            logger: logger
        )
    }

    /// TLS 1.3 only, with the configured certificate or the bootstrapped development one.
    func tlsConfiguration(issuers: IssuerDirectory, certificates: CertificateService) async throws -> TLSConfiguration {
        var certificateFile = configuration.tlsCertificateFile
        var keyFile = configuration.tlsKeyFile
        if certificateFile == nil {
            let dev = TLSBootstrap(dataDirectory: configuration.dataDirectory)
            if !dev.isCurrent() {
                let bootstrapped = configuration.issuers.isEmpty && issuers[DevIssuer.id] != nil
                try await dev.create(
                    issue: bootstrapped
                        ? { csr in
                            let record = try await certificates.issue(
                                issuerID: DevIssuer.id, csrPEM: csr, validityDays: TLSBootstrap.validityDays, actor: "system"
                            )
                            return (record.certificatePEM, record.chainPEM)
                        } : nil
                )
                logger.notice("bootstrapped TLS certificate", metadata: ["file": "\(dev.certificateFile.path)"])
            }
            certificateFile = dev.certificateFile
            keyFile = dev.keyFile
        }
        guard let certificateFile, let keyFile else { throw HostError.configuration("TLS certificate and key are required") }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile.path)
        } catch {
            throw HostError.configuration("CERTCTL_TLS_CERT_FILE: \(certificateFile.path) is not a readable PEM certificate")
        }
        do {
            key = try NIOSSLPrivateKey(file: keyFile.path, format: .pem)
        } catch {
            throw HostError.configuration("CERTCTL_TLS_KEY_FILE: \(keyFile.path) is not a readable PEM private key")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv13
        return tls
    }
}
