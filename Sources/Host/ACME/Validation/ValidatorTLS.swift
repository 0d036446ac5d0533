import NIOCore
import NIOPosix
import NIOSSL

/// The validator's TLS connections (tls-alpn-01, http-01 over an `https://` redirect): connects to
/// `address:port` on NIO's event loops, puts the TLS client handler and `handler` (which completes
/// the promise) in the pipeline, and waits at most 10 s for the answer; the channel is closed after.
enum ValidatorTLS {
    static let timeout: TimeAmount = .seconds(10)

    /// - Parameters:
    ///   - serverName: the SNI name (`nil`: none, as for an IP identifier).
    ///   - timeoutError: what the call fails with when the 10 s run out.
    ///   - handler: the handler behind TLS, made for the exchange's promise.
    static func exchange<T: Sendable>(
        address: [UInt8], port: Int, context: NIOSSLContext, serverName: String?, timeoutError: any Error,
        handler: @escaping @Sendable (EventLoopPromise<T>) -> any ChannelHandler
    ) async throws -> T {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: T.self)
        let socketAddress = try SocketAddress(ipAddress: try IPAddress(octets: address).description, port: port)
        let bootstrap = ClientBootstrap(group: loop).connectTimeout(timeout).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                try channel.pipeline.syncOperations.addHandler(handler(promise))
            }
        }
        let timer = loop.scheduleTask(in: timeout) { promise.fail(timeoutError) }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: socketAddress).get()
        } catch {
            timer.cancel()
            promise.fail(error)
            throw error
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        return try await promise.futureResult.get()
    }
}
