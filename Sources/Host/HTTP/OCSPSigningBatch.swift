import NIOCore
import Synchronization

/// The live signatures that one event loop's connections asked for while the loop read them,
/// made together once it has read every ready connection, and then written.
///
/// Answering each nonce request where it is read interleaves every signature with the `write` of
/// the previous answer, which runs the kernel's loopback TCP path and wakes the client: each
/// evicts the other's working set (BoringSSL's P-256 tables alone are about 150 KB). Made back to
/// back, the signatures find their tables in the core's cache, and the writes follow each other.
/// The batch is what one pass over the ready connections brought (NIO runs tasks submitted with
/// `execute` after that pass), so it adds no waiting of its own. Confined to its event loop.
final class OCSPSigningBatch {
    private struct Job {
        let handler: OCSPConnectionHandler
        let context: ChannelHandlerContext
        let signing: OCSPFastPath.Signing
    }

    private let eventLoop: any EventLoop
    private var jobs: [Job] = []
    /// `jobs`' storage between batches, so the queue is not allocated anew for each batch.
    private var spare: [Job] = []
    private var responses: [OCSPHTTPResponse] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues a signature; the handler gets the response in ``OCSPConnectionHandler/signed(_:context:)``.
    func add(_ signing: OCSPFastPath.Signing, for handler: OCSPConnectionHandler, context: ChannelHandlerContext) {
        jobs.append(Job(handler: handler, context: context, signing: signing))
        guard jobs.count == 1 else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.execute { bound.value.run() }
    }

    /// Signs every queued request, then hands each response to its connection. What those
    /// connections read next (queued meanwhile) forms the next batch.
    private func run() {
        var batch: [Job] = []
        swap(&batch, &spare)
        swap(&batch, &jobs)
        for job in batch { responses.append(job.signing.response()) }
        for (job, response) in zip(batch, responses) { job.handler.signed(response, context: job.context) }
        responses.removeAll(keepingCapacity: true)
        batch.removeAll(keepingCapacity: true)
        spare = batch
    }
}

/// One ``OCSPSigningBatch`` per event loop, looked up when a connection is set up.
final class OCSPSigningBatches: Sendable {
    private let batches = Mutex<[ObjectIdentifier: NIOLoopBound<OCSPSigningBatch>]>([:])

    /// The batch of `eventLoop`, which the caller runs on.
    func batch(on eventLoop: any EventLoop) -> OCSPSigningBatch {
        let bound = batches.withLock { batches in
            let key = ObjectIdentifier(eventLoop)
            if let found = batches[key] { return found }
            let bound = NIOLoopBound(OCSPSigningBatch(eventLoop: eventLoop), eventLoop: eventLoop)
            batches[key] = bound
            return bound
        }
        return bound.value
    }
}
