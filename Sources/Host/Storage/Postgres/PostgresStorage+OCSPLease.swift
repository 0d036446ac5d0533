import Foundation
import PostgresNIO

/// The OCSP memory leases (`ocsp_leases`, see ``OCSPLease``): this instance's row, and the wait a
/// revocation makes for the other instances' acknowledgements.
extension PostgresStorage {
    /// Longest a revocation waits for the other instances: a lease's length, and a second more for
    /// its holder's last renewal to have reached the database. Past it the revocation returns all
    /// the same (the instance that did not answer has stopped using its memory by then, unless its
    /// clock or the database's jumped) and a warning is logged.
    static let acknowledgementWait: Duration = OCSPLease.duration + .seconds(1)

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
        try await withConnection(timeout: OCSPLease.duration) { connection in
            _ = try await connection.query(
                "UPDATE ocsp_leases SET seen_epoch = \(value) WHERE instance_id = \(self.instanceID)",
                logger: self.logger)
        }
    }

    public func releaseOCSPLease() async throws {
        try await withConnection(timeout: OCSPLease.duration) { connection in
            // Leases of instances that stopped without releasing go too, long after they ran out.
            _ = try await connection.query(
                """
                DELETE FROM ocsp_leases
                WHERE instance_id = \(self.instanceID) OR lease_until < now() - interval '1 day'
                """, logger: self.logger)
        }
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
    /// run out, checking every 2 ms (an instance reads the counter every ``OCSPLease/pollInterval``).
    /// The revocation is committed by then, so this never fails: while the database cannot be read,
    /// it waits out ``acknowledgementWait``, after which no lease taken before can still hold.
    func awaitOCSPAcknowledgements(of epoch: Int64) async {
        let deadline = ContinuousClock.now + Self.acknowledgementWait
        var waiting: Int64?
        while true {
            waiting = try? await withConnection(timeout: Self.acknowledgementWait) { connection in
                try await Self.rows(
                    try await connection.query(
                        """
                        SELECT count(*) AS waiting FROM ocsp_leases
                        WHERE instance_id <> \(self.instanceID) AND seen_epoch < \(epoch) AND lease_until > now()
                        """, logger: self.logger)
                ).first?["waiting"].decode(Int64.self) ?? 0
            }
            if waiting == 0 { return }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { break }
            try? await Task.sleep(for: .milliseconds(2))
        }
        logger.warning(
            "OCSP memory lease holders did not acknowledge a revocation in time",
            metadata: ["instances": "\(waiting.map(String.init) ?? "unknown")", "epoch": "\(epoch)"])
    }
}
