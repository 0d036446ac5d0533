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
}
