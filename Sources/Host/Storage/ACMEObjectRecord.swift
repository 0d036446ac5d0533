import Foundation

/// One stored ACME server object. The fields the server looks objects up by are columns; the rest
/// of the object is JSON in ``body`` (its shape is the ACME layer's: `ACMEAccount`, `ACMEOrder`, …).
/// ``version`` guards updates when several instances share one database: an update applies only to
/// the version it was read at.
public struct ACMEObjectRecord: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case account, order, authorization, eab
    }

    public var kind: Kind
    public var id: String
    /// The directory (profile) the object belongs to.
    public var profile: String
    /// The owning account (orders, authorizations); `nil` for accounts and EAB credentials.
    public var accountID: String?
    /// A secondary key: an account's JWK thumbprint, an authorization's `<account> <type>:<value>`
    /// (for reuse), an EAB credential's profile.
    public var lookup: String?
    public var status: String
    public var expiresAt: Date?
    public var createdAt: Date
    public var body: String
    public var version: Int64

    public init(
        kind: Kind, id: String, profile: String, accountID: String? = nil, lookup: String? = nil, status: String, expiresAt: Date? = nil,
        createdAt: Date, body: String, version: Int64 = 1
    ) {
        self.kind = kind
        self.id = id
        self.profile = profile
        self.accountID = accountID
        self.lookup = lookup
        self.status = status
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.body = body
        self.version = version
    }
}
