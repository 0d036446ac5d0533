import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core storage plus the client's address — the TCP peer, or
/// for a connection from a `trusted_proxies` address the one its PROXY v2 header gave.
///
/// That address is the only client identity used for limits; `X-Forwarded-For` and other headers
/// are never consulted.
public struct HostRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = ClientAddresses.shared.client(of: source.channel)
    }
}
