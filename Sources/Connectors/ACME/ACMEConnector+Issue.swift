import ConnectorAPI
import NIOCore
import SwiftASN1
import X509

extension ACMEConnector {
    /// RFC 8555 §7.4: newOrder for the CSR's identifiers, solve each pending authorization, finalize
    /// with the CSR, poll, download the chain. The validity window is the CA's to choose: ACME
    /// CAs generally refuse `notBefore`/`notAfter` in orders, so none is sent.
    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        let identifiers = try ACMEIdentifiers.of(request.csr)
        let csrDER = try DERBytes.of(request.csr)
        let response = try await client.operation("issuer \(id): ACME order") { deadline in
            try await withAccount(deadline: deadline) { account in
                try await order(identifiers: identifiers, csrDER: csrDER, account: account, deadline: deadline)
            }
        }
        guard response.certificate.publicKey == request.csr.publicKey else {
            throw ConnectorError(.upstreamFailure, "issuer \(id): the ACME CA returned a certificate for a different key than the CSR's")
        }
        try? state.remember(chain: response.chain)
        return response
    }

    private func order(
        identifiers: [ACMEObjects.Identifier], csrDER: [UInt8], account: String, deadline: ContinuousClock.Instant
    ) async throws -> IssueResponse {
        let directory = try await client.directory(deadline: deadline)
        let created = try await client.post(
            directory.newOrder, payload: ACMEObjects.NewOrder(identifiers: identifiers), signer: .kid(account),
            context: "creating the order", deadline: deadline)
        guard let orderURL = created.location else {
            throw ConnectorError(.upstreamFailure, "issuer \(id): the ACME server's newOrder answer has no Location header")
        }
        var order = try created.decode(ACMEObjects.Order.self, "creating the order")
        for authorization in order.authorizations {
            try await authorize(authorization, account: account, deadline: deadline)
        }
        order = try await poll(orderURL, account: account, deadline: deadline, until: ["ready", "valid"])
        if order.status == "ready" {
            let finalized = try await client.post(
                order.finalize, payload: ACMEObjects.Finalize(csr: Base64URL.encode(csrDER)), signer: .kid(account),
                context: "finalizing the order", deadline: deadline)
            order = try finalized.decode(ACMEObjects.Order.self, "finalizing the order")
            if order.status != "valid" {
                order = try await poll(orderURL, account: account, deadline: deadline, until: ["valid"])
            }
        }
        guard let certificateURL = order.certificate else {
            throw ConnectorError(.upstreamFailure, "issuer \(id): the ACME order is valid but names no certificate URL")
        }
        let download = try await client.post(
            certificateURL, payload: ACMEObjects.Empty?.none, signer: .kid(account), accept: "application/pem-certificate-chain",
            context: "downloading the certificate", deadline: deadline)
        return try Self.chain(fromPEM: String(buffer: download.body), issuerID: id)
    }

    /// Polls an order (POST-as-GET) until its status is one of `until`; `invalid` is the CA's
    /// refusal, with its reason.
    private func poll(
        _ url: String, account: String, deadline: ContinuousClock.Instant, until done: Set<String>
    ) async throws -> ACMEObjects.Order {
        while true {
            let reply = try await client.post(
                url, payload: ACMEObjects.Empty?.none, signer: .kid(account), context: "polling the order", deadline: deadline)
            let order = try reply.decode(ACMEObjects.Order.self, "polling the order")
            if done.contains(order.status) { return order }
            if order.status == "invalid" {
                throw ConnectorError.rejected("issuer \(id): the ACME CA refused the order: \(order.error?.summary ?? "order invalid")")
            }
            try await client.pause(after: reply, deadline: deadline, context: "issuer \(id): ACME order")
        }
    }

    /// Proves control of one identifier with the configured challenge type.
    private func authorize(_ url: String, account: String, deadline: ContinuousClock.Instant) async throws {
        var reply = try await client.post(
            url, payload: ACMEObjects.Empty?.none, signer: .kid(account), context: "fetching an authorization", deadline: deadline)
        var authorization = try reply.decode(ACMEObjects.Authorization.self, "fetching an authorization")
        let name = authorization.identifier.value
        if authorization.status == "valid" { return }
        guard authorization.status == "pending" else {
            throw ConnectorError.rejected("issuer \(id): the ACME authorization for \(name) is \(authorization.status)")
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == solver.type }), let token = challenge.token else {
            let offered = authorization.challenges.map(\.type).joined(separator: ", ")
            throw ConnectorError.rejected("issuer \(id): the ACME CA offers no \(solver.type) challenge for \(name) (offered: \(offered))")
        }
        let keyAuthorization = client.accountKey.keyAuthorization(token: token)
        try await solver.present(identifier: authorization.identifier, token: token, keyAuthorization: keyAuthorization, deadline: deadline)
        do {
            _ = try await client.post(
                challenge.url, payload: ACMEObjects.Empty(), signer: .kid(account), context: "answering the \(solver.type) challenge",
                deadline: deadline)
            while authorization.status == "pending" || authorization.status == "processing" {
                try await client.pause(after: reply, deadline: deadline, context: "issuer \(id): \(solver.type) challenge for \(name)")
                reply = try await client.post(
                    url, payload: ACMEObjects.Empty?.none, signer: .kid(account), context: "polling an authorization", deadline: deadline)
                authorization = try reply.decode(ACMEObjects.Authorization.self, "polling an authorization")
            }
        } catch {
            await solver.cleanUp(identifier: authorization.identifier, token: token, keyAuthorization: keyAuthorization)
            throw error
        }
        await solver.cleanUp(identifier: authorization.identifier, token: token, keyAuthorization: keyAuthorization)
        guard authorization.status == "valid" else {
            let reason = authorization.challenges.first(where: { $0.type == solver.type })?.error?.summary ?? authorization.status
            throw ConnectorError.rejected("issuer \(id): the ACME CA could not validate \(name) with \(solver.type): \(reason)")
        }
    }

    /// Splits `application/pem-certificate-chain`: the leaf first, then its issuers.
    static func chain(fromPEM text: String, issuerID: String) throws -> IssueResponse {
        let certificates: [Certificate]
        do {
            certificates = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the ACME certificate download is not a PEM certificate chain")
        }
        guard let leaf = certificates.first else {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the ACME certificate download is empty")
        }
        return IssueResponse(certificate: leaf, chain: Array(certificates.dropFirst()))
    }
}
