import NIOCore

/// PROXY protocol v2 (HAProxy's binary header) on connections from `trusted_proxies`, first in the
/// pipeline (before TLS): the header gives the client's address for per-client limits and logs
/// (``ClientAddresses``). Only connections whose TCP peer is a listed proxy get this handler, and
/// such a connection must start with a valid header — a `PROXY` command with a TCP/IPv4 or
/// TCP/IPv6 address block, or `LOCAL` (the proxy's own health check: the peer address stands) —
/// else it is closed (`certctl_connection_counter_total{label="proxy_invalid"}`). A header from any
/// other peer is not read: it reaches TLS or HTTP as garbage. `X-Forwarded-For` is never used.
final class ProxyProtocolDecoder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// Longest address block plus TLVs accepted (HAProxy sends well under this).
    static let maxLength = 512

    enum Header: Equatable {
        /// The proxy's own connection (health check).
        case local
        case proxied(SocketAddress)
    }

    private let addresses: ClientAddresses
    private let metrics: HostMetrics
    private var buffer = ByteBuffer()

    init(addresses: ClientAddresses, metrics: HostMetrics) {
        self.addresses = addresses
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer.writeBuffer(&chunk)
        let parsed: (header: Header, length: Int)?
        do {
            parsed = try buffer.withUnsafeReadableBytes { try Self.parse(UnsafeRawBufferPointer($0)) }
        } catch {
            metrics.increment(.connection, "proxy_invalid")
            buffer.clear()
            context.close(promise: nil)
            return
        }
        guard let (header, length) = parsed else { return }  // more to come
        if case .proxied(let address) = header { addresses.set(address, for: context.channel) }
        buffer.moveReaderIndex(forwardBy: length)
        let rest = buffer
        buffer = ByteBuffer()
        // What followed the header goes on first; then this handler leaves the pipeline.
        if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    struct Invalid: Error {}

    /// The header and its length, `nil` while incomplete. - Throws: ``Invalid`` when the bytes are
    /// not a PROXY v2 header certctl accepts.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Invalid) -> (header: Header, length: Int)? {
        let prefix = min(bytes.count, signature.count)
        guard bytes.prefix(prefix).elementsEqual(signature.prefix(prefix)) else { throw Invalid() }
        guard bytes.count >= 16 else { return nil }
        let versionCommand = bytes[12]
        let family = bytes[13]
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        guard versionCommand >> 4 == 2, length <= maxLength else { throw Invalid() }
        guard bytes.count >= 16 + length else { return nil }
        let block = UnsafeRawBufferPointer(rebasing: bytes[16..<(16 + length)])
        switch versionCommand & 0x0F {
        case 0x0:
            return (.local, 16 + length)
        case 0x1:
            let address: SocketAddress
            switch family {
            case 0x11:  // TCP over IPv4: source, destination, source port, destination port
                guard length >= 12 else { throw Invalid() }
                let host = block[0..<4].map(String.init).joined(separator: ".")
                guard let parsed = try? SocketAddress(ipAddress: host, port: Int(block[8]) << 8 | Int(block[9])) else { throw Invalid() }
                address = parsed
            case 0x21:  // TCP over IPv6
                guard length >= 36 else { throw Invalid() }
                let host = IPAddress(checked: Array(block[0..<16])).description
                guard let parsed = try? SocketAddress(ipAddress: host, port: Int(block[32]) << 8 | Int(block[33])) else { throw Invalid() }
                address = parsed
            default:
                throw Invalid()
            }
            return (.proxied(address), 16 + length)
        default:
            throw Invalid()
        }
    }
}
