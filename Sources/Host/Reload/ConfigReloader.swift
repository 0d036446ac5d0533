import ConnectorAPI
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads on SIGHUP: re-reads the configuration (file + the process environment) and the TLS
/// certificate and key, and applies them all or nothing.
///
/// Applied without a restart: the TLS certificate chain and key (new connections get them; open
/// ones keep theirs), `CERTCTL_LOG_LEVEL`, the three rate limits and the issuance `profiles:`. Any other changed setting is
/// named in a warning and takes effect at the next start. When anything fails to load — a config
/// value or profile that does not parse, a profile naming an issuer the server does not run, a TLS
/// file that is missing, not PEM, or whose key is not the certificate's — nothing changes: the server keeps serving with what it had and logs the
/// reason (counted as `certctl_reload_counter_total{label="failed"}`).
public final class ConfigReloader: Service, Sendable {
    /// What the running server uses for the reloadable settings.
    struct Targets: Sendable {
        var tls: TLSCredentials
        var logLevel: LogLevelControl?
        var ocspLimiter: FixedWindowLimiter<ContinuousClock>
        var exportLimiter: FixedWindowLimiter<ContinuousClock>
        var issuanceLimiter: FixedWindowLimiter<ContinuousClock>
        var policy: IssuancePolicy
        /// The running issuers, which reloaded profiles may name.
        var issuerIDs: [String]
    }

    private let signals: UnixSignalsSequence
    private let environment: [String: String]
    private let targets: Targets
    private let running: Mutex<HostConfiguration>
    private let metrics: HostMetrics
    private let logger: Logger

    /// - Parameter signals: a SIGHUP sequence made before the server starts listening, so a
    ///   signal that arrives early is not the default "terminate".
    init(
        signals: UnixSignalsSequence, configuration: HostConfiguration, environment: [String: String], targets: Targets,
        metrics: HostMetrics, logger: Logger
    ) {
        self.signals = signals
        self.environment = environment
        self.targets = targets
        self.running = Mutex(configuration)
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// One reload.
    func reload() {
        let current = running.withLock { $0 }
        logger.notice("reloading configuration (SIGHUP)", metadata: ["config": "\(current.configFile?.path ?? "none")"])
        let next: HostConfiguration
        let pair: TLSCredentials.Pair
        let profiles: IssuancePolicy.Profiles
        do {
            next = try HostConfiguration.load(configPath: current.configFile?.path, environment: environment)
            let files = next.tlsFiles
            pair = try TLSCredentials.load(certificateFile: files.certificate, keyFile: files.key)
            profiles = try IssuancePolicy.Profiles(next.profiles, issuers: targets.issuerIDs)
        } catch {
            let reason = (error as? HostError)?.message ?? "\(error)"
            metrics.increment(.reload, "failed")
            logger.error("reload refused; still serving the previous configuration and TLS certificate", metadata: ["reason": "\(reason)"])
            return
        }
        targets.tls.replace(with: pair)
        targets.logLevel?.level = next.logLevel
        targets.ocspLimiter.limit = next.limits.ocspPerIPPerMinute
        targets.exportLimiter.limit = next.limits.exportsPerActorPerHour
        targets.issuanceLimiter.limit = next.limits.issuancesPerKeyPerMinute
        targets.policy.replace(with: profiles)
        let restartRequired = Self.restartRequired(running: current, loaded: next)
        running.withLock { running in
            // What is live now; settings that need a restart keep their running values.
            running.tlsCertificateFile = next.tlsCertificateFile
            running.tlsKeyFile = next.tlsKeyFile
            running.logLevel = next.logLevel
            running.limits = next.limits
            running.profiles = next.profiles
        }
        metrics.increment(.reload, "succeeded")
        logger.notice(
            "reloaded",
            metadata: [
                "tls_serial": "\(pair.serial)", "tls_not_after": "\(pair.notAfter.rfc3339)", "log_level": "\(next.logLevel)",
                "profiles": "\(profiles.isDevelopment ? "none (development)" : profiles.list.map(\.id).joined(separator: ","))",
            ])
        if !restartRequired.isEmpty {
            logger.warning(
                "changed settings take effect at the next start", metadata: ["settings": "\(restartRequired.joined(separator: ", "))"])
        }
    }

    /// Settings that differ and are only read at start-up, as `CERTCTL_*` names (or `issuers`).
    static func restartRequired(running: HostConfiguration, loaded: HostConfiguration) -> [String] {
        var changed: [String] = []
        func check(_ name: String, _ differs: Bool) { if differs { changed.append(name) } }
        check("CERTCTL_DATA_DIR", running.dataDirectory != loaded.dataDirectory)
        check("CERTCTL_LISTEN", running.listen != loaded.listen)
        check("CERTCTL_PKI_HTTP_LISTEN", running.pkiHTTPListen != loaded.pkiHTTPListen)
        check("CERTCTL_PUBLIC_BASE_URL", running.publicBaseURL != loaded.publicBaseURL)
        check("CERTCTL_DATABASE_URL", running.database != loaded.database)
        check("CERTCTL_MAX_BODY_SIZE", running.maxBodySize != loaded.maxBodySize)
        let a = running.revocation
        let b = loaded.revocation
        check("CERTCTL_CRL_GENERATION_INTERVAL", a.crlGenerationInterval != b.crlGenerationInterval)
        check("CERTCTL_CRL_VALIDITY", a.crlValidity != b.crlValidity)
        check("CERTCTL_OCSP_RESPONDER_KEY_DIR", a.ocspResponderKeyDirectory != b.ocspResponderKeyDirectory)
        check("CERTCTL_OCSP_RESPONDER_ROTATION_GRACE", a.ocspResponderRotationGrace != b.ocspResponderRotationGrace)
        check("CERTCTL_OCSP_RESPONDER_VALIDITY", a.ocspResponderValidity != b.ocspResponderValidity)
        check("CERTCTL_OCSP_RESPONSE_VALIDITY", a.ocspResponseValidity != b.ocspResponseValidity)
        check("CERTCTL_OCSP_MEMORY_CACHE", a.ocspMemoryCache != b.ocspMemoryCache)
        check("issuers", running.issuers != loaded.issuers)
        let (e, f) = (running.edge, loaded.edge)
        check("CERTCTL_TLS_HANDSHAKE_TIMEOUT", e.tlsHandshakeTimeout != f.tlsHandshakeTimeout)
        check("CERTCTL_REQUEST_HEAD_TIMEOUT", e.requestHeadTimeout != f.requestHeadTimeout)
        check("CERTCTL_IDLE_TIMEOUT", e.idleTimeout != f.idleTimeout)
        check("CERTCTL_MAX_CONNECTIONS", e.maxConnections != f.maxConnections)
        check("CERTCTL_MAX_HEADER_SIZE", e.maxHeaderSize != f.maxHeaderSize)
        check("CERTCTL_MAX_CONNECTION_BUFFER", e.maxConnectionBuffer != f.maxConnectionBuffer)
        check("CERTCTL_RATE_LIMIT_IPV6_PREFIX", e.rateLimitIPv6Prefix != f.rateLimitIPv6Prefix)
        check("trusted_proxies", e.trustedProxies != f.trustedProxies)
        return changed
    }
}
