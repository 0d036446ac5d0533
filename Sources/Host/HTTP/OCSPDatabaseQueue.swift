import NIOCore
import ServiceLifecycle

/// Where the connection handler sends a request for the database path; the response comes back
/// on `loop`. (``OCSPDatabaseQueue`` in `serve`; tests answer by hand.)
protocol OCSPDatabasePath: Sendable {
    func submit(
        _ query: OCSPFastPath.DatabaseQuery, on loop: any EventLoop,
        answer: @escaping @Sendable (OCSPFastPath.DatabaseQuery) async -> OCSPHTTPResponse
    ) -> EventLoopFuture<OCSPHTTPResponse>
}

/// Where the connection handlers' OCSP misses go: a request memory cannot answer needs the
/// database (read, sign, store), which must not run on the event loop. The handler queues the
/// query here and stops answering that connection until the response comes back on its loop;
/// this service (one of `serve`'s services) answers up to ``OCSPTuning/databaseConcurrency`` at a
/// time in its own task group. Past ``OCSPTuning/databaseQueueLimit`` waiting, a query is
/// answered `tryLater` at once (OCSP's own "busy"), and so is anything left at shutdown.
final class OCSPDatabaseQueue: OCSPDatabasePath, Service {
    private struct Job: Sendable {
        let query: OCSPFastPath.DatabaseQuery
        let answer: @Sendable (OCSPFastPath.DatabaseQuery) async -> OCSPHTTPResponse
        let promise: EventLoopPromise<OCSPHTTPResponse>
    }

    private let jobs: AsyncStream<Job>
    private let input: AsyncStream<Job>.Continuation
    private let concurrency: Int

    init(tuning: OCSPTuning) {
        (jobs, input) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(tuning.databaseQueueLimit))
        concurrency = tuning.databaseConcurrency
    }

    /// `tryLater`, for a query that cannot be taken.
    static var busy: OCSPHTTPResponse {
        OCSPHTTPResponse(.init(der: OCSPResponse.error(.tryLater).derBytes), cacheable: false, ifNoneMatch: nil)
    }

    /// The response to `query`, made by `answer` off the event loop and delivered on `loop`.
    func submit(
        _ query: OCSPFastPath.DatabaseQuery, on loop: any EventLoop,
        answer: @escaping @Sendable (OCSPFastPath.DatabaseQuery) async -> OCSPHTTPResponse
    ) -> EventLoopFuture<OCSPHTTPResponse> {
        let promise = loop.makePromise(of: OCSPHTTPResponse.self)
        switch input.yield(Job(query: query, answer: answer, promise: promise)) {
        case .enqueued: break
        case .dropped(let job): job.promise.succeed(Self.busy)
        case .terminated: promise.succeed(Self.busy)
        @unknown default: promise.succeed(Self.busy)
        }
        return promise.futureResult
    }

    /// Answers until shutdown; what was queued by then is still answered (an ended stream hands
    /// out what it holds before it ends, also when the task is cancelled), what comes after is
    /// answered busy by ``submit(_:on:answer:)``.
    func run() async {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await job in jobs {
                    if running == concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { job.promise.succeed(await job.answer(job.query)) }
                    running += 1
                }
            }
        } onGracefulShutdown: {
            self.input.finish()
        }
        input.finish()
    }
}
