/// Storage role: database-wide locks that serialise work across host instances.
public protocol InstanceLocks: Sendable {
    /// Runs `body` while holding the database-wide lock `name`, so that across every host instance
    /// on this database at most one runs it at a time. With `wait: false` returns `nil` at once when
    /// another instance holds the lock. The lock is released when `body` ends, or by the database when
    /// the instance dies. (SQLite has one instance per file: the body just runs.)
    func withExclusiveLock<T: Sendable>(_ name: ExclusiveLock, wait: Bool, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?
}

/// The database-wide locks.
public enum ExclusiveLock: Int64, Sendable {
    /// One scheduler pass (CRL generation, responder rotation, cache pruning) at a time.
    case schedulerPass = 0x6365_7274_0001
    /// One OCSP responder bootstrap or rotation at a time.
    case responderRotation = 0x6365_7274_0002
}
