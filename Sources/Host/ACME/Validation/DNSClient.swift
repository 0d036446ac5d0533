import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The validator's name lookups (A, AAAA, TXT, CAA): over UDP to `CERTCTL_ACME_DNS_RESOLVER` when it
/// is set, so tests can answer from `pebble-challtestsrv`; else A/AAAA through the system resolver
/// and TXT/CAA to the first nameserver of /etc/resolv.conf.
/// Each query runs on its own thread (a blocking socket with a receive timeout), never on Swift's
/// cooperative pool.
struct DNSClient: Sendable {
    enum RecordType: UInt16, Sendable {
        case a = 1
        case txt = 16
        case aaaa = 28
        case caa = 257
    }

    /// `host:port` of the resolver; `nil` for the system resolver.
    var resolver: (host: String, port: UInt16)?
    var timeout: Duration = .seconds(5)

    /// Addresses of `name` (A then AAAA), as 4- or 16-byte arrays.
    func addresses(_ name: String) async throws(ACMEProblem) -> [[UInt8]] {
        guard resolver != nil else { return try await Self.systemAddresses(name) }
        let v4 = try await query(name, .a).filter { $0.count == 4 }
        let v6 = try await query(name, .aaaa).filter { $0.count == 16 }
        guard !(v4 + v6).isEmpty else { throw ACMEProblem(.dns, "no A or AAAA record for \(name)") }
        return v4 + v6
    }

    /// TXT strings of `name` (each record's character-strings joined).
    func txt(_ name: String) async throws(ACMEProblem) -> [String] {
        try await query(name, .txt).map { data in
            var text = [UInt8]()
            var index = 0
            while index < data.count {
                let length = Int(data[index])
                text += data[(index + 1)..<min(data.count, index + 1 + length)]
                index += 1 + length
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// The RDATA of every answer of `type` for `name` (CNAMEs followed by the resolver).
    func query(_ name: String, _ type: RecordType) async throws(ACMEProblem) -> [[UInt8]] {
        guard let resolver = resolver ?? Self.systemNameserver() else {
            throw ACMEProblem(.dns, "no DNS server for \(type) lookups: set CERTCTL_ACME_DNS_RESOLVER (no nameserver in /etc/resolv.conf)")
        }
        let id = UInt16.random(in: 0...UInt16.max)
        let message = Self.message(id: id, name: name, type: type)
        let timeout = timeout
        let reply: [UInt8]? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Self.exchange(message, host: resolver.host, port: resolver.port, timeout: timeout))
            }
        }
        guard let reply else { throw ACMEProblem(.dns, "the DNS resolver \(resolver.host):\(resolver.port) did not answer for \(name)") }
        do {
            return try Self.answers(reply, id: id, type: type)
        } catch {
            throw ACMEProblem(.dns, "the DNS answer for \(name) \(error.reason)")
        }
    }

    /// The first `nameserver` of /etc/resolv.conf, for TXT and CAA when no resolver is configured.
    static func systemNameserver() -> (host: String, port: UInt16)? {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" { return (String(fields[1]), 53) }
        }
        return nil
    }

    // MARK: Wire format (RFC 1035)

    static func message(id: UInt16, name: String, type: RecordType) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes += [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        return bytes
    }

    struct Malformed: Error {
        var reason: String
    }

    static func answers(_ reply: [UInt8], id: UInt16, type: RecordType) throws(Malformed) -> [[UInt8]] {
        guard reply.count >= 12, UInt16(reply[0]) << 8 | UInt16(reply[1]) == id else {
            throw Malformed(reason: "is not a reply to the query")
        }
        let rcode = reply[3] & 0x0F
        if rcode == 3 { return [] }  // NXDOMAIN
        guard rcode == 0 else { throw Malformed(reason: "is an error (RCODE \(rcode))") }
        let questions = Int(reply[4]) << 8 | Int(reply[5])
        let answers = Int(reply[6]) << 8 | Int(reply[7])
        var index = 12
        func skipName() throws(Malformed) {
            while true {
                guard index < reply.count else { throw Malformed(reason: "is truncated") }
                let length = reply[index]
                if length == 0 {
                    index += 1
                    return
                }
                if length & 0xC0 == 0xC0 {
                    index += 2
                    return
                }
                index += 1 + Int(length)
            }
        }
        for _ in 0..<questions {
            try skipName()
            index += 4
        }
        var found: [[UInt8]] = []
        for _ in 0..<answers {
            try skipName()
            guard index + 10 <= reply.count else { throw Malformed(reason: "is truncated") }
            let recordType = UInt16(reply[index]) << 8 | UInt16(reply[index + 1])
            let length = Int(reply[index + 8]) << 8 | Int(reply[index + 9])
            index += 10
            guard index + length <= reply.count else { throw Malformed(reason: "is truncated") }
            if recordType == type.rawValue { found.append(Array(reply[index..<index + length])) }
            index += length
        }
        return found
    }

    /// One UDP exchange; `nil` on any failure or timeout.
    static func exchange(_ message: [UInt8], host: String, port: UInt16, timeout: Duration) -> [UInt8]? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var interval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard sendto(fd, message, message.count, 0, first.pointee.ai_addr, first.pointee.ai_addrlen) == message.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[0..<count]) : nil
    }

    /// A/AAAA through getaddrinfo, on a thread of its own.
    static func systemAddresses(_ name: String) async throws(ACMEProblem) -> [[UInt8]] {
        let found: [[UInt8]] = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                var addresses: [[UInt8]] = []
                if getaddrinfo(name, nil, &hints, &list) == 0 {
                    var entry = list
                    while let current = entry {
                        if current.pointee.ai_family == AF_INET {
                            current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                                addresses.append(withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) })
                            }
                        } else if current.pointee.ai_family == AF_INET6 {
                            current.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                                addresses.append(withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) })
                            }
                        }
                        entry = current.pointee.ai_next
                    }
                    freeaddrinfo(list)
                }
                var unique: [[UInt8]] = []
                for address in addresses where !unique.contains(address) { unique.append(address) }
                continuation.resume(returning: unique)
            }
        }
        guard !found.isEmpty else { throw ACMEProblem(.dns, "\(name) does not resolve") }
        return found
    }
}
