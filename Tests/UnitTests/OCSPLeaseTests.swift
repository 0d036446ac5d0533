import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import Host

@Suite struct OCSPLeaseTests {
    private let start = ContinuousClock.now
    private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func memoryIsUsedOnlyUnderAVerifiedLeaseCountedShort() {
        var lease = OCSPLease()
        #expect(!lease.isCurrent(at: at(0)) && !lease.isHeld(at: at(0)))
        lease.renewed(sent: at(0), completed: at(3))
        #expect(lease.isHeld(at: at(3)) && !lease.isCurrent(at: at(3)), "a new lease waits for a read")
        lease.polled(startedAt: at(2))
        #expect(!lease.isCurrent(at: at(4)), "a read that began before the lease was taken proves nothing")
        lease.polled(startedAt: at(3))
        #expect(lease.isCurrent(at: at(4)))
        // Counted from the sending of the renewal, and only the usable share of the database's term.
        let end = at(0) + OCSPTuning.standard.leaseDuration * OCSPTuning.standard.leaseUsableShare
        #expect(end < at(0) + OCSPTuning.standard.leaseDuration)
        #expect(lease.isCurrent(at: end - .milliseconds(1)) && !lease.isCurrent(at: end) && !lease.isHeld(at: end))
    }

    @Test func anUnbrokenRenewalKeepsVerificationALateOneStartsOver() {
        var lease = OCSPLease()
        lease.renewed(sent: at(0), completed: at(1))
        lease.polled(startedAt: at(1))
        // Renewed before the local deadline: the database extended the lease before it ran out.
        lease.renewed(sent: at(500), completed: at(510))
        #expect(lease.isCurrent(at: at(1_600)), "extended from the second renewal")
        #expect(lease.heldSince == at(1))
        // A renewal completing after the local deadline may have reached the database after the
        // lease ran out there: memory waits for a read that began after it.
        let deadline = at(500) + OCSPTuning.standard.leaseDuration * OCSPTuning.standard.leaseUsableShare
        lease.renewed(sent: deadline - .milliseconds(5), completed: deadline + .milliseconds(1))
        #expect(lease.isHeld(at: deadline + .milliseconds(2)) && !lease.isCurrent(at: deadline + .milliseconds(2)))
        lease.polled(startedAt: deadline)
        #expect(!lease.isCurrent(at: deadline + .milliseconds(2)), "began before the new lease")
        lease.polled(startedAt: deadline + .milliseconds(1))
        #expect(lease.isCurrent(at: deadline + .milliseconds(2)))
    }

    @Test func aFailedReadOrAReleaseStopsMemory() {
        var lease = OCSPLease()
        lease.renewed(sent: at(0), completed: at(1))
        lease.polled(startedAt: at(1))
        lease.pollFailed()
        #expect(!lease.isCurrent(at: at(10)) && lease.isHeld(at: at(10)))
        lease.polled(startedAt: at(10))
        #expect(lease.isCurrent(at: at(11)), "a later read that succeeds covers everything committed before it")
        lease.release()
        #expect(!lease.isCurrent(at: at(12)) && !lease.isHeld(at: at(12)))
        lease.polled(startedAt: at(12))
        #expect(!lease.isCurrent(at: at(13)), "no lease, no memory")
    }
}

/// A database for ``OCSPEpochGate``'s lease loop: the counter, its notifications, and what the
/// loop wrote.
private final class FakeLeaseDatabase: Sendable {
    struct State {
        var epoch: Int64 = 5
        var renewalsFail = false
        var renewals: [Int64] = []
        var acknowledged: [Int64] = []
        var releases = 0
        var listens = 0
        /// Whether memory still held the test's response when each value was acknowledged.
        var acknowledgedWithMemory: [Bool] = []
        /// The notifications of the listening loop, while it listens.
        var listener: AsyncThrowingStream<Int64, any Error>.Continuation?
    }

    let state = Mutex(State())
    let memory: OCSPMemoryCache

    init(memory: OCSPMemoryCache) { self.memory = memory }

    /// Another instance (or an operator) changes the counter: committed, then notified.
    func advance(to value: Int64) {
        let listener = state.withLock { state in
            state.epoch = value
            return state.listener
        }
        listener?.yield(value)
    }

    /// The notification connection is lost.
    func dropListener() {
        state.withLock { $0.listener }?.finish(throwing: HostError(.unavailable, "connection lost"))
    }

    var isListening: Bool { state.withLock { $0.listener != nil } }

    func leases() -> OCSPEpochGate.Leases {
        .init(
            listen: { body in
                let (values, input) = AsyncThrowingStream.makeStream(of: Int64.self)
                self.state.withLock { state in
                    state.listener = input
                    state.listens += 1
                }
                defer { self.state.withLock { $0.listener = nil } }
                try await body(values)
            },
            renew: { _, seen in
                try self.state.withLock { state in
                    if state.renewalsFail { throw HostError(.unavailable, "database down") }
                    state.renewals.append(seen)
                }
            },
            acknowledge: { value in
                let remembered = self.memory.response(issuerID: "i", serial: "01", certID: [2]) != nil
                self.state.withLock { state in
                    state.acknowledged.append(value)
                    state.acknowledgedWithMemory.append(remembered)
                }
            },
            release: { self.state.withLock { $0.releases += 1 } })
    }
}

@Suite struct OCSPEpochGateLeaseTests {
    /// Generous: on a loaded machine the loop's task may wait long for a thread (the lease then
    /// lapses, as it should, and is taken again).
    private static func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestTimeout() }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private struct TestTimeout: Error {}

    private func remember(_ memory: OCSPMemoryCache) {
        memory.store(
            memory.response(
                der: [1], etag: "\"e\"", thisUpdate: Date(), nextUpdate: Date() + 60, checkedAt: memory.now, validFor: .seconds(60)),
            issuerID: "i", serial: "01", certID: [2], generation: memory.generation)
    }

    @Test func theLeaseLoopEmptiesMemoryBeforeAcknowledgingAndLetsGoWhenUnwanted() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(3600))
        let database = FakeLeaseDatabase(memory: memory)
        let gate = OCSPEpochGate(
            memory: memory, metrics: HostMetrics(), logger: Logger(label: "test"),
            readEpoch: { loop.makeSucceededFuture(database.state.withLock { $0.epoch }) }, leases: database.leases())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await gate.run() }
            // Asked for: notifications listened to, the lease taken, the counter read and its value acknowledged.
            #expect(!gate.isCurrent())
            try await Self.eventually { gate.isCurrent() }
            #expect(database.isListening, "the lease is used only while the notifications are listened to")
            #expect(database.state.withLock { $0.renewals.first } == -1)
            try await Self.eventually { database.state.withLock { $0.acknowledged } == [5] }

            // Another instance revokes: the counter moves and notifies. The value is acknowledged
            // only once memory is empty; memory is used again under the lease.
            remember(memory)
            database.advance(to: 6)
            try await Self.eventually { database.state.withLock { $0.acknowledged } == [5, 6] }
            #expect(database.state.withLock { $0.acknowledgedWithMemory } == [false, false])
            #expect(memory.response(issuerID: "i", serial: "01", certID: [2]) == nil)
            try await Self.eventually { gate.isCurrent() }
            // Renewals carry what was acknowledged.
            try await Self.eventually { database.state.withLock { $0.renewals.last } == 6 }

            // The notification connection is lost: the lease is given up (memory waits for reads)
            // until the loop listens again, takes the lease anew and verifies it.
            let releases = database.state.withLock { $0.releases }
            database.dropListener()
            try await Self.eventually { database.state.withLock { $0.releases } > releases }
            try await Self.eventually { database.state.withLock { $0.listens } >= 2 && gate.isCurrent() }

            // Renewals fail: the lease runs out by this side's count.
            database.state.withLock { $0.renewalsFail = true }
            try await Self.eventually { !gate.isCurrent() }
            database.state.withLock { $0.renewalsFail = false }
            try await Self.eventually { gate.isCurrent() }

            // Nobody asks for a lease's length: it is given up.
            let before = database.state.withLock { $0.releases }
            try await Self.eventually { database.state.withLock { $0.releases } > before && !database.isListening }
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(!gate.isCurrent())
    }
}
