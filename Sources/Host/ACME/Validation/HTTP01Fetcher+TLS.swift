import Foundation
import NIOCore
import NIOSSL

extension HTTP01Fetcher {
    /// One `GET` over TLS, for an http-01 redirect to `https://` on the same name (RFC 8555 §8.3
    /// allows it). As with Let's Encrypt, the certificate is not verified: the challenge proves control
    /// of the name's web server, not of a certificate it may not have yet. SNI is the name (none for an
    /// IP identifier); the answer is read until the server closes, 10 s and 64 KiB at most.
    static func secureGet(address: [UInt8], port: Int, host: String, path: String) async -> Response {
        do {
            let bytes = try await secureExchange(address: address, port: port, host: host, path: path)
            return parse(bytes)
        } catch {
            return .failure("no TLS exchange: \(error)")
        }
    }

    private static func secureExchange(address: [UInt8], port: Int, host: String, path: String) async throws -> [UInt8] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        configuration.minimumTLSVersion = .tlsv12
        let request = requestHead(host: host, path: path)
        return try await ValidatorTLS.exchange(
            address: address, port: port, context: try NIOSSLContext(configuration: configuration),
            serverName: IPAddress(host) == nil ? host : nil, timeoutError: HTTP01FetchError("no answer within \(timeoutSeconds) s")
        ) { promise in ResponseCollector(promise: promise, request: request, limit: maxBody + 16_384) }
    }

    struct HTTP01FetchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Writes the request once the channel is active and hands back everything read until the
    /// server closes; more than `limit` bytes fail the exchange.
    final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let promise: EventLoopPromise<[UInt8]>
        let request: String
        let limit: Int
        var received: [UInt8] = []

        init(promise: EventLoopPromise<[UInt8]>, request: String, limit: Int) {
            (self.promise, self.request, self.limit) = (promise, request, limit)
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readBytes(length: buffer.readableBytes) ?? []
            if received.count > limit {
                promise.fail(HTTP01FetchError("the answer is larger than \(HTTP01Fetcher.maxBody) bytes"))
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A server closing without close_notify still sent a complete answer.
            if let tls = error as? NIOSSLError, case .uncleanShutdown = tls {
                promise.succeed(received)
            } else {
                promise.fail(error)
            }
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(received)
            context.fireChannelInactive()
        }
    }
}
