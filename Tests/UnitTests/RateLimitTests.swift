import Testing

@testable import Host

@Suite struct FixedWindowLimiterTests {
    @Test func allowsUpToTheLimitPerKeyThenTellsWhenToRetry() {
        let clock = ManualClock()
        let limiter = FixedWindowLimiter(limit: 3, window: .seconds(60), clock: clock)
        for _ in 0..<3 { #expect(limiter.acquire("10.0.0.1") == .allowed) }
        clock.advance(by: .seconds(20))
        #expect(limiter.acquire("10.0.0.1") == .limited(retryAfter: .seconds(40)))
        #expect(limiter.acquire("10.0.0.2") == .allowed)
        clock.advance(by: .seconds(40))
        #expect(limiter.acquire("10.0.0.1") == .allowed)
    }

    @Test func zeroDisables() {
        let limiter = FixedWindowLimiter(limit: 0, window: .seconds(60), clock: ManualClock())
        for _ in 0..<1_000 { #expect(limiter.acquire("k") == .allowed) }
    }

    @Test func memoryStaysBounded() {
        let clock = ManualClock()
        let limiter = FixedWindowLimiter(limit: 1, window: .seconds(60), clock: clock, maxKeys: 100)
        for n in 0..<1_000 {
            _ = limiter.acquire("ip-\(n)")
            clock.advance(by: .milliseconds(1))
        }
        // The newest keys are still tracked; the table did not keep all 1000.
        #expect(limiter.acquire("ip-999") != .allowed)
        #expect(limiter.acquire("ip-0") == .allowed)
    }

    @Test func neverHoldsMoreThanMaxKeys() {
        let limiter = FixedWindowLimiter(limit: 5, window: .seconds(60), clock: ManualClock(), maxKeys: 100)
        var most = 0
        for n in 0..<10_000 {
            _ = limiter.acquire("ip-\(n)")
            most = max(most, limiter.keyCount)
        }
        #expect(most <= 100)
    }

    /// A key seen again after its generation was retired keeps its window and count.
    @Test func aKeyActiveAcrossGenerationsKeepsItsWindow() {
        let clock = ManualClock()
        let limiter = FixedWindowLimiter(limit: 2, window: .seconds(60), clock: clock, maxKeys: 10)
        #expect(limiter.acquire("a") == .allowed)
        for n in 0..<5 { _ = limiter.acquire("other-\(n)") }  // the fifth retires the first generation
        clock.advance(by: .seconds(10))
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.acquire("a") == .limited(retryAfter: .seconds(50)))
        // A window old, the generation turns over by time as well.
        clock.advance(by: .seconds(60))
        #expect(limiter.acquire("a") == .allowed)
    }
}
