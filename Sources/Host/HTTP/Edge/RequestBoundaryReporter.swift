import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Behind Hummingbird's HTTP/1 codec (one of its `additionalChannelHandlers`): tells
/// ``ConnectionDeadlines`` where each request the router answers starts and ends — a request
/// head read, a response's end written.
final class RequestBoundaryReporter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            context.triggerUserOutboundEvent(ConnectionDeadlines.Boundary.headComplete, promise: nil)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd: Bool
        if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
        context.write(data, promise: promise)
        if isEnd { context.triggerUserOutboundEvent(ConnectionDeadlines.Boundary.responseComplete, promise: nil) }
    }
}
