import Synchronization

/// Counts events per key in fixed windows (e.g. per source IP per minute, per API key per hour).
///
/// Time comes from an injected clock so limits are tested without sleeping. Memory is bounded:
/// when the table grows past `maxKeys`, windows that have ended are dropped, then the oldest.
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

    private let currentLimit: Atomic<Int>
    let window: Duration
    let maxKeys: Int
    private let clock: C
    private let windows = Mutex<[String: Window]>([:])

    /// - Parameter limit: events allowed per window and key; 0 disables the limiter.
    init(limit: Int, window: Duration, clock: C, maxKeys: Int = 100_000) {
        self.currentLimit = Atomic(limit)
        self.window = window
        self.clock = clock
        self.maxKeys = maxKeys
    }

    /// Events allowed per window and key; 0 disables the limiter. Settable while running (reload):
    /// windows already open keep their counts.
    var limit: Int {
        get { currentLimit.load(ordering: .relaxed) }
        set { currentLimit.store(newValue, ordering: .relaxed) }
    }

    /// Counts one event for `key` and says whether it is within the limit.
    /// - Parameter override: a limit for this key instead of ``limit`` (0 disables it).
    func acquire(_ key: String, limit override: Int? = nil) -> Decision {
        let limit = override ?? self.limit
        guard limit > 0 else { return .allowed }
        let now = clock.now
        return windows.withLock { windows in
            var current = windows[key] ?? Window(start: now, count: 0)
            if current.start.advanced(by: window) <= now { current = Window(start: now, count: 0) }
            guard current.count < limit else {
                return .limited(retryAfter: now.duration(to: current.start.advanced(by: window)))
            }
            current.count += 1
            windows[key] = current
            if windows.count > maxKeys { Self.prune(&windows, now: now, window: window, keep: maxKeys) }
            return .allowed
        }
    }

    private static func prune(_ windows: inout [String: Window], now: C.Instant, window: Duration, keep: Int) {
        windows = windows.filter { $0.value.start.advanced(by: window) > now }
        if windows.count > keep {
            let oldest = windows.sorted { $0.value.start < $1.value.start }.prefix(windows.count - keep).map(\.key)
            for key in oldest { windows.removeValue(forKey: key) }
        }
    }
}
