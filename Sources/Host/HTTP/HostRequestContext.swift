import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the peer address from the TCP connection.
///
/// The peer address is the only client identity used for limits; `X-Forwarded-For` and other
/// headers are never consulted.
public struct HostRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
