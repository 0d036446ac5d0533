import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Behind Hummingbird's HTTP/1 codec: a request head over `CERTCTL_MAX_HEADER_SIZE` (NIO's decoder
/// reports `headerOverflow`) is answered `431 Request Header Fields Too Large` (RFC 6585 §5) as a
/// problem document, and the connection closed — the decoder cannot go on after it. Any other
/// decoding error goes on to Hummingbird (a 400).
final class HeaderOverflowResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    static let body =
        #"{"type":"about:blank","title":"Request Header Fields Too Large","status":431,"detail":"the request head is longer than the server accepts (CERTCTL_MAX_HEADER_SIZE)"}"#

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parser = error as? HTTPParserError, parser == .headerOverflow else { return context.fireErrorCaught(error) }
        var head = HTTPResponse(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"))
        head.headerFields[.contentType] = "application/problem+json"
        head.headerFields[.contentLength] = "\(Self.body.utf8.count)"
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: Self.body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
