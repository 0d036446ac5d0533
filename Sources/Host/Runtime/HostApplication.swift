import ConnectorAPI
import Foundation
import Hummingbird
import Logging

/// The host's services wired together for one database and set of issuers, and the routers that
/// serve them. ``CertctlServer`` runs it; tests build it to inspect the routes.
struct HostApplication: Sendable {
    let configuration: HostConfiguration
    let storage: any HostStorage
    let issuers: IssuerDirectory
    let challenges: HTTPChallengeResponses?
    let metrics: HostMetrics
    let crl: CRLService
    let scheduler: RevocationScheduler
    let keys: APIKeyService
    let certificates: CertificateService
    let pki: PKIController
    let exports: ExportService
    let ocspLimiter: FixedWindowLimiter<ContinuousClock>
    let exportLimiter: FixedWindowLimiter<ContinuousClock>
    let issuanceLimiter: FixedWindowLimiter<ContinuousClock>
    /// The profiles (replaced on SIGHUP).
    let policy: IssuancePolicy
    /// Set on PostgreSQL with the memory cache in `auto`: a service of the server.
    let ocspGate: OCSPEpochGate?
    /// Runs while there is an OCSP memory cache.
    let ocspRefresher: OCSPMemoryRefresher?
    /// Answers the connection handlers' OCSP misses off the event loops: a service of the server.
    let ocspDatabase: OCSPDatabaseQueue
    /// OCSP's one decision, for the connection handlers and the router.
    let ocspFastPath: OCSPFastPath
    /// The ACME server (`/acme/{profile}/…`, profiles with `acme.enabled`).
    let acme: ACMEService
    /// `/readyz`'s probes, reused for two seconds and never run twice at once.
    let readiness: ReadinessProbe<ContinuousClock>

    init(
        configuration: HostConfiguration, storage: any HostStorage, issuers: IssuerDirectory, challenges: HTTPChallengeResponses?,
        logger: Logger, tuning: OCSPTuning = .standard
    ) throws {
        // The fast path reads heads and holds input within the listeners' limits (SPEC §10).
        var tuning = tuning
        tuning.maxHeadBytes = configuration.edge.maxHeaderSize
        tuning.maxConnectionBuffer = configuration.edge.maxConnectionBuffer
        self.configuration = configuration
        self.storage = storage
        self.issuers = issuers
        self.challenges = challenges
        let metrics = HostMetrics()
        let revocation = configuration.revocation
        let crl = CRLService(storage: storage, issuers: issuers, settings: revocation, metrics: metrics, logger: logger)
        // Every revocation of an SQLite database goes through this process, so answers can be kept
        // in memory; PostgreSQL instances learn of each other's revocations from the database's
        // change counter, read in the background under a lease or else before memory is used
        // (CERTCTL_OCSP_MEMORY_CACHE=on skips both).
        let use = revocation.ocspMemoryCache.use(for: configuration.database)
        let memory =
            use == .none
            ? nil
            : OCSPMemoryCache(revalidateAfter: use == .gated ? tuning.gatedRevalidation : tuning.localRevalidation, tuning: tuning)
        var gate: OCSPEpochGate?
        if use == .gated {
            guard let memory, let source = storage as? any OCSPEpochSource else {
                throw HostError(.configuration, "the database has no OCSP change counter; set CERTCTL_OCSP_MEMORY_CACHE to on or off")
            }
            gate = OCSPEpochGate(memory: memory, metrics: metrics, logger: logger, readEpoch: source.ocspEpoch, leases: .init(source))
        }
        ocspGate = gate
        let refresher = memory.map { OCSPMemoryRefresher(memory: $0, storage: storage, metrics: metrics) }
        ocspRefresher = refresher
        let responders = ResponderStore(
            storage: storage, settings: revocation, metrics: metrics, logger: logger, memory: memory, tuning: tuning)
        let scheduler = RevocationScheduler(crl: crl, responders: responders, storage: storage, settings: revocation, logger: logger)
        self.metrics = metrics
        self.crl = crl
        self.scheduler = scheduler
        let policy = IssuancePolicy(try IssuancePolicy.Profiles(configuration.profiles, issuers: issuers.order))
        self.policy = policy
        keys = APIKeyService(storage: storage, policy: policy)
        let issuanceLimiter = FixedWindowLimiter(
            limit: configuration.limits.issuancesPerKeyPerMinute, window: .seconds(60), clock: ContinuousClock())
        self.issuanceLimiter = issuanceLimiter
        certificates = CertificateService(
            storage: storage, issuers: issuers, publicBaseURL: configuration.publicBaseURL, metrics: metrics, policy: policy,
            issuanceLimiter: issuanceLimiter,
            onRevoked: { record in
                memory?.invalidate(issuerID: record.issuerID, serial: record.serial)
                scheduler.revoked(issuerID: record.issuerID)
            }
        )
        ocspLimiter = FixedWindowLimiter(limit: configuration.limits.ocspPerIPPerMinute, window: .seconds(60), clock: ContinuousClock())
        exportLimiter = FixedWindowLimiter(
            limit: configuration.limits.exportsPerActorPerHour, window: .seconds(3_600), clock: ContinuousClock())
        let responder = try OCSPResponder(
            storage: storage, issuers: issuers, responders: responders, settings: revocation, metrics: metrics, logger: logger,
            memory: memory, refresher: refresher)
        ocspDatabase = OCSPDatabaseQueue(tuning: tuning)
        var fastPath = OCSPFastPath(
            responder: responder, limiter: ocspLimiter, metrics: metrics, gate: gate, database: ocspDatabase, tuning: tuning)
        fastPath.ipv6Prefix = configuration.edge.rateLimitIPv6Prefix
        ocspFastPath = fastPath
        pki = PKIController(issuers: issuers, crl: crl, ocsp: ocspFastPath, settings: revocation, metrics: metrics)
        exports = ExportService(certificates: certificates, storage: storage, limiter: exportLimiter, metrics: metrics)
        let validation = configuration.acmeValidation
        let dns = DNSClient(resolver: validation.dnsResolver.map { (host: $0.host, port: UInt16($0.port)) })
        readiness = ReadinessProbe(
            interval: .seconds(2), clock: ContinuousClock(), metrics: metrics,
            run: ReadinessProbe.probes(storage: storage, issuers: issuers))
        acme = ACMEService(
            storage: storage, policy: policy, certificates: certificates,
            validator: ACMEValidator(
                dns: dns, http01Port: validation.http01Port, tlsALPN01Port: validation.tlsALPN01Port, deny: validation.deny),
            metrics: metrics, logger: logger)
    }

    /// Every route of the HTTPS listener.
    func apiRouter() -> Router<HostRequestContext> {
        let auth = Authenticator(keys: keys)
        let body = RequestBody(maxSize: configuration.maxBodySize)
        let router = Router(context: HostRequestContext.self)
        let routes = RouteIndex()
        router.add(middleware: ProblemMiddleware(metrics: metrics, routes: routes))
        HealthController(probe: readiness, auth: auth).register(on: router)
        IssuerController(issuers: issuers, policy: policy, auth: auth).register(on: router)
        CertificateController(certificates: certificates, auth: auth, body: body).register(on: router)
        ExportController(exports: exports, auth: auth, body: body).register(on: router)
        AuditController(storage: storage, auth: auth).register(on: router)
        AdminCRLController(crl: crl, storage: storage, auth: auth, settings: configuration.revocation).register(on: router)
        AdminKeyController(keys: keys, policy: policy, auth: auth, body: body).register(on: router)
        MetricsController(metrics: metrics, auth: auth).register(on: router)
        ACMEController(service: acme, body: body).register(on: router)
        AdminACMEController(service: acme, auth: auth, body: body).register(on: router)
        pki.register(on: router)
        routes.load(router)
        return router
    }

    /// The plain-HTTP listener's routes (`CERTCTL_PKI_HTTP_LISTEN`): PKI publishing and http-01 answers.
    func pkiRouter() -> Router<HostRequestContext> {
        let router = Router(context: HostRequestContext.self)
        let routes = RouteIndex()
        router.add(middleware: ProblemMiddleware(metrics: metrics, routes: routes))
        pki.register(on: router)
        if let challenges { ACMEChallengeController(challenges: challenges).register(on: router) }
        routes.load(router)
        return router
    }
}
