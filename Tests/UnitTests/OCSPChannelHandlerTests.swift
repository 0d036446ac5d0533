import NIOHTTP1
import Testing

@testable import Host

/// Which requests the event-loop OCSP path may take (everything else goes to the router).
@Suite struct OCSPChannelHandlerTests {
    private func issuer(_ method: HTTPMethod, _ uri: String, _ headers: [(String, String)] = []) -> String? {
        OCSPChannelHandler.ocspIssuer(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers)))
    }

    @Test func onlyTheTwoOCSPFormsWithoutQueryOrExpectAreTaken() {
        #expect(issuer(.POST, "/.well-known/pki/ocsp/iss-local") == "iss-local")
        #expect(issuer(.GET, "/.well-known/pki/ocsp/iss-local/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUA") == "iss-local")
        #expect(issuer(.GET, "/.well-known/pki/ocsp/é/01") == "é")
        #expect(issuer(.POST, "/.well-known/pki/ocsp/iss-local/") == nil, "POST has no path after the issuer")
        #expect(issuer(.GET, "/.well-known/pki/ocsp/iss-local") == nil, "GET needs a request or serial")
        #expect(issuer(.GET, "/.well-known/pki/ocsp/iss-local/") == nil)
        #expect(issuer(.GET, "/.well-known/pki/ocsp//01") == nil)
        #expect(issuer(.GET, "/.well-known/pki/ocsp/iss-local/01?x=1") == nil)
        #expect(issuer(.POST, "/.well-known/pki/ocsp/iss-local", [("Expect", "100-continue")]) == nil)
        #expect(issuer(.PUT, "/.well-known/pki/ocsp/iss-local") == nil)
        #expect(issuer(.GET, "/.well-known/pki/ca/iss-local") == nil)
        #expect(issuer(.GET, "/.well-known/pki/ocsp/") == nil)
    }
}
