import Hummingbird
import NIOCore

/// `GET /.well-known/acme-challenge/{token}` on the plain-HTTP listener (RFC 8555 §8.3): the key
/// authorization of a pending `http-01` challenge, or 404.
struct ACMEChallengeController {
    let challenges: HTTPChallengeResponses

    func register(on router: Router<HostRequestContext>) {
        router.get(".well-known/acme-challenge/:token") { _, context -> Response in
            let token = try context.parameters.require("token")
            guard let keyAuthorization = challenges.keyAuthorization(token: token) else {
                throw HostError(.notFound, "no pending ACME challenge for this token")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: keyAuthorization))
            )
        }
    }
}
