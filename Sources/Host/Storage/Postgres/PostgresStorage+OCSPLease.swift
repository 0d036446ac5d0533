import Foundation
import PostgresNIO

/// The OCSP memory leases (`ocsp_leases`, see ``OCSPLease``): this instance's row, and the wait a
/// revocation makes for the other instances' acknowledgements.
extension PostgresStorage {
    /// The channel every advance of `ocsp_epoch` notifies, with the new value (migration 5).
    static let epochChannel = "certctl_ocsp_epoch"
    /// The channel every lease holder's acknowledgement notifies.
    static let acknowledgementChannel = "certctl_ocsp_ack"

    public func renewOCSPLease(for duration: Duration, seen: Int64) async throws {
        let milliseconds = Int64(duration / .milliseconds(1))
        try await withConnection(timeout: duration) { connection in
            _ = try await connection.query(
                """
                INSERT INTO ocsp_leases (instance_id, lease_until, seen_epoch)
                VALUES (\(self.instanceID), now() + \(milliseconds) * interval '1 millisecond', \(seen))
                ON CONFLICT (instance_id) DO UPDATE SET lease_until = EXCLUDED.lease_until, seen_epoch = EXCLUDED.seen_epoch
                """, logger: self.logger)
        }
    }

    public func acknowledgeOCSPEpoch(_ value: Int64) async throws {
        try await withConnection(timeout: ocspTuning.leaseDuration) { connection in
            _ = try await connection.query(
                "UPDATE ocsp_leases SET seen_epoch = \(value) WHERE instance_id = \(self.instanceID)",
                logger: self.logger)
        }
    }

    public func releaseOCSPLease() async throws {
        try await withConnection(timeout: ocspTuning.leaseDuration) { connection in
            // Leases of instances that stopped without releasing go too, long after they ran out.
            _ = try await connection.query(
                """
                DELETE FROM ocsp_leases
                WHERE instance_id = \(self.instanceID) OR lease_until < now() - interval '1 day'
                """, logger: self.logger)
        }
    }

    /// LISTENs on ``epochChannel`` on a connection of its own (outside the pool), then runs `body`
    /// with the values notified, in commit order; throws when that connection is lost.
    public func listenOCSPEpoch(_ body: @Sendable (AsyncThrowingStream<Int64, any Error>) async throws -> Void) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: Self.eventLoops.next(), configuration: epochConnectionConfiguration, id: 1, logger: logger)
        } catch {
            throw mapped(error)
        }
        do {
            try await connection.listen(on: Self.epochChannel) { notifications in
                let (values, input) = AsyncThrowingStream.makeStream(of: Int64.self)
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await notification in notifications {
                                if let value = Int64(notification.payload) { input.yield(value) }
                            }
                            input.finish(throwing: HostError(.unavailable, "the notification connection closed"))
                        } catch {
                            input.finish(throwing: error)
                        }
                    }
                    defer { group.cancelAll() }
                    try await body(values)
                }
            }
        } catch {
            try? await connection.close()
            throw mapped(error)
        }
        try? await connection.close()
    }

    /// The counter's value as the calling transaction leaves it (its own changes included).
    func ocspEpoch(in connection: PostgresConnection) async throws -> Int64 {
        let rows = try await Self.rows(try await connection.query("SELECT value FROM ocsp_epoch", logger: logger))
        guard let value = try rows.first?["value"].decode(Int64.self) else {
            throw HostError(.internalFailure, "ocsp_epoch has no row")
        }
        return value
    }

    /// Returns once every other instance holding a lease has acknowledged `epoch` or its lease has
    /// run out. It LISTENs on ``acknowledgementChannel`` and counts the holders still behind at each
    /// acknowledgement notified, and every ``OCSPTuning/acknowledgementRecheck`` besides (a safety
    /// net). The revocation is committed by then, so this never fails: while the database cannot be
    /// read it waits out ``OCSPTuning/acknowledgementWait``, after which no lease taken before can
    /// still hold.
    func awaitOCSPAcknowledgements(of epoch: Int64) async {
        let wait = ocspTuning.acknowledgementWait
        let deadline = ContinuousClock.now + wait
        let waiting: Int64?
        do {
            waiting = try await withConnection(timeout: wait + .seconds(1)) { connection in
                try await connection.listen(on: Self.acknowledgementChannel) { notifications in
                    try await self.countBehind(epoch, on: connection, until: deadline, wakeUps: notifications)
                }
            }
        } catch {
            // The database is not answering: wait the leases out.
            try? await Task.sleep(until: deadline, clock: .continuous)
            waiting = nil
        }
        if waiting == 0 { return }
        logger.warning(
            "OCSP memory lease holders did not acknowledge a revocation in time",
            metadata: ["instances": "\(waiting.map(String.init) ?? "unknown")", "epoch": "\(epoch)"])
    }

    /// Counts the lease holders behind `epoch` now and at each wake-up (a notification, or the
    /// recheck interval) until none is or `deadline` passes; returns the last count.
    private func countBehind(
        _ epoch: Int64, on connection: PostgresConnection, until deadline: ContinuousClock.Instant,
        wakeUps notifications: PostgresNotificationSequence
    ) async throws -> Int64 {
        let (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let recheck = ocspTuning.acknowledgementRecheck
        return try await withThrowingTaskGroup(of: Void.self, returning: Int64.self) { group in
            group.addTask {
                for try await _ in notifications { wake.yield() }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: recheck)
                    wake.yield()
                }
            }
            defer { group.cancelAll() }
            var iterator = wakeUps.makeAsyncIterator()
            var waiting: Int64 = 0
            while true {
                let rows = try await Self.rows(
                    try await connection.query(
                        """
                        SELECT count(*) AS waiting FROM ocsp_leases
                        WHERE instance_id <> \(self.instanceID) AND seen_epoch < \(epoch) AND lease_until > now()
                        """, logger: self.logger))
                waiting = try rows.first?["waiting"].decode(Int64.self) ?? 0
                guard waiting > 0, ContinuousClock.now < deadline, !Task.isCancelled, await iterator.next() != nil else { return waiting }
            }
        }
    }
}
