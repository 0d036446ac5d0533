import Foundation
import Logging
import ServiceLifecycle

/// The background service that keeps revocation data fresh (on one instance at a time when several
/// share a database):
/// - re-signs each issuer's CRL every `CERTCTL_CRL_GENERATION_INTERVAL` (minus a fixed per-issuer
///   jitter of up to 10 %, so issuers do not all sign at once), at once after a revocation, and on
///   the next pass when the stored CRL is missing;
/// - rotates OCSP responder certificates inside their grace window (and creates them at start-up);
/// - prunes expired pre-signed OCSP responses.
///
/// Time is an injected `Clock`, so tests can drive it without sleeping.
public final class RevocationScheduler: Service, Sendable {
    let crl: CRLService
    let responders: ResponderStore
    let storage: any CRLStore & OCSPStore & InstanceLocks
    let interval: Duration
    let tick: Duration
    let logger: Logger
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    private let jitter: [String: TimeInterval]
    private let revocations: AsyncStream<String>
    private let revocationInput: AsyncStream<String>.Continuation

    init(
        crl: CRLService, responders: ResponderStore, storage: any CRLStore & OCSPStore & InstanceLocks, settings: RevocationSettings,
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.crl = crl
        self.responders = responders
        self.storage = storage
        self.interval = .seconds(settings.crlGenerationInterval)
        self.tick = .seconds(max(1, min(30, settings.crlGenerationInterval / 4)))
        self.logger = logger
        self.clock = clock
        self.now = now
        var rng = SystemRandomNumberGenerator()
        jitter = Dictionary(
            uniqueKeysWithValues: crl.publishingIssuers.map {
                ($0.id, Double.random(in: 0..<0.1, using: &rng) * Double(settings.crlGenerationInterval))
            }
        )
        (revocations, revocationInput) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
    }

    /// Called after a revocation committed: the issuer's CRL is regenerated right away.
    func revoked(issuerID: String) {
        revocationInput.yield(issuerID)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.regenerateAfterRevocations() }
                group.addTask { await self.periodic() }
            }
        }
        revocationInput.finish()
    }

    private func regenerateAfterRevocations() async {
        for await issuerID in revocations {
            guard let issuer = crl.issuers[issuerID], issuer.publishesCRL else { continue }
            do {
                try await crl.regenerate(issuer, fresh: true)
            } catch {
                logger.error("CRL regeneration after revocation failed", metadata: ["issuer": "\(issuerID)", "error": "\(error)"])
            }
        }
    }

    /// Each tick, the instance that gets the database-wide scheduler lock runs one pass; the others
    /// skip it. So passes never overlap across instances, and when an instance dies the next tick
    /// of another one takes over.
    private func periodic() async {
        // The first pass after start-up re-signs every CRL: the stored one may come from a restored
        // backup and be older than CRLs already published (the new number is above them all).
        var startup = true
        while !Task.isCancelled {
            do {
                let force = startup
                let ran: Bool? = try await storage.withExclusiveLock(.schedulerPass, wait: false) {
                    await self.runOnce(signAll: force)
                    return true
                }
                if ran == true { startup = false }
            } catch {
                logger.error("scheduler pass skipped", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: tick)
        }
    }

    /// Signs a new CRL for `issuer` when its stored one is due (or always with `signAll`).
    private func regenerateIfDue(_ issuer: LoadedIssuer, now: Date, signAll: Bool) async {
        do {
            // The database's CRL may come from another instance. A missing row (deleted by an
            // operator, or a restored database) is regenerated now, whatever is in memory.
            let latest = try await storage.latestCRL(issuerID: issuer.id)
            let age = latest.map { now.timeIntervalSince($0.thisUpdate) } ?? .infinity
            let due = TimeInterval(interval.components.seconds) - (jitter[issuer.id] ?? 0)
            if signAll || age >= due || (latest?.nextUpdate ?? .distantPast) <= now {
                try await crl.regenerate(issuer, fresh: false)
            }
        } catch {
            logger.error("scheduled CRL generation failed", metadata: ["issuer": "\(issuer.id)", "error": "\(error)"])
        }
    }

    /// One pass: due CRLs (all of them with `signAll`), due responder rotations, cache pruning.
    /// Errors are logged and retried next tick.
    func runOnce(signAll: Bool = false) async {
        let now = self.now()
        for issuer in crl.issuers.all {
            guard let signing = issuer.signing else { continue }
            if issuer.publishesCRL {
                await regenerateIfDue(issuer, now: now, signAll: signAll)
            }
            do {
                _ = try await responders.responder(for: issuer, signing: signing)
            } catch {
                logger.error("OCSP responder rotation failed", metadata: ["issuer": "\(issuer.id)", "error": "\(error)"])
            }
        }
        do {
            let pruned = try await storage.pruneOCSPCache(now: now)
            if pruned > 0 { logger.debug("pruned expired OCSP responses", metadata: ["count": "\(pruned)"]) }
        } catch {
            logger.error("OCSP cache pruning failed", metadata: ["error": "\(error)"])
        }
    }
}
