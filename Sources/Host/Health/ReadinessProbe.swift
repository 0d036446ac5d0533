import ConnectorAPI
import Foundation
import Synchronization

/// What `/readyz` reports: the database answers, issuers are loaded, and each issuer's CA
/// certificate is current and its connector (when it reports health: PKCS#11, plugins, ACME) healthy.
///
/// The probes touch the database, a token session and every plugin, so they never run per request:
/// a report is reused for ``interval``, and while probes run every other caller waits for their
/// report instead of starting its own (at most one run at a time, however many clients ask).
final class ReadinessProbe<C: Clock>: Sendable where C.Duration == Duration, C.Instant: Sendable, C: Sendable {
    struct Check: Sendable, Equatable {
        /// `database`, or `issuer:<id>`.
        var name: String
        var ok: Bool
        /// Why not, for key holders only (may name internal state).
        var detail: String?
        var checkedAt: Date
    }

    struct Report: Sendable, Equatable {
        var checks: [Check]
        var ready: Bool { checks.allSatisfy(\.ok) && checks.contains { $0.name.hasPrefix("issuer:") } }
        /// The ids of the issuers whose check failed (all an anonymous caller is told).
        var failingIssuers: [String] {
            checks.filter { !$0.ok && $0.name.hasPrefix("issuer:") }.map { String($0.name.dropFirst("issuer:".count)) }
        }
    }

    private struct State {
        var last: Report?
        var lastAt: C.Instant?
        var running = false
        var waiters: [CheckedContinuation<Report, Never>] = []
    }

    let interval: Duration
    private let clock: C
    private let run: @Sendable () async -> Report
    private let state = Mutex(State())
    private let metrics: HostMetrics?

    /// - Parameters:
    ///   - interval: how long a report is reused.
    ///   - run: the probes (``probes(storage:issuers:)`` in the server).
    init(interval: Duration, clock: C, metrics: HostMetrics?, run: @escaping @Sendable () async -> Report) {
        self.interval = interval
        self.clock = clock
        self.metrics = metrics
        self.run = run
    }

    /// The current report: reused while fresh, else from the one run in progress or a new one.
    private enum Step {
        case reuse(Report)
        case wait
        case run
    }

    func report() async -> Report {
        let now = clock.now
        let step = state.withLock { state -> Step in
            if let last = state.last, let at = state.lastAt, now < at.advanced(by: interval) { return .reuse(last) }
            if state.running { return .wait }
            state.running = true
            return .run
        }
        switch step {
        case .reuse(let report):
            metrics?.increment(.health, "probe_reused")
            return report
        case .wait:
            metrics?.increment(.health, "probe_reused")
            return await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Report? in
                    guard state.running else { return state.last }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        case .run:
            metrics?.increment(.health, "probe_run")
            let report = await run()
            let finished = clock.now
            let waiters = state.withLock { state -> [CheckedContinuation<Report, Never>] in
                state.last = report
                state.lastAt = finished
                state.running = false
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: report) }
            return report
        }
    }
}

extension ReadinessProbe {
    /// The server's probes: the database, then each issuer (its CA certificate's dates, and the
    /// connector's own health when it reports one).
    static func probes(storage: any HostStorage, issuers: IssuerDirectory) -> @Sendable () async -> Report {
        { () async -> Report in
            var checks: [Check] = []
            do {
                try await storage.ping()
                checks.append(Check(name: "database", ok: true, checkedAt: Date()))
            } catch {
                checks.append(Check(name: "database", ok: false, detail: "database unreachable: \(error)", checkedAt: Date()))
            }
            for issuer in issuers.all {
                var problem = issuer.caProblem(now: Date())
                if problem == nil, let health = issuer.connector as? any HealthReportingConnector {
                    problem = await health.healthProblem()
                }
                checks.append(
                    Check(
                        name: "issuer:\(issuer.id)", ok: problem == nil,
                        detail: problem.map { ConnectorError.naming(issuer: issuer.id, $0) },
                        checkedAt: Date()))
            }
            return Report(checks: checks)
        }
    }
}
