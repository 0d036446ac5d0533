import Foundation
import Logging
import ServiceLifecycle

/// Re-reads, in the background, what the OCSP fast path is still answering from memory —
/// certificate statuses (for live-signed nonce answers) and pre-signed responses — so that under
/// steady load no answer waits for the database path just because its entry grew old.
///
/// An entry past its re-read point (a status: a random point between three and four fifths of its
/// trust period; a pre-signed response: four fifths of its own, randomly shortened, period) is
/// handed here by the request that noticed it; that request and the ones after it keep being
/// answered from memory until the entry expires, as before. A re-read that finds the same thing trusts it again from the time the
/// read began, and only if nothing was invalidated meanwhile; one that finds something else (a
/// changed status, a pre-signed response deleted or replaced — by an operator's SQL, another
/// instance's revocation or a new responder) forgets the serial instead. A failed or late re-read
/// changes nothing: the entry expires and the next request takes the database path.
final class OCSPMemoryRefresher: Service, Sendable {
    enum Item: Sendable {
        case status(issuerID: String, serial: String)
        /// A pre-signed response, by the CertID encoding it answers.
        case response(issuerID: String, serial: String, certID: [UInt8])
    }

    private let memory: OCSPMemoryCache
    private let storage: any OCSPStore
    private let metrics: HostMetrics
    private let queue: AsyncStream<Item>
    private let input: AsyncStream<Item>.Continuation

    /// Re-reads happen on the memory's clock and within its ``OCSPTuning`` (queue limit, concurrency).
    init(memory: OCSPMemoryCache, storage: any OCSPStore, metrics: HostMetrics) {
        self.memory = memory
        self.storage = storage
        self.metrics = metrics
        (queue, input) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(memory.tuning.refreshQueueLimit))
    }

    /// Queues a re-read. Never waits: it is called on a SwiftNIO event loop.
    func refresh(_ item: Item) {
        input.yield(item)
    }

    /// Up to ``OCSPTuning/refreshConcurrency`` re-reads at a time: entries stored together (a
    /// warm-up) come due together, and one database round trip at a time left some to expire first
    /// on PostgreSQL.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await item in queue.cancelOnGracefulShutdown() {
                if running == memory.tuning.refreshConcurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.reread(item) }
                running += 1
            }
        }
        input.finish()
    }

    /// One re-read (also driven directly by tests).
    func reread(_ item: Item) async {
        let generation = memory.generation
        let checkedAt = memory.now
        do {
            switch item {
            case .status(let issuerID, let serial):
                let found = try await storage.serialStatus(issuerID: issuerID, serial: serial)
                memory.refreshed(
                    found.map(OCSPCertStatus.init) ?? .unknown, issuerID: issuerID, serial: serial, checkedAt: checkedAt,
                    generation: generation)
            case .response(let issuerID, let serial, let certID):
                let found = try await storage.cachedOCSPResponse(
                    issuerID: issuerID, serial: serial, certIDKey: OCSPResponder.cacheKey(certID: certID), now: Date())
                memory.refreshed(
                    response: found?.der, issuerID: issuerID, serial: serial, certID: certID, checkedAt: checkedAt,
                    generation: generation)
            }
        } catch {
            return
        }
        metrics.increment(.ocsp, "memory_refreshed")
    }
}
