import Hummingbird
import Testing

@testable import Host

/// 405 with `Allow` for a known path and an unsupported method.
@Suite struct RouteIndexTests {
    @Test func methodsPerPathIncludingCapturesAndRecursiveWildcards() {
        let router = Router(context: HostRequestContext.self)
        router.get("healthz") { _, _ in "ok" }
        router.get("api/v1/certificates/:id") { _, _ in "ok" }
        router.post("api/v1/certificates/:id/revoke") { _, _ in "ok" }
        router.patch("api/v1/admin/keys/:id") { _, _ in "ok" }
        router.get(".well-known/pki/ocsp/:issuer/**") { _, _ in "ok" }
        let index = RouteIndex()
        index.load(router)
        #expect(index.methods(for: "/healthz") == ["GET", "HEAD"])
        #expect(index.methods(for: "/api/v1/certificates/abc") == ["GET", "HEAD"])
        #expect(index.methods(for: "/api/v1/certificates/abc/revoke") == ["POST"])
        #expect(index.methods(for: "/api/v1/admin/keys/k1") == ["PATCH"])
        #expect(index.methods(for: "/.well-known/pki/ocsp/iss-a/MEow/AQ==") == ["GET", "HEAD"])
        #expect(index.methods(for: "/nope").isEmpty)
        #expect(index.methods(for: "/api/v1/certificates/abc/other").isEmpty)
    }
}
