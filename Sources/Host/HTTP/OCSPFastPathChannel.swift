import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 child channel with the OCSP fast path: an ``OCSPConnectionHandler`` in
/// front of NIO's HTTP/1 encoder and decoder answers OCSP from the connection's bytes and hands
/// everything else to the decoder (and so to the router). Wrapped by `.tls(…)` on the HTTPS
/// listener like any other child channel.
struct OCSPFastPathChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let fastPath: OCSPFastPath

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let fastPath = fastPath
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let encoder = try pipeline.handler(type: HTTPResponseEncoder.self)
            // Before the encoder: its writes are whole HTTP/1 responses, already encoded.
            let batch = fastPath.batches.batch(on: channel.eventLoop)
            try pipeline.addHandler(OCSPConnectionHandler(fastPath, batch: batch), position: .before(encoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// A server builder for Hummingbird's `Application`: HTTP/1.1 with the OCSP fast path.
    static func http1(_ fastPath: OCSPFastPath) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in OCSPFastPathChannel(base: HTTP1Channel(responder: responder), fastPath: fastPath) }
    }
}
