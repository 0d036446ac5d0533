import Foundation
import Metrics
import Prometheus
import Synchronization

/// The host's Prometheus metrics: `certctl_<area>_counter_total{label="…"}` counters and the
/// `certctl_http_request_duration_seconds` histogram, recorded through swift-metrics into a
/// registry owned by this instance (no global bootstrap).
public final class HostMetrics: Sendable {
    public enum Area: String, Sendable, CaseIterable {
        case ocsp, crl, issuance, revocation, export, ratelimit, reload, policy, acme, connection, health
    }

    /// Every documented label, created at start-up so each series is exposed from 0.
    public static let labels: [Area: [String]] = [
        .ocsp: [
            "request_get", "request_post", "request_success", "request_invalid", "issuer_not_found", "issuer_mismatch",
            "cert_not_found", "signing_failed", "nonce_echoed", "nonce_malformed", "rate_limited", "cache_hit", "cache_miss",
            "memory_hit", "memory_epoch_changed", "memory_epoch_failed", "memory_lease_taken", "memory_refreshed",
            "status_good", "status_revoked", "status_unknown", "responder_rotated", "connection_over_buffer",
        ],
        .crl: ["generated", "generation_failed", "served", "not_modified", "issuer_not_found", "served_from_memory"],
        .issuance: ["issued", "refused"],
        .revocation: ["revoked", "refused"],
        .export: ["pem", "pkcs12", "failed"],
        .ratelimit: ["ocsp", "export", "issuance"],
        .reload: ["succeeded", "failed"],
        .policy: PolicyRefusal.Rule.allCases.map(\.rawValue),
        .acme: [
            "account_created", "order_created", "order_refused", "challenge_valid", "challenge_invalid", "finalized", "finalize_refused",
            "bad_nonce", "rate_limited", "revoked",
        ],
        .connection: ["refused", "handshake_timeout", "head_timeout", "idle_timeout", "proxy_invalid"],
        .health: ["probe_run", "probe_reused"],
    ]

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// A counter's identity (no string built per increment: OCSP counts several per request).
    private struct CounterKey: Hashable {
        var area: Area
        var label: String
    }

    /// The documented counters, created at start-up and never changed: found without a lock
    /// (an OCSP answer counts five or six).
    private let known: [CounterKey: Metrics.Counter]
    /// Any other label, created on first use.
    private let counters = Mutex<[CounterKey: Metrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        var known: [CounterKey: Metrics.Counter] = [:]
        for (area, labels) in Self.labels {
            for label in labels {
                known[CounterKey(area: area, label: label)] = Self.makeCounter(area, label, factory: factory)
            }
        }
        self.known = known
    }

    /// Adds one to `certctl_<area>_counter_total{label="<label>"}`.
    public func increment(_ area: Area, _ label: String) {
        counter(area, label).increment()
    }

    /// Records one HTTP request's duration by route pattern, method and status.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = "\(route) \(method) \(status)"
        let timer = timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(
                label: "certctl_http_request_duration_seconds",
                dimensions: [("route", route), ("method", method), ("status", String(status))],
                factory: factory
            )
            timers[key] = timer
            return timer
        }
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    private func counter(_ area: Area, _ label: String) -> Metrics.Counter {
        let key = CounterKey(area: area, label: label)
        if let counter = known[key] { return counter }
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Self.makeCounter(area, label, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private static func makeCounter(_ area: Area, _ label: String, factory: PrometheusMetricsFactory) -> Metrics.Counter {
        Metrics.Counter(label: "certctl_\(area.rawValue)_counter_total", dimensions: [("label", label)], factory: factory)
    }
}
