import Synchronization

/// Stops calling a remote CA that keeps failing, so its callers get a fast 503 instead of each
/// waiting out the timeouts.
///
/// Closed: calls go through; `failureThreshold` consecutive failures open the breaker.
/// Open: calls are refused until `openDuration` has passed. Then one call is let through as a
/// probe (half-open): success closes the breaker, failure opens it for another `openDuration`.
/// Only failures to get an answer count (unreachable, timeout, 5xx); the CA refusing a request
/// is an answer.
final class CircuitBreaker<C: Clock>: Sendable where C.Duration == Duration {
    enum Decision: Equatable {
        case proceed
        /// Refused; the breaker may let a probe through after `retryAfter`.
        case refuse(retryAfter: Duration)
    }

    private struct State {
        var consecutiveFailures = 0
        var openedAt: C.Instant?
        /// When the half-open probe was let through; a probe that never reports back (cancelled)
        /// stops blocking others after `openDuration`.
        var probeStartedAt: C.Instant?
    }

    let failureThreshold: Int
    let openDuration: Duration
    private let clock: C
    private let state = Mutex(State())

    init(failureThreshold: Int, openDuration: Duration, clock: C) {
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
        self.clock = clock
    }

    /// Asks whether a call may go to the CA now.
    func admit() -> Decision {
        let now = clock.now
        return state.withLock { state in
            guard let openedAt = state.openedAt else { return .proceed }
            let elapsed = openedAt.duration(to: now)
            if elapsed < openDuration { return .refuse(retryAfter: openDuration - elapsed) }
            if let probe = state.probeStartedAt, probe.duration(to: now) < openDuration {
                return .refuse(retryAfter: openDuration - probe.duration(to: now))
            }
            state.probeStartedAt = now
            return .proceed
        }
    }

    func recordSuccess() {
        state.withLock { $0 = State() }
    }

    func recordFailure() {
        let now = clock.now
        state.withLock { state in
            state.consecutiveFailures += 1
            if state.probeStartedAt != nil || state.consecutiveFailures >= failureThreshold {
                state.openedAt = now
                state.probeStartedAt = nil
            }
        }
    }

    /// Whether calls are currently being refused (for `/readyz`).
    var isOpen: Bool {
        let now = clock.now
        return state.withLock { state in
            guard let openedAt = state.openedAt else { return false }
            return openedAt.duration(to: now) < openDuration
        }
    }

    var consecutiveFailures: Int { state.withLock { $0.consecutiveFailures } }
}
