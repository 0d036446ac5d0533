import NIOCore
import Testing

@testable import Host

/// Which requests the connection handler takes as OCSP (everything else is handed to the decoder
/// and the router).
@Suite struct OCSPRequestTargetTests {
    /// The issuer the handler reads from `method target` (with `headers`), `nil` when it does not
    /// take the request as OCSP.
    private func issuer(_ method: String, _ target: String, _ headers: [(String, String)] = []) -> String? {
        let head = "\(method) \(target) HTTP/1.1\r\nHost: x\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
        let bytes = Array(head.utf8)
        return bytes.withUnsafeBytes { raw -> String? in
            guard case .frame(let frame) = HTTP1RequestFrame.scan(raw, from: 0), frame.method != .other else { return nil }
            return OCSPFastPath.ocspIssuer(get: frame.method == .get, target: UnsafeRawBufferPointer(rebasing: raw[frame.target]))
        }
    }

    @Test func onlyTheTwoOCSPFormsWithoutQueryOrExpectAreTaken() {
        #expect(issuer("POST", "/.well-known/pki/ocsp/iss-local") == "iss-local")
        #expect(issuer("GET", "/.well-known/pki/ocsp/iss-local/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUA") == "iss-local")
        #expect(issuer("GET", "/.well-known/pki/ocsp/%C3%A9/01") == "%C3%A9", "taken as written; no such issuer is answered unknown")
        #expect(issuer("GET", "/.well-known/pki/ocsp/é/01") == nil, "non-ASCII is left to NIO's decoder")
        #expect(issuer("POST", "/.well-known/pki/ocsp/iss-local/") == nil, "POST has no path after the issuer")
        #expect(issuer("GET", "/.well-known/pki/ocsp/iss-local") == nil, "GET needs a request or serial")
        #expect(issuer("GET", "/.well-known/pki/ocsp/iss-local/") == nil)
        #expect(issuer("GET", "/.well-known/pki/ocsp//01") == nil)
        #expect(issuer("GET", "/.well-known/pki/ocsp/iss-local/01?x=1") == nil)
        #expect(issuer("POST", "/.well-known/pki/ocsp/iss-local", [("Expect", "100-continue")]) == nil)
        #expect(issuer("PUT", "/.well-known/pki/ocsp/iss-local") == nil)
        #expect(issuer("GET", "/.well-known/pki/ca/iss-local") == nil)
        #expect(issuer("GET", "/.well-known/pki/ocsp/") == nil)
    }
}
