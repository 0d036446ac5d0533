import ConnectorAPI

extension ACMEConnector {
    /// Runs `body` with the account URL, registering (or finding) the account first when this
    /// process has not yet. A CA that forgot the account (`accountDoesNotExist`, e.g. a test CA
    /// restarted) gets it registered again, once.
    func withAccount<T: Sendable>(deadline: ContinuousClock.Instant, _ body: (String) async throws -> T) async throws -> T {
        let account = try await accountURL(deadline: deadline)
        do {
            return try await body(account)
        } catch let problem as ACMEProblem where problem.name == "accountDoesNotExist" {
            state.accountURL = nil
            return try await body(try await accountURL(deadline: deadline))
        }
    }

    /// RFC 8555 §7.3: newAccount with the persisted key returns the existing account (200) or
    /// creates one (201); either way `Location` is the account URL used as `kid`.
    func accountURL(deadline: ContinuousClock.Instant) async throws -> String {
        if let url = state.accountURL { return url }
        let options = client.options
        let directory = try await client.directory(deadline: deadline)
        if directory.meta?.termsOfService != nil && !options.termsOfServiceAgreed {
            throw ConnectorError.rejected(
                "issuer \(id): the ACME CA requires agreeing to its terms of service (\(directory.meta?.termsOfService ?? "")): "
                    + "set terms_of_service_agreed: true")
        }
        var payload = ACMEObjects.NewAccount(
            termsOfServiceAgreed: options.termsOfServiceAgreed ? true : nil,
            contact: options.email.map { ["mailto:\($0)"] }
        )
        if let eab = options.externalAccountBinding {
            payload.externalAccountBinding = try JWS.externalAccountBinding(
                kid: eab.kid, macKey: eab.macKey, accountKey: client.accountKey, url: directory.newAccount)
        } else if directory.meta?.externalAccountRequired == true {
            throw ConnectorError.rejected("issuer \(id): the ACME CA requires external account binding: set eab_kid and eab_hmac_key")
        }
        let reply = try await client.post(
            directory.newAccount, payload: payload, signer: .jwk, context: "registering the ACME account", deadline: deadline)
        guard let url = reply.location else {
            throw ConnectorError(.upstreamFailure, "issuer \(id): the ACME server's newAccount answer has no Location header")
        }
        state.accountURL = url
        return url
    }
}
