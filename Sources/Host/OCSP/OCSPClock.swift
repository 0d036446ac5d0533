/// The one clock of the OCSP memory layer — the memory cache, its background re-reads, the
/// change-counter gate and the PostgreSQL lease: monotonic, so a wall-clock step can neither
/// extend nor shorten what memory trusts. Injected, so tests move time by hand.
///
/// (Responses carry wall-clock times — thisUpdate, nextUpdate — which the responder takes from its
/// own `Date` source; memory turns a nextUpdate into a deadline on this clock when it stores it.)
struct OCSPClock: Sendable {
    typealias Instant = ContinuousClock.Instant

    private let read: @Sendable () -> Instant

    init(_ read: @escaping @Sendable () -> Instant) {
        self.read = read
    }

    var now: Instant { read() }

    /// The process's monotonic clock.
    static let continuous = OCSPClock { .now }

    /// Sleeps until `deadline` on the real clock: what this clock reads ahead of it is slept less.
    func sleep(until deadline: Instant) async throws {
        try await Task.sleep(for: now.duration(to: deadline))
    }
}
