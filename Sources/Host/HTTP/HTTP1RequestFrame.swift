/// The head of one HTTP/1.0 or HTTP/1.1 request, read straight from the connection's bytes by
/// ``OCSPRawChannelHandler`` so that an OCSP request can be answered without NIO's HTTP decoder.
///
/// Only a strict subset of RFC 9112 is accepted: a request line `METHOD SP /target SP HTTP/1.x`
/// with a method of RFC 9110 other than CONNECT,
/// header fields `name: value` with a token name and a value of visible ASCII and spaces (no tabs:
/// llhttp reads them differently in some fields), CRLF line ends, and a
/// body framed by at most one `Content-Length`. Anything else — chunked or other transfer codings,
/// `Upgrade`, `Expect`, obsolete line folding, bare LF, non-ASCII bytes — is ``Result/unsupported``:
/// the handler then leaves the connection to NIO's decoder, which accepts or rejects it as always.
/// So this reader never accepts a request that NIO would refuse or read differently.
struct HTTP1RequestFrame: Sendable, Equatable {
    enum Method: Sendable, Equatable {
        case get
        case post
        case other
    }

    enum Result: Sendable, Equatable {
        /// More bytes are needed to read the head.
        case incomplete
        /// Not in the subset this reader accepts.
        case unsupported
        case frame(HTTP1RequestFrame)
    }

    var method: Method
    /// Offsets of the request target in the bytes read.
    var target: Range<Int>
    var isHTTP11: Bool
    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    var keepAlive: Bool
    /// Octets of body after the head (`Content-Length`, else 0).
    var contentLength: Int
    /// Offsets of the first `If-None-Match` value.
    var ifNoneMatch: Range<Int>?
    /// Octets of the request line and header fields, including the final empty line.
    var headLength: Int

    /// Head and body.
    var length: Int { headLength + contentLength }

    /// What ``scan(_:from:)`` found at the start of the bytes read so far.
    enum Scan: Sendable, Equatable {
        /// No complete head yet; the first `searched` octets need not be searched again.
        case incomplete(searched: Int)
        /// Not in the subset this reader accepts.
        case unsupported
        case frame(HTTP1RequestFrame)
    }

    /// The next request head at the start of `bytes`: on the first look (`searched` 0), read at
    /// once — a whole head usually arrives in one read, and one pass then does; after that, only
    /// once ``scan(_:from:)`` has found its end.
    static func next(_ bytes: UnsafeRawBufferPointer, searched: Int) -> Scan {
        guard searched == 0 else { return scan(bytes, from: searched) }
        switch read(bytes) {
        case .frame(let frame): return .frame(frame)
        case .unsupported: return .unsupported
        case .incomplete: return scan(bytes, from: 0)
        }
    }

    /// Reads the request head at the start of `bytes` once it is complete, searching only the
    /// octets after `searched` (what an earlier call reported) for its end: a head that arrives a
    /// byte at a time costs linear time, not quadratic. Bytes no head may hold (controls other than
    /// CR LF, a bare LF, non-ASCII) make it ``Scan/unsupported`` as soon as they arrive.
    static func scan(_ bytes: UnsafeRawBufferPointer, from searched: Int) -> Scan {
        var index = max(0, searched - 3)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                guard index > 0, bytes[index - 1] == 0x0D else { return .unsupported }
                if index >= 3, bytes[index - 2] == 0x0A, bytes[index - 3] == 0x0D {
                    guard case .frame(let frame) = read(UnsafeRawBufferPointer(rebasing: bytes[0...index])) else { return .unsupported }
                    return .frame(frame)
                }
            } else if byte != 0x0D, byte < 0x20 || byte > 0x7E {
                return .unsupported
            }
            index += 1
        }
        return .incomplete(searched: bytes.count)
    }

    /// Reads the request head at the start of `bytes`.
    static func read(_ bytes: UnsafeRawBufferPointer) -> Result {
        var reader = Reader(bytes: bytes)
        return reader.read()
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        /// Stops at the first byte that fails `accept`: `nil` when the bytes end first.
        mutating func skip(while accept: (UInt8) -> Bool) -> Int? {
            while index < bytes.count {
                if !accept(bytes[index]) { return index }
                index += 1
            }
            return nil
        }

        mutating func read() -> Result {
            // Request line.
            guard let methodEnd = skip(while: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return .incomplete }
            guard bytes[methodEnd] == UInt8(ascii: " "), let method = Self.method(UnsafeRawBufferPointer(rebasing: bytes[0..<methodEnd]))
            else { return .unsupported }
            index += 1
            let targetStart = index
            guard let targetEnd = skip(while: { $0 > 0x20 && $0 < 0x7F }) else { return .incomplete }
            // Origin form only (RFC 9112 §3.2.1).
            guard targetEnd > targetStart, bytes[targetStart] == UInt8(ascii: "/"), bytes[targetEnd] == UInt8(ascii: " ") else {
                return .unsupported
            }
            index += 1
            let version = Self.http1Prefix.count + 3
            guard bytes.count - index >= version else { return .incomplete }
            guard bytes[index..<(index + Self.http1Prefix.count)].elementsEqual(Self.http1Prefix),
                bytes[index + Self.http1Prefix.count] == UInt8(ascii: "0") || bytes[index + Self.http1Prefix.count] == UInt8(ascii: "1"),
                bytes[index + version - 2] == 0x0D, bytes[index + version - 1] == 0x0A
            else { return .unsupported }
            var frame = HTTP1RequestFrame(
                method: method, target: targetStart..<targetEnd, isHTTP11: bytes[index + Self.http1Prefix.count] == UInt8(ascii: "1"),
                keepAlive: false, contentLength: 0, ifNoneMatch: nil, headLength: 0)
            index += version
            var fields = Fields()
            // Header fields, up to the empty line.
            while true {
                guard bytes.count - index >= 2 else { return .incomplete }
                if bytes[index] == 0x0D {
                    guard bytes[index + 1] == 0x0A else { return .unsupported }
                    index += 2
                    break
                }
                let nameStart = index
                guard let nameEnd = skip(while: Self.isTokenByte) else { return .incomplete }
                guard nameEnd > nameStart, bytes[nameEnd] == UInt8(ascii: ":") else { return .unsupported }
                index += 1
                guard let valueStart = skip(while: { $0 == 0x20 }) else { return .incomplete }
                guard let lineEnd = skip(while: { $0 >= 0x20 && $0 < 0x7F }) else { return .incomplete }
                guard bytes[lineEnd] == 0x0D else { return .unsupported }
                guard lineEnd + 1 < bytes.count else { return .incomplete }
                guard bytes[lineEnd + 1] == 0x0A else { return .unsupported }
                var valueEnd = lineEnd
                while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 { valueEnd -= 1 }
                index = lineEnd + 2
                guard fields.note(name: nameStart..<nameEnd, value: valueStart..<valueEnd, in: bytes, frame: &frame) else {
                    return .unsupported
                }
            }
            frame.headLength = index
            frame.keepAlive = !fields.close && (frame.isHTTP11 || fields.keepAlive)
            return .frame(frame)
        }

        /// GET, POST, or another method of RFC 9110 §9 or RFC 5789 whose request is framed the same
        /// way; `nil` for any other (`CONNECT`, extension methods).
        private static func method(_ name: UnsafeRawBufferPointer) -> Method? {
            if name.elementsEqual("GET".utf8) { return .get }
            if name.elementsEqual("POST".utf8) { return .post }
            return otherMethods.contains { name.elementsEqual($0) } ? .other : nil
        }

        private static let otherMethods = ["HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"].map { Array($0.utf8) }

        private static let http1Prefix = Array("HTTP/1.".utf8)

        /// RFC 9110 §5.6.2 `tchar`.
        private static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return Self.tokenSymbols.contains(byte)
            }
        }

        private static let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)
    }

    /// What the header fields say about framing and the connection.
    private struct Fields {
        var close = false
        var keepAlive = false
        var sawContentLength = false

        /// Takes one field; `false` when it makes the request unsupported.
        mutating func note(name: Range<Int>, value: Range<Int>, in bytes: UnsafeRawBufferPointer, frame: inout HTTP1RequestFrame) -> Bool {
            let name = UnsafeRawBufferPointer(rebasing: bytes[name])
            let text = UnsafeRawBufferPointer(rebasing: bytes[value])
            if Self.equal(name, "content-length") {
                guard !sawContentLength, (1...12).contains(text.count),
                    text.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else { return false }
                sawContentLength = true
                frame.contentLength = text.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            } else if Self.equal(name, "connection") {
                for option in text.split(separator: UInt8(ascii: ",")) {
                    var option = option[...]
                    while let first = option.first, first == 0x20 { option = option.dropFirst() }
                    while let last = option.last, last == 0x20 { option = option.dropLast() }
                    let token = UnsafeRawBufferPointer(rebasing: option)
                    if Self.equal(token, "close") {
                        close = true
                    } else if Self.equal(token, "keep-alive") {
                        keepAlive = true
                    } else if Self.equal(token, "upgrade") {
                        return false
                    }
                }
            } else if Self.equal(name, "transfer-encoding") || Self.equal(name, "upgrade") || Self.equal(name, "expect") {
                return false
            } else if Self.equal(name, "if-none-match"), frame.ifNoneMatch == nil {
                frame.ifNoneMatch = value
            }
            return true
        }

        /// ASCII case-insensitive equality with a lowercase name.
        private static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
            guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
            let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
            for (byte, want) in zip(bytes, expected) {
                let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if lower != want { return false }
            }
            return true
        }
    }
}
