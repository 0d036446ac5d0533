import Foundation
import X509

extension ACMEService {
    // MARK: newOrder

    /// newOrder (RFC 8555 §7.4): identifiers checked against the profile now (and again at
    /// finalize), valid authorizations of the same account reused, one pending authorization per
    /// other identifier; the order is `ready` when all are valid.
    func newOrder(_ auth: Authenticated, urls: ACMEURLs, profile: IssuanceProfile, settings: ACMEProfileSettings) async throws
        -> ACMEObjectRecord
    {
        guard let account = auth.account else { throw ACMEProblem(.accountDoesNotExist, "newOrder needs an account ('kid')") }
        let payload = try auth.request.payloadObject()
        if payload["notBefore"] != nil || payload["notAfter"] != nil {
            throw ACMEProblem(.malformed, "notBefore/notAfter are not supported: the profile decides the validity")
        }
        guard let list = payload["identifiers"] as? [[String: Any]], !list.isEmpty else {
            throw ACMEProblem(.malformed, "'identifiers' must be a non-empty list")
        }
        var identifiers: [ACMEIdentifier] = []
        for item in list {
            guard let type = item["type"] as? String, let value = item["value"] as? String else {
                throw ACMEProblem(.malformed, "each identifier needs a 'type' and a 'value'")
            }
            let identifier = try checkIdentifier(ACMEIdentifier(type: type, value: value), profile: profile, settings: settings)
            if !identifiers.contains(identifier) { identifiers.append(identifier) }
        }
        guard identifiers.count <= profile.names.maxSANs else {
            throw ACMEProblem(
                .rejectedIdentifier, "\(identifiers.count) identifiers: profile \(profile.id) allows at most \(profile.names.maxSANs)")
        }
        let current = now()
        if settings.ordersPerAccountPerHour > 0,
            try await storage.countACMEObjects(.order, accountID: account.id, since: current.addingTimeInterval(-3_600))
                >= settings.ordersPerAccountPerHour
        {
            metrics.increment(.acme, "rate_limited")
            throw ACMEProblem(
                .rateLimited, "account \(account.id) reached \(settings.ordersPerAccountPerHour) orders per hour", retryAfterSeconds: 600)
        }
        var records: [ACMEObjectRecord] = []
        var authorizationIDs: [String] = []
        for identifier in identifiers {
            if let reused = try await reusableAuthorization(identifier, accountID: account.id, now: current) {
                authorizationIDs.append(reused.id)
                continue
            }
            let wildcard = identifier.value.hasPrefix("*.")
            let base = ACMEIdentifier(type: identifier.type, value: wildcard ? String(identifier.value.dropFirst(2)) : identifier.value)
            let types = settings.challenges.filter { type in
                (!wildcard || type == .dns01) && (identifier.type == "dns" || type != .dns01)
            }
            guard !types.isEmpty else {
                throw ACMEProblem(
                    .rejectedIdentifier,
                    "\(identifier.value): no challenge of profile \(profile.id) can validate it (wildcards need dns-01)")
            }
            let authorization = ACMEAuthorization(
                identifier: base, wildcard: wildcard,
                challenges: types.map { ACMEChallenge(type: $0.rawValue, token: Self.token(), status: "pending") })
            let id = Self.randomID()
            authorizationIDs.append(id)
            records.append(
                ACMEObjectRecord(
                    kind: .authorization, id: id, profile: urls.profile, accountID: account.id,
                    lookup: "\(account.id) \(identifier.type):\(identifier.value)", status: "pending",
                    expiresAt: current.addingTimeInterval(TimeInterval(settings.authorizationLifetimeSeconds)), createdAt: current,
                    body: try ACMEJSON.encode(authorization)))
        }
        let orderID = Self.randomID()
        let order = ACMEOrder(identifiers: identifiers, authorizations: authorizationIDs)
        let record = ACMEObjectRecord(
            kind: .order, id: orderID, profile: urls.profile, accountID: account.id, lookup: account.id, status: "pending",
            expiresAt: current.addingTimeInterval(TimeInterval(settings.orderLifetimeSeconds)), createdAt: current,
            body: try ACMEJSON.encode(order))
        try await storage.insertACMEObjects(
            records + [record],
            audit: AuditEntry(
                occurredAt: current, actor: "acme:\(account.id)", action: AuditAction.acmeOrderCreated, target: "acme-order:\(orderID)",
                detail: ["profile": urls.profile, "identifiers": identifiers.map(\.value).joined(separator: ",")]))
        metrics.increment(.acme, "order_created")
        return record
    }

    /// A DNS or IP identifier, validated and allowed by the profile (`rejectedIdentifier` naming the
    /// identifier and the rule otherwise).
    func checkIdentifier(_ identifier: ACMEIdentifier, profile: IssuanceProfile, settings: ACMEProfileSettings) throws(ACMEProblem)
        -> ACMEIdentifier
    {
        let name: RequestedName
        do {
            switch identifier.type {
            case "dns":
                name = .dns(try DNSName(validating: identifier.value, allowUnderscores: false))
            case "ip":
                guard let address = IPAddress(identifier.value) else {
                    throw ACMEProblem(.malformed, "'\(identifier.value)' is not an IP address")
                }
                name = .ip(address)
            default:
                throw ACMEProblem(.unsupportedIdentifier, "identifier type '\(identifier.type)' is not supported (dns, ip)")
            }
            try profile.names.check(name, profile: profile.id)
        } catch let problem as ACMEProblem {
            metrics.increment(.acme, "order_refused")
            throw problem
        } catch let refusal as PolicyRefusal {
            metrics.increment(.acme, "order_refused")
            throw ACMEProblem(.rejectedIdentifier, refusal.detail)
        } catch {
            metrics.increment(.acme, "order_refused")
            throw ACMEProblem(.rejectedIdentifier, "\(identifier.value): \(error)")
        }
        switch name {
        case .dns(let dns): return ACMEIdentifier(type: "dns", value: dns.text)
        case .ip(let address): return ACMEIdentifier(type: "ip", value: address.description)
        default: return identifier
        }
    }

    func reusableAuthorization(_ identifier: ACMEIdentifier, accountID: String, now: Date) async throws -> ACMEObjectRecord? {
        try await storage.acmeObjects(.authorization, lookup: "\(accountID) \(identifier.type):\(identifier.value)").first {
            $0.status == "valid" && ($0.expiresAt ?? .distantPast) > now
        }
    }

    /// The account's orders that are not yet invalid (RFC 8555 §7.1.2.1), newest first.
    func orders(_ auth: Authenticated, accountID: String) async throws -> [String] {
        guard let account = auth.account, account.id == accountID else {
            throw ACMEProblem(.unauthorized, "an account's orders can only be listed with its own key")
        }
        var ids: [String] = []
        for record in try await storage.acmeObjects(.order, lookup: accountID) {
            let order = try ACMEJSON.decode(ACMEOrder.self, record.body)
            if try await orderStatus(record, order) != "invalid" { ids.append(record.id) }
        }
        return ids
    }

    static func token() -> String { JOSEBase64.encode((0..<32).map { _ in UInt8.random(in: 0...255) }) }

    // MARK: Reading

    /// An object of the account's: 404 for unknown ids and other accounts' objects alike.
    func owned(_ kind: ACMEObjectRecord.Kind, id: String, by auth: Authenticated) async throws -> ACMEObjectRecord {
        guard let account = auth.account else { throw ACMEProblem(.accountDoesNotExist, "this request needs an account ('kid')") }
        guard let record = try await storage.acmeObject(kind, id: id), record.accountID == account.id else {
            throw ACMEProblem.notFound(kind.rawValue)
        }
        return record
    }

    /// An order's status (RFC 8555 §7.1.6), from its authorizations.
    func orderStatus(_ record: ACMEObjectRecord, _ order: ACMEOrder) async throws -> String {
        if order.certificateID != nil { return "valid" }
        if order.error != nil { return "invalid" }
        if (record.expiresAt ?? .distantFuture) <= now() { return "invalid" }
        var statuses: [String] = []
        for id in order.authorizations {
            guard let authorization = try await storage.acmeObject(.authorization, id: id) else { return "invalid" }
            statuses.append(authorizationStatus(authorization))
        }
        if statuses.contains(where: { $0 != "valid" && $0 != "pending" }) { return "invalid" }
        return statuses.allSatisfy { $0 == "valid" } ? (record.status == "processing" ? "processing" : "ready") : "pending"
    }

    func authorizationStatus(_ record: ACMEObjectRecord) -> String {
        if record.status == "pending", (record.expiresAt ?? .distantFuture) <= now() { return "expired" }
        return record.status
    }
}
