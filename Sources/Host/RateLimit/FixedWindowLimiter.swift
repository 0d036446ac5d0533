import Synchronization

/// Counts events per key in fixed windows (e.g. per source IP per minute, per API key per hour).
///
/// Time comes from an injected clock so limits are tested without sleeping. Memory is bounded
/// without ever sorting or scanning the table under its lock: keys live in two generations, and
/// the older one is dropped whole when the newer one holds half of `maxKeys` or is a window old
/// (every window in it has then ended or is carried over on its key's next event). A key dropped
/// that way starts a fresh window — the price of the bound, paid only by keys idle for a
/// generation while at least `maxKeys / 2` others were active.
final class FixedWindowLimiter<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable, C: Sendable {
    enum Decision: Equatable {
        case allowed
        /// Refused; the window ends after this long.
        case limited(retryAfter: Duration)
    }

    private struct Window {
        var start: C.Instant
        var count: Int
    }

    private struct Table {
        var current: [String: Window] = [:]
        var previous: [String: Window] = [:]
        var generationStart: C.Instant
    }

    private let currentLimit: Atomic<Int>
    let window: Duration
    let maxKeys: Int
    private let clock: C
    private let table: Mutex<Table>

    /// - Parameter limit: events allowed per window and key; 0 disables the limiter.
    init(limit: Int, window: Duration, clock: C, maxKeys: Int = 100_000) {
        self.currentLimit = Atomic(limit)
        self.window = window
        self.clock = clock
        self.maxKeys = max(2, maxKeys)
        self.table = Mutex(Table(generationStart: clock.now))
    }

    /// Events allowed per window and key; 0 disables the limiter. Settable while running (reload):
    /// windows already open keep their counts.
    var limit: Int {
        get { currentLimit.load(ordering: .relaxed) }
        set { currentLimit.store(newValue, ordering: .relaxed) }
    }

    /// Keys held now (both generations), for tests and metrics.
    var keyCount: Int { table.withLock { $0.current.count + $0.previous.count } }

    /// Counts one event for `key` and says whether it is within the limit.
    /// - Parameter override: a limit for this key instead of ``limit`` (0 disables it).
    func acquire(_ key: String, limit override: Int? = nil) -> Decision {
        let limit = override ?? self.limit
        guard limit > 0 else { return .allowed }
        let now = clock.now
        let window = self.window
        let half = maxKeys / 2
        // The dropped generation is released after the lock, not under it.
        var dropped: [String: Window] = [:]
        let decision = table.withLock { table -> Decision in
            if table.current.count >= half || table.generationStart.advanced(by: window) <= now {
                dropped = table.previous
                table.previous = table.current
                table.current = [:]
                table.current.reserveCapacity(min(half, table.previous.count))
                table.generationStart = now
            }
            var current = table.current[key] ?? table.previous.removeValue(forKey: key) ?? Window(start: now, count: 0)
            if current.start.advanced(by: window) <= now { current = Window(start: now, count: 0) }
            guard current.count < limit else {
                table.current[key] = current
                return .limited(retryAfter: now.duration(to: current.start.advanced(by: window)))
            }
            current.count += 1
            table.current[key] = current
            return .allowed
        }
        _ = dropped
        return decision
    }
}
