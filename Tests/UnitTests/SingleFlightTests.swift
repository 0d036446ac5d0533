import Synchronization
import Testing

@testable import Host

/// A shared counter for closures that run concurrently.
final class RunCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    @discardableResult
    func increment() -> Int {
        count.withLock {
            $0 += 1; return $0
        }
    }
}

@Suite struct SingleFlightTests {
    @Test func concurrentCallersShareOneRun() async throws {
        let flight = SingleFlight<Int>()
        let runs = RunCounter()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await flight.run("k") {
                    runs.increment()
                    for await _ in gate { break }
                    return 42
                }
            }
            while runs.value == 0 { await Task.yield() }
            for _ in 0..<10 {
                group.addTask {
                    try await flight.run("k") {
                        runs.increment()
                        return -1
                    }
                }
            }
            while flight.waiters("k") < 10 { await Task.yield() }
            open.yield()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 42, count: 11))
        #expect(runs.value == 1)
    }

    @Test func aFreshCallerForcesARunThatStartsAfterIt() async throws {
        let flight = SingleFlight<Int>()
        let runs = RunCounter()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let operation: @Sendable () async throws -> Int = {
            let run = runs.increment()
            if run == 1 { for await _ in gate { break } }
            return run
        }
        async let first = flight.run("k", operation)
        while runs.value == 0 { await Task.yield() }
        async let second = flight.run("k", fresh: true, operation)
        while flight.waiters("k") < 1 { await Task.yield() }
        open.yield()
        let (a, b) = try await (first, second)
        // Both get the result of the second run, which began after the fresh caller arrived.
        #expect(a == 2 && b == 2)
    }

    @Test func errorsReachTheCallerAndTheNextCallRunsAgain() async throws {
        struct Boom: Error {}
        let flight = SingleFlight<Int>()
        await #expect(throws: Boom.self) { try await flight.run("k") { throw Boom() } }
        #expect(try await flight.run("k") { 7 } == 7)
    }
}
