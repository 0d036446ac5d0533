import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

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

    /// A server builder for Hummingbird's `Application`: HTTP/1.1 with the OCSP fast path, in TLS
    /// when `tls` is given, inside the listener's edge limits (SPEC §10): NIO's decoder refuses heads
    /// over the header size, ``RequestBoundaryReporter`` tells ``ConnectionDeadlines`` where the
    /// router's requests start and end, and ``GuardedChannel`` counts connections and adds the
    /// deadlines. Each call makes its own connection count: one per listener.
    static func server(_ fastPath: OCSPFastPath, edge: EdgeSettings, metrics: HostMetrics, tls: TLSConfiguration?) -> HTTPServerBuilder {
        let count = ConnectionCount(limit: edge.maxConnections)
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [HeaderOverflowResponder(), RequestBoundaryReporter()],
            httpDecoderConfiguration: .init(maxHeaderFieldSize: edge.maxHeaderSize, maxHeaderListSize: edge.maxHeaderSize))
        return HTTPServerBuilder { responder in
            let http1 = OCSPFastPathChannel(base: HTTP1Channel(responder: responder, configuration: configuration), fastPath: fastPath)
            guard let tls else { return GuardedChannel(base: http1, settings: edge, count: count, metrics: metrics) }
            return GuardedChannel(base: try TLSChannel(http1, tlsConfiguration: tls), settings: edge, count: count, metrics: metrics)
        }
    }
}
