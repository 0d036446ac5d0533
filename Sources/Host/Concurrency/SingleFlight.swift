import Synchronization

/// Collapses concurrent executions of the same keyed operation into one.
///
/// The first caller for a key runs the operation; callers arriving while it runs wait for its
/// result. A caller that needs a result computed *after* it arrived (e.g. a CRL that must include a
/// revocation that just committed) passes `fresh: true`: the running leader then runs the operation
/// once more before answering everybody.
final class SingleFlight<Value: Sendable>: Sendable {
    private struct Flight {
        var waiters: [CheckedContinuation<Value, any Error>] = []
        var rerun = false
    }

    private let flights = Mutex<[String: Flight]>([:])
    /// The last result per key, for a waiter that arrives just as its flight lands.
    private let lastResult = Mutex<[String: Result<Value, any Error>]>([:])

    func run(_ key: String, fresh: Bool = false, _ operation: @Sendable () async throws -> Value) async throws -> Value {
        let isLeader = flights.withLock { flights -> Bool in
            if flights[key] != nil {
                if fresh { flights[key]!.rerun = true }
                return false
            }
            flights[key] = Flight()
            return true
        }
        guard isLeader else { return try await wait(key) }

        var result: Result<Value, any Error>
        repeat {
            flights.withLock { $0[key]?.rerun = false }
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
        } while flights.withLock { $0[key]?.rerun ?? false }

        lastResult.withLock { $0[key] = result }
        let waiters = flights.withLock { $0.removeValue(forKey: key)?.waiters ?? [] }
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }

    /// Callers waiting on the running flight for `key` (for tests and diagnostics).
    func waiters(_ key: String) -> Int {
        flights.withLock { $0[key]?.waiters.count ?? 0 }
    }

    private func wait(_ key: String) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let joined = flights.withLock { flights -> Bool in
                guard flights[key] != nil else { return false }
                flights[key]!.waiters.append(continuation)
                return true
            }
            if !joined {
                // The flight landed between the leader check and here: its result is the fresh one.
                let result = lastResult.withLock { $0[key] } ?? .failure(HostError(.unavailable, "operation did not complete"))
                continuation.resume(with: result)
            }
        }
    }
}
