import Foundation
import Testing

/// `certctl admin keys …` against the server's database, and what the server then allows.
@Suite struct APIKeyTests {
    @Test func keysCreatedByTheCLIAreEnforcedByTheServer() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let created = try await certctl.run(["admin", "keys", "create", "--name", "ci-bot"])
            #expect(created.status == 0, "\(created.stderr)")
            let token = created.lastLine
            #expect(token.hasPrefix("ck_"))
            let keyID = String(token.split(separator: "_")[1])

            #expect(try await server.request("GET", "/api/v1/issuers", key: token).status == 200)
            let forbidden = try await server.request("GET", "/api/v1/audit", key: token)
            #expect(forbidden.status == 403)
            #expect(forbidden.contentType == "application/problem+json")

            let listed = try await certctl.run(["admin", "keys", "list"])
            #expect(listed.stdout.contains("\(keyID)\tci-bot\tclient\t-\t"))
            #expect(!listed.stdout.contains(token))

            #expect(try await certctl.run(["admin", "keys", "promote", keyID]).status == 0)
            #expect(try await server.request("GET", "/api/v1/audit", key: token).status == 200)

            #expect(try await certctl.run(["admin", "keys", "revoke", keyID]).status == 0)
            let revoked = try await server.request("GET", "/api/v1/issuers", key: token)
            #expect(revoked.status == 401)
            #expect(revoked.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            #expect(try await certctl.run(["admin", "keys", "revoke", keyID]).status != 0)

            let audit = try await server.request("GET", "/api/v1/audit?limit=10", key: try server.adminKey).json()
            let events = audit["events"] as? [[String: Any]] ?? []
            let mine = events.filter { $0["target"] as? String == "api_key:\(keyID)" }.compactMap { $0["action"] as? String }
            #expect(mine == ["api_key_revoked", "api_key_promoted", "api_key_created"])
            #expect(events.first { $0["action"] as? String == "api_key_revoked" }?["actor"] as? String == "cli")
        }
    }

    @Test func createWithAdminFlag() async throws {
        let certctl = try Certctl()
        let created = try await certctl.run(["admin", "keys", "create", "--name", "ops", "--admin"])
        #expect(created.status == 0, "\(created.stderr)")
        let listed = try await certctl.run(["admin", "keys", "list"])
        #expect(listed.stdout.contains("\tops\tadmin\t"))
        let help = try await certctl.run(["admin", "keys", "create", "--help"])
        #expect(help.stdout.contains("--admin"))
    }
}
