import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The ACME server's HTTP surface (RFC 8555 §7.1): `/acme/{profile}/…` on the HTTPS listener, for
/// profiles with `acme.enabled`. Every answer carries a fresh `Replay-Nonce` and the directory
/// `Link`; every error is an RFC 8555 problem document, never the host's generic problem.
struct ACMEController {
    let service: ACMEService
    let body: RequestBody

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("acme/:profile")
        group.get("directory") { request, context in
            try await answer(request, context) { urls, _, settings in
                var meta: [String: Any] = ["externalAccountRequired": settings.eabRequired]
                if let terms = settings.termsOfServiceURL { meta["termsOfService"] = terms }
                return try json([
                    "newNonce": urls.newNonce, "newAccount": urls.newAccount, "newOrder": urls.newOrder, "revokeCert": urls.revokeCert,
                    "keyChange": urls.keyChange, "renewalInfo": urls.renewalInfo, "meta": meta,
                ])
            }
        }
        group.head("new-nonce") { request, context in try await answer(request, context) { _, _, _ in Reply(status: .ok) } }
        group.get("new-nonce") { request, context in try await answer(request, context) { _, _, _ in Reply(status: .noContent) } }
        group.post("new-account") { request, context in
            try await answer(request, context) { urls, _, settings in
                let auth = try await service.authenticate(try await bytes(request), url: urls.newAccount, urls: urls, jwkAllowed: true)
                let (record, created) = try await service.newAccount(auth, urls: urls, settings: settings)
                var reply = try json(try accountJSON(record, urls), status: created ? .created : .ok)
                reply.location = urls.account(record.id)
                return reply
            }
        }
        group.post("account/:id") { request, context in
            try await answer(request, context) { urls, _, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(try await bytes(request), url: urls.account(id), urls: urls, jwkAllowed: false)
                return try json(try accountJSON(try await service.updateAccount(auth, id: id), urls))
            }
        }
        group.post("account/:id/orders") { request, context in
            try await answer(request, context) { urls, _, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(try await bytes(request), url: urls.orders(id), urls: urls, jwkAllowed: false)
                return try json(["orders": try await service.orders(auth, accountID: id).map(urls.order)])
            }
        }
        group.post("new-order") { request, context in
            try await answer(request, context) { urls, profile, settings in
                let auth = try await service.authenticate(try await bytes(request), url: urls.newOrder, urls: urls, jwkAllowed: false)
                let record = try await service.newOrder(auth, urls: urls, profile: profile, settings: settings)
                var reply = try json(try await orderJSON(record, urls), status: .created)
                reply.location = urls.order(record.id)
                return reply
            }
        }
        group.post("order/:id") { request, context in
            try await answer(request, context) { urls, _, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(try await bytes(request), url: urls.order(id), urls: urls, jwkAllowed: false)
                return try json(try await orderJSON(try await service.owned(.order, id: id, by: auth), urls))
            }
        }
        group.post("order/:id/finalize") { request, context in
            try await answer(request, context) { urls, profile, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(try await bytes(request), url: urls.finalize(id), urls: urls, jwkAllowed: false)
                var reply = try json(try await orderJSON(try await service.finalize(auth, orderID: id, profile: profile), urls))
                reply.location = urls.order(id)
                return reply
            }
        }
        group.post("authz/:id") { request, context in
            try await answer(request, context) { urls, _, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(
                    try await bytes(request), url: urls.authorization(id), urls: urls, jwkAllowed: false)
                return try json(try authorizationJSON(try await service.owned(.authorization, id: id, by: auth), urls))
            }
        }
        group.post("challenge/:authz/:index") { request, context in
            try await answer(request, context) { urls, _, settings in
                let id = try context.parameters.require("authz")
                guard let index = Int(try context.parameters.require("index")) else { throw ACMEProblem.notFound("challenge") }
                let auth = try await service.authenticate(
                    try await bytes(request), url: urls.challenge(id, index), urls: urls, jwkAllowed: false)
                let (record, challenge) = try await service.respond(auth, authorizationID: id, index: index, settings: settings)
                var reply = try json(challengeJSON(challenge, url: urls.challenge(id, index)))
                reply.links.append("<\(urls.authorization(record.id))>;rel=\"up\"")
                return reply
            }
        }
        group.get("renewal-info/:id") { request, context in
            try await answer(request, context) { _, _, _ in
                let window = try await service.renewalInfo(certID: try context.parameters.require("id"))
                var reply = try json(["suggestedWindow": ["start": window.start.rfc3339, "end": window.end.rfc3339]])
                reply.retryAfter = 21_600
                return reply
            }
        }
        group.post("key-change") { request, context in
            try await answer(request, context) { urls, _, _ in
                let auth = try await service.authenticate(try await bytes(request), url: urls.keyChange, urls: urls, jwkAllowed: false)
                return try json(try accountJSON(try await service.changeKey(auth, urls: urls), urls))
            }
        }
        group.post("revoke-cert") { request, context in
            try await answer(request, context) { urls, _, _ in
                let auth = try await service.authenticate(try await bytes(request), url: urls.revokeCert, urls: urls, jwkAllowed: true)
                try await service.revoke(auth, urls: urls)
                return Reply(status: .ok)
            }
        }
        group.post("certificate/:id") { request, context in
            try await answer(request, context) { urls, _, _ in
                let id = try context.parameters.require("id")
                let auth = try await service.authenticate(
                    try await bytes(request), url: urls.certificate(id), urls: urls, jwkAllowed: false)
                var reply = Reply(status: .ok, body: Array(try await service.certificatePEM(auth, id: id).utf8))
                reply.contentType = "application/pem-certificate-chain"
                return reply
            }
        }
    }

    // MARK: Answers

    /// What a route answers; ``answer(_:_:_:)`` adds the nonce, the index link and the encoding.
    struct Reply {
        var status: HTTPResponse.Status
        var body: [UInt8] = []
        var contentType = "application/json"
        var location: String?
        var links: [String] = []
        var retryAfter: Int?
    }

    /// Runs `route` for an enabled directory and turns its reply, or its ACME problem, into the
    /// response — with a fresh `Replay-Nonce` either way.
    private func answer(
        _ request: Request, _ context: HostRequestContext, _ route: (ACMEURLs, IssuanceProfile, ACMEProfileSettings) async throws -> Reply
    ) async throws -> Response {
        let profileID = try context.parameters.require("profile")
        let urls = ACMEURLs(authority: request.head.authority ?? "localhost", profile: profileID)
        var reply: Reply
        do {
            let (profile, settings) = try service.directoryProfile(profileID)
            reply = try await route(urls, profile, settings)
        } catch let problem as ACMEProblem {
            reply = Self.problemReply(problem)
        } catch let error as HostError {
            if error.code == .internalFailure { context.logger.error("ACME request failed", metadata: ["error": "\(error)"]) }
            reply = Self.problemReply(ACMEService.problem(error))
        } catch {
            context.logger.error("ACME request failed", metadata: ["error": "\(error)"])
            reply = Self.problemReply(ACMEProblem(.serverInternal, "internal error"))
        }
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        headers[.cacheControl] = "no-store"
        if let nonce = try? await service.newNonce() { headers[HTTPField.Name("Replay-Nonce")!] = nonce }
        if let location = reply.location { headers[.location] = location }
        for link in reply.links + ["<\(urls.directory)>;rel=\"index\""] {
            headers.append(HTTPField(name: HTTPField.Name("Link")!, value: link))
        }
        if let retry = reply.retryAfter { headers[.retryAfter] = "\(retry)" }
        return Response(status: reply.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    static func problemReply(_ problem: ACMEProblem) -> Reply {
        var object: [String: Any] = ["type": problem.type, "detail": problem.detail, "status": problem.status]
        if problem.kind == .rateLimited { object["retry_after"] = problem.retryAfterSeconds ?? 60 }
        var reply = Reply(
            status: HTTPResponse.Status(code: problem.status),
            body: Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()))
        reply.contentType = "application/problem+json"
        reply.retryAfter = problem.retryAfterSeconds
        return reply
    }

    private func bytes(_ request: Request) async throws -> [UInt8] {
        var buffer = try await body.bytes(request)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    private func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) throws -> Reply {
        Reply(
            status: status,
            body: Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])))
    }
}
