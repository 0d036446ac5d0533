import Synchronization

/// Limits `cert_issue_denied` audit rows per requester, so a flood of refused requests cannot grow
/// the audit table without bound (`certctl_policy_counter_total` still counts every refusal).
///
/// Up to ``rowsPerMinute`` rows per requester per minute are written; the refusals not written
/// are counted, and the next row written for that requester carries the count as `suppressed`.
final class RefusalAuditThrottle: Sendable {
    static let rowsPerMinute = 20

    private let limiter: FixedWindowLimiter<ContinuousClock>
    private let suppressed = Mutex<[String: Int]>([:])

    init(rowsPerMinute: Int = RefusalAuditThrottle.rowsPerMinute, clock: ContinuousClock = ContinuousClock()) {
        limiter = FixedWindowLimiter(limit: rowsPerMinute, window: .seconds(60), clock: clock, maxKeys: 10_000)
    }

    /// `nil` when this refusal's row is suppressed; otherwise how many were suppressed since the
    /// requester's last row.
    func admit(_ actor: String) -> Int? {
        switch limiter.acquire(actor) {
        case .allowed:
            return suppressed.withLock { $0.removeValue(forKey: actor) ?? 0 }
        case .limited:
            suppressed.withLock { counts in
                if counts.count >= 10_000, counts[actor] == nil { counts.removeAll() }
                counts[actor, default: 0] += 1
            }
            return nil
        }
    }
}
