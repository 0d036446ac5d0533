import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1.1 child channel with an ``OCSPChannelHandler`` inserted right after the
/// HTTP/1 decoder, so fast-path answers skip the HTTPTypes conversion, the async channel and the
/// router. Wrapped by `.tls(…)` on the HTTPS listener like any other child channel.
struct OCSPFastPathChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let services: OCSPChannelHandler.Services

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let services = services
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(OCSPChannelHandler(services), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    /// A server builder for Hummingbird's `Application`: HTTP/1.1 with the OCSP fast path.
    static func http1(_ services: OCSPChannelHandler.Services) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in OCSPFastPathChannel(base: HTTP1Channel(responder: responder), services: services) }
    }
}
