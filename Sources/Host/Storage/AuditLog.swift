/// Storage role: the audit log. (Changes of state write their audit rows through the role that
/// makes the change, in the same transaction.)
public protocol AuditLog: Sendable {
    /// Appends an audit row for an event that changes no other state.
    func appendAudit(_ entry: AuditEntry) async throws

    /// At most `limit` rows, newest first, with `seq` below `beforeSeq` when given.
    func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry]
}
