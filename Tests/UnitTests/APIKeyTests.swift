import Foundation
import Testing

@testable import Host

@Suite struct APIKeyTests {
    @Test func tokensParseBackAndCarry256BitSecrets() throws {
        let token = APIKeyToken.generate()
        let parsed = try #require(APIKeyToken(parsing: token.token))
        #expect(parsed == token)
        #expect(token.secret.count == 43)
        #expect(token.secretHash.count == 32)
        #expect(APIKeyToken.generate().token != token.token)
    }

    @Test(arguments: [
        "", "ck_", "ck_abc_def", "xx_0123456789ab_" + String(repeating: "a", count: 43),
        "ck_0123456789zz_" + String(repeating: "a", count: 43),
    ])
    func malformedTokensDoNotParse(text: String) {
        #expect(APIKeyToken(parsing: text) == nil)
    }

    @Test func onlyTheRightSecretMatches() {
        let token = APIKeyToken.generate()
        #expect(token.matches(token.secretHash))
        var other = token.secretHash
        other[31] ^= 1
        #expect(!token.matches(other))
        #expect(!token.matches([]))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
    }

    @Test func serviceAuthenticatesPromotesAndRevokes() async throws {
        let storage = try await SQLiteStorage.migrated()
        let keys = APIKeyService(storage: storage)
        let (record, token) = try await keys.create(name: "ci", role: .operator, profiles: ["web"], actor: "cli")
        #expect(try await keys.authenticate(token) == Principal(keyID: record.id, name: "ci", role: .operator, profiles: ["web"]))
        let forged = try #require(APIKeyToken(parsing: token)).id
        #expect(try await keys.authenticate("ck_\(forged)_" + String(repeating: "A", count: 43)) == nil)

        try await keys.promote(id: record.id, actor: "cli")
        #expect(try await keys.authenticate(token)?.isAdmin == true)
        try await keys.revoke(id: record.id, actor: "cli")
        #expect(try await keys.authenticate(token) == nil)
        let error = await #expect(throws: HostError.self) { try await keys.revoke(id: record.id, actor: "cli") }
        #expect(error?.code == .notFound)

        let actions = try await storage.auditEvents(limit: 10, beforeSeq: nil).map(\.action)
        #expect(actions == ["api_key_revoked", "api_key_promoted", "api_key_created"])
    }
}
