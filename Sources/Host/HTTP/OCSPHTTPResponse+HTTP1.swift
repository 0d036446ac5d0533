import HTTPTypes
import NIOCore

extension OCSPHTTPResponse {
    /// The whole HTTP/1.x response — status line, fields, `Date`, `Content-Length` (not on a 304),
    /// `Connection` when it differs from the version's default, body — in one buffer, for one write.
    ///
    /// - Parameters:
    ///   - http11: the request's version, answered in kind.
    ///   - keepAlive: whether the connection stays open afterwards.
    ///   - date: the `Date` header's value.
    func http1Bytes(http11: Bool, keepAlive: Bool, date: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let bodyCount = body?.count ?? 0
        // The status line, `Date`, `Content-Length` and `Connection` (about 100 octets), so the
        // buffer is allocated once.
        var capacity = 128 + status.reasonPhrase.utf8.count + date.utf8.count + bodyCount
        for field in fields { capacity += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        var buffer = allocator.buffer(capacity: capacity)
        buffer.writeString(http11 ? "HTTP/1.1 " : "HTTP/1.0 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for field in fields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Date: ")
        buffer.writeString(date)
        buffer.writeStaticString("\r\n")
        // None on a 304: RFC 9110 §8.6 would have it be the 200's length.
        if body != nil {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(bodyCount))
            buffer.writeStaticString("\r\n")
        }
        if !keepAlive, http11 {
            buffer.writeStaticString("Connection: close\r\n")
        } else if keepAlive, !http11 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if let body { buffer.writeBytes(body) }
        return buffer
    }
}
