import ConnectorAPI
import Foundation
import Hummingbird
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
        let storage = try await HostRuntime.openStorage(configuration)
        let issuers = try await HostRuntime.loadIssuers(configuration, registry: registry, storage: storage, logger: logger)
        let keys = APIKeyService(storage: storage)
        let certificates = CertificateService(storage: storage, issuers: issuers, publicBaseURL: configuration.publicBaseURL)

        if let token = try await AdminKeyBootstrap(dataDirectory: configuration.dataDirectory, keys: keys).run() {
            let path = configuration.dataDirectory.appendingPathComponent("admin-api-key").path
            printLine("Bootstrapped an admin API key (shown once; also stored in \(path), mode 0600):")
            printLine(token)
        }
        let tls = try await tlsConfiguration(issuers: issuers, certificates: certificates)

        let router = Router(context: HostRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        let auth = Authenticator(keys: keys)
        let body = RequestBody(maxSize: configuration.maxBodySize)
        HealthController(storage: storage, issuers: issuers).register(on: router)
        IssuerController(issuers: issuers, auth: auth).register(on: router)
        CertificateController(certificates: certificates, auth: auth, body: body).register(on: router)
        AuditController(storage: storage, auth: auth).register(on: router)
        PKIController(issuers: issuers).register(on: router)

        let listen = configuration.listen
        let logger = self.logger
        let app = Application(
            router: router,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? listen.description)"])
            },
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
        logger.notice("stopped")
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
