import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// A listener's child channel with the edge limits (SPEC §10) around it: a connection beyond
/// ``EdgeSettings/maxConnections`` is closed before any TLS or HTTP state is made for it (counted
/// as `certctl_connection_counter_total{label="refused"}`), and every other one gets its
/// ``ConnectionDeadlines``, driven by the ``OCSPConnectionHandler`` every listener has first behind TLS.
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let settings: EdgeSettings
    let count: ConnectionCount
    let metrics: HostMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard count.acquire() else {
            metrics.increment(.connection, "refused")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        let count = count
        channel.closeFuture.whenComplete { _ in count.release() }
        let (settings, metrics) = (settings, metrics)
        if !settings.trustedProxies.isEmpty, let peer = IPAddress(peer: channel.remoteAddress),
            settings.trustedProxies.contains(where: { $0.contains(peer) })
        {
            // First, before TLS: the header precedes the ClientHello.
            do {
                try channel.pipeline.syncOperations.addHandler(
                    ProxyProtocolDecoder(addresses: .shared, metrics: metrics), position: .first)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let tls = (try? pipeline.handler(type: NIOSSLServerHandler.self)) != nil
            let deadlines = ConnectionDeadlines(settings: settings, metrics: metrics, tls: tls, channel: channel)
            try pipeline.handler(type: OCSPConnectionHandler.self).deadlines = deadlines
            deadlines.start()
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
