import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Host

/// Counter reads that end only when the test says so, with the value current at that moment.
private final class SteppedReads: Sendable {
    private struct State {
        var value: Int64 = 0
        var failing = false
        var started = 0
        var blocked: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var started: Int { state.withLock { $0.started } }

    func read() async throws -> Int64 {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                state.started += 1
                state.blocked.append(continuation)
            }
        }
        let (value, failing) = state.withLock { ($0.value, $0.failing) }
        if failing { throw HostError(.unavailable, "database down") }
        return value
    }

    /// Ends the oldest read in flight, which then sees `value`.
    func finish(value: Int64, failing: Bool = false) {
        let continuation = state.withLock { state in
            state.value = value
            state.failing = failing
            return state.blocked.isEmpty ? nil : state.blocked.removeFirst()
        }
        continuation?.resume()
    }
}

/// What each waiter was told, by name.
private final class Outcomes: Sendable {
    private let values = Mutex([String: Bool]())
    subscript(_ name: String) -> Bool? { values.withLock { $0[name] } }
    func record(_ name: String, _ usable: Bool) { values.withLock { $0[name] = usable } }
}

@Suite struct OCSPEpochGateTests {
    private static func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    private func response(_ memory: OCSPMemoryCache) -> OCSPMemoryCache.Response {
        memory.response(
            der: [1], etag: "\"e\"", thisUpdate: Date(), nextUpdate: Date() + 60, checkedAt: memory.now, validFor: .seconds(60))
    }

    @Test func memoryIsUsedOnlyAfterAReadThatBeganLaterAndIsEmptiedWhenTheCounterMoved() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        // Trusted far longer than the test runs: only the counter may empty it.
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(3600))
        let reads = SteppedReads()
        let outcomes = Outcomes()
        let gate = OCSPEpochGate(
            memory: memory, metrics: HostMetrics(), logger: Logger(label: "test"),
            readEpoch: {
                let promise = loop.makePromise(of: Int64.self)
                promise.completeWithTask { try await reads.read() }
                return promise.futureResult
            })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await gate.run() }

            // A arrives: a read begins. B arrives during it, so must wait for the next read.
            gate.wait(on: loop) { outcomes.record("A", $0) }
            try await Self.eventually { reads.started == 1 }
            gate.wait(on: loop) { outcomes.record("B", $0) }
            reads.finish(value: 7)
            try await Self.eventually { outcomes["A"] != nil }
            #expect(outcomes["A"] == true)
            try await Self.eventually { reads.started == 2 }
            #expect(outcomes["B"] == nil, "B arrived after the first read began")

            // Something is remembered; then another instance revokes (the counter moves) before
            // the read B waits for: memory is empty when B is told to use it.
            memory.store(response(memory), issuerID: "i", serial: "01", certID: [2], generation: memory.generation)
            #expect(memory.response(issuerID: "i", serial: "01", certID: [2]) != nil)
            reads.finish(value: 8)
            try await Self.eventually { outcomes["B"] != nil }
            #expect(outcomes["B"] == true)
            #expect(memory.response(issuerID: "i", serial: "01", certID: [2]) == nil)

            // An unchanged counter keeps memory; a failed read sends the request to the database.
            memory.store(response(memory), issuerID: "i", serial: "01", certID: [2], generation: memory.generation)
            gate.wait(on: loop) { outcomes.record("C", $0) }
            try await Self.eventually { reads.started == 3 }
            reads.finish(value: 8)
            try await Self.eventually { outcomes["C"] != nil }
            #expect(outcomes["C"] == true)
            #expect(memory.response(issuerID: "i", serial: "01", certID: [2]) != nil)
            gate.wait(on: loop) { outcomes.record("D", $0) }
            try await Self.eventually { reads.started == 4 }
            reads.finish(value: 8, failing: true)
            try await Self.eventually { outcomes["D"] != nil }
            #expect(outcomes["D"] == false)

            // Stopped: waiters are told to use the database at once.
            group.cancelAll()
            try await group.waitForAll()
        }
        gate.wait(on: loop) { outcomes.record("E", $0) }
        try await Self.eventually { outcomes["E"] != nil }
        #expect(outcomes["E"] == false)
    }
}
