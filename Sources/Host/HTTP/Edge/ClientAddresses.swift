import NIOCore
import Synchronization

/// The client address a trusted proxy gave for a connection (``ProxyProtocolDecoder``), for the
/// fast path's and the router's per-client limits and logs; connections without one use their TCP
/// peer. Entries live as long as their connection.
final class ClientAddresses: Sendable {
    private let table = Mutex<[ObjectIdentifier: SocketAddress]>([:])

    func set(_ address: SocketAddress, for channel: any Channel) {
        let key = ObjectIdentifier(channel)
        table.withLock { $0[key] = address }
        channel.closeFuture.whenComplete { [self] _ in _ = table.withLock { $0.removeValue(forKey: key) } }
    }

    /// The proxied client address, else the connection's peer.
    func client(of channel: any Channel) -> SocketAddress? {
        let key = ObjectIdentifier(channel)
        return table.withLock { $0[key] } ?? channel.remoteAddress
    }

    /// Connections with a proxied address now (for tests).
    var count: Int { table.withLock { $0.count } }

    /// One table for the process: the router's request context has no other way to reach it.
    static let shared = ClientAddresses()
}
