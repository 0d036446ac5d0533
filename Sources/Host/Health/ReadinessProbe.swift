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

    private struct Last {
        var report: Report
        var at: C.Instant
    }

    let interval: Duration
    private let clock: C
    private let run: @Sendable () async -> Report
    private let last = Mutex<Last?>(nil)
    private let flight = SingleFlight<Report>()
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
    func report() async -> Report {
        let now = clock.now
        if let last = last.withLock({ $0 }), now < last.at.advanced(by: interval) {
            metrics?.increment(.health, "probe_reused")
            return last.report
        }
        let ran = Mutex(false)
        // The probes never throw; SingleFlight's error path is unreachable here.
        let report = try? await flight.run("readyz") { [self] in
            ran.withLock { $0 = true }
            metrics?.increment(.health, "probe_run")
            let report = await run()
            last.withLock { $0 = Last(report: report, at: clock.now) }
            return report
        }
        if !ran.withLock({ $0 }) { metrics?.increment(.health, "probe_reused") }
        return report ?? Report(checks: [])
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
