import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/certificates/{id}/export/pem` and `POST …/export/pkcs12`.
struct ExportController {
    let exports: ExportService
    let auth: Authenticator
    let body: RequestBody

    struct PKCS12Body: JSONBody {
        static let fields = ["password"]
        var password: String

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            password = try object.decode(String.self, forKey: JSONField("password"))
        }
    }

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("api/v1/certificates")
        group.get(":id/export/pem") { request, context in
            let principal = try await auth.principal(request, needs: .exportCertificates)
            return try await limited {
                let pem = try await exports.pem(id: try context.parameters.require("id"), principal: principal)
                return Response(
                    status: .ok, headers: [.contentType: "application/x-pem-file"], body: ResponseBody(byteBuffer: ByteBuffer(string: pem))
                )
            }
        }
        group.post(":id/export/pkcs12") { request, context in
            let principal = try await auth.principal(request, needs: .exportCertificates)
            guard let input = try await body.json(PKCS12Body.self, from: request) else {
                throw HostError(.badRequest, "a JSON body with a password is required")
            }
            guard (1...1_024).contains(input.password.count) else { throw HostError(.badRequest, "password must be 1-1024 characters") }
            return try await limited {
                let der = try await exports.pkcs12(id: try context.parameters.require("id"), password: input.password, principal: principal)
                var headers: HTTPFields = [.contentType: "application/x-pkcs12"]
                headers[.contentDisposition] = "attachment; filename=\"certificate.p12\""
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: der)))
            }
        }
    }

    /// SPEC §5: over the limit → 429 `{"error":"rate_limit_exceeded","retry_after_seconds":…}` and `Retry-After`.
    private func limited(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let limited as ExportService.RateLimited {
            struct Body: Encodable {
                var error = "rate_limit_exceeded"
                var retryAfterSeconds: Int
                enum CodingKeys: String, CodingKey {
                    case error
                    case retryAfterSeconds = "retry_after_seconds"
                }
            }
            var response = try Response.json(Body(retryAfterSeconds: limited.retryAfterSeconds), status: .tooManyRequests)
            response.headers[.retryAfter] = String(limited.retryAfterSeconds)
            return response
        }
    }
}
