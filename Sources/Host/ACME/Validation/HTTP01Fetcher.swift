import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches `http://<name>:<port>/.well-known/acme-challenge/<token>` for http-01 (RFC 8555 §8.3):
/// the name resolved by the validator's ``DNSClient``, addresses in the deny list never contacted,
/// at most 10 redirects and only to `http://` or `https://` on the same name, 10 s and 64 KiB per
/// response. A redirect's port, when it names one, must be the validator's port for its scheme
/// (`port`, `httpsPort`: what 80 and 443 are in this deployment); without one, that port is used.
/// Plain exchanges run on their own thread with socket timeouts, never on Swift's cooperative pool;
/// TLS ones on NIO's event loops (``secureGet(address:port:host:path:)``).
struct HTTP01Fetcher: Sendable {
    var dns: DNSClient
    var port: Int
    var httpsPort: Int = 443
    var deny: [IPRange]
    static let maxBody = 64 << 10
    static let timeoutSeconds = 10

    /// The response body, or the ACME problem explaining why there is none.
    func fetch(name: String, token: String) async throws(ACMEProblem) -> String {
        var path = "/.well-known/acme-challenge/\(token)"
        var (scheme, port) = ("http", self.port)
        // An IPv6 identifier is bracketed in URLs.
        let urlHost = name.contains(":") ? "[\(name)]" : name
        for _ in 0..<11 {
            let address = try await allowedAddress(name)
            let current = "\(scheme)://\(urlHost):\(port)\(path)"
            let response =
                scheme == "https"
                ? await Self.secureGet(address: address, port: port, host: name, path: path)
                : await Self.get(address: address, port: port, host: name, path: path)
            switch response {
            case .failure(let reason):
                throw ACMEProblem(.connection, "fetching \(current): \(reason)")
            case .success(let status, let location, let body):
                if (300..<400).contains(status), let location {
                    (scheme, port, path) = try redirect(location, from: current, name: name)
                    continue
                }
                guard status == 200 else {
                    throw ACMEProblem(.unauthorized, "\(current) answered \(status), not 200 with the key authorization")
                }
                return body
            }
        }
        throw ACMEProblem(.connection, "too many redirects for http://\(name)/.well-known/acme-challenge/\(token)")
    }

    /// Where a redirect leads, or why it is not followed: `http`/`https` on the same name, on the
    /// validator's port for that scheme.
    func redirect(_ location: String, from current: String, name: String) throws(ACMEProblem) -> (String, Int, String) {
        guard let url = URL(string: location, relativeTo: URL(string: current))?.absoluteURL, let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            url.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")) == name.lowercased()
        else {
            throw ACMEProblem(.connection, "http-01 follows redirects only to http:// or https:// on \(name), not to \(location)")
        }
        let allowed = scheme == "http" ? port : httpsPort
        guard url.port == nil || url.port == allowed else {
            throw ACMEProblem(.connection, "http-01 follows \(scheme) redirects only to port \(allowed), not to \(location)")
        }
        let path = url.path.isEmpty ? "/" : url.path
        return (scheme, allowed, url.query.map { "\(path)?\($0)" } ?? path)
    }

    /// The first address of `name` (or the address an IP identifier is) outside the deny list.
    func allowedAddress(_ name: String) async throws(ACMEProblem) -> [UInt8] {
        // An IP identifier (RFC 8738) is its own address.
        let addresses: [[UInt8]]
        if let literal = IPAddress(name) {
            addresses = [literal.bytes]
        } else {
            addresses = try await dns.addresses(name)
        }
        guard
            let address = addresses.first(where: { bytes in
                !deny.contains { range in (try? IPAddress(octets: bytes)).map(range.contains) ?? true }
            })
        else {
            throw ACMEProblem(.connection, "\(name) resolves only to addresses the validator may not contact")
        }
        return address
    }

    enum Response: Sendable {
        case success(status: Int, location: String?, body: String)
        case failure(String)
    }

    static func get(address: [UInt8], port: Int, host: String, path: String) async -> Response {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: exchange(address: address, port: port, host: host, path: path)) }
        }
    }

    static func exchange(address: [UInt8], port: Int, host: String, path: String) -> Response {
        let family = address.count == 4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure("no socket") }
        defer { close(fd) }
        var interval = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let connected: Int32
        if family == AF_INET {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &socketAddress.sin_addr) { $0.copyBytes(from: address) }
            connected = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyBytes(from: address) }
            connected = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard connected == 0 else { return .failure("cannot connect (errno \(errno))") }
        let request = Array(requestHead(host: host, path: path).utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return .failure("cannot send the request") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while received.count <= maxBody + 16_384 {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 { return .failure(errno == EAGAIN ? "no answer within \(timeoutSeconds) s" : "read failed (errno \(errno))") }
            if count == 0 { break }
            received += buffer[0..<count]
        }
        return parse(received)
    }

    /// The validator's request: one GET, no keep-alive.
    static func requestHead(host: String, path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: certctl-acme-validator\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    }

    /// Status, Location and body of an HTTP/1.x response (identity or chunked body).
    static func parse(_ bytes: [UInt8]) -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            return .failure("the answer is not an HTTP response")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            return .failure("the answer is not an HTTP response")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true { body = dechunk(body) }
        guard body.count <= maxBody else { return .failure("the answer is larger than \(maxBody) bytes") }
        return .success(status: status, location: headers["location"], body: String(decoding: body, as: UTF8.self))
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = (index..<max(index, bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else {
                break
            }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            out += bytes[start..<min(bytes.count, start + size)]
            index = start + size + 2
        }
        return out
    }
}
