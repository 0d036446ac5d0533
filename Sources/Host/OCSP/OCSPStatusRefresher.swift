import Foundation
import Logging
import ServiceLifecycle

/// Re-reads, in the background, the certificate statuses the OCSP fast path is still answering
/// from memory, so that under steady load a live-signed (nonce) answer never waits for the
/// database path just because its entry grew old.
///
/// An entry past ``OCSPMemoryCache/refreshAfter`` (four fifths of its trust period) is handed
/// here by the request that noticed it; that request and the ones after it keep being answered from
/// memory until ``OCSPMemoryCache/revalidateAfter``, as before. The re-read stores the status with
/// the time the read began, and only if nothing was invalidated meanwhile; a status that changed
/// (an operator's SQL, a deleted row) empties the serial from memory instead. A failed or late
/// re-read changes nothing: the entry expires and the next request takes the database path.
final class OCSPStatusRefresher: Service, Sendable {
    struct Serial: Sendable {
        var issuerID: String
        var serial: String
    }

    /// Re-reads waiting at most; beyond it a request is dropped (its entry simply expires).
    static let queueLimit = 10_000

    private let memory: OCSPMemoryCache
    private let storage: any HostStorage
    private let metrics: HostMetrics
    private let now: @Sendable () -> Date
    private let queue: AsyncStream<Serial>
    private let input: AsyncStream<Serial>.Continuation

    init(memory: OCSPMemoryCache, storage: any HostStorage, metrics: HostMetrics, now: @escaping @Sendable () -> Date = Date.init) {
        self.memory = memory
        self.storage = storage
        self.metrics = metrics
        self.now = now
        (queue, input) = AsyncStream.makeStream(of: Serial.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
    }

    /// Queues a re-read. Never waits: it is called on a SwiftNIO event loop.
    func refresh(issuerID: String, serial: String) {
        input.yield(Serial(issuerID: issuerID, serial: serial))
    }

    func run() async {
        for await serial in queue.cancelOnGracefulShutdown() {
            await reread(serial)
        }
        input.finish()
    }

    /// One re-read (also driven directly by tests).
    func reread(_ serial: Serial) async {
        let generation = memory.generation
        let checkedAt = now()
        let found: SerialStatus?
        do {
            found = try await storage.serialStatus(issuerID: serial.issuerID, serial: serial.serial)
        } catch {
            return
        }
        memory.refreshed(
            found.map(OCSPCertStatus.init) ?? .unknown, issuerID: serial.issuerID, serial: serial.serial, checkedAt: checkedAt,
            generation: generation)
        metrics.increment(.ocsp, "memory_refreshed")
    }
}
