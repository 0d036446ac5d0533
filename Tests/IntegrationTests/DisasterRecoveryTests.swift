import Foundation
import Testing

/// Every procedure of `docs/disaster-recovery.md`, run as written (``Runbook`` extracts the blocks)
/// against a real server, asserting the outcome the document promises.
@Suite(.serialized) struct DisasterRecoveryTests {
    /// A 4 s generation interval makes the scheduler pass every second.
    static let fastScheduler = ["CERTCTL_CRL_GENERATION_INTERVAL": "4s"]

    static func sqlite(_ certctl: Certctl, _ sql: String) async throws -> String {
        try await Command.check(["sqlite3", certctl.dataDirectory.appendingPathComponent("certctl.db").path, sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func psql(_ database: String, _ sql: String) async throws -> String {
        try await Command.check(["psql", database, "-Atqc", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls until `condition` holds, for at most `seconds`.
    static func eventually(_ seconds: Int = 10, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// `openssl ocsp` with a nonce (so the response is signed now, by the current responder).
    static func ocsp(_ server: ServerProcess, _ name: String) async throws -> CommandResult {
        let dir = server.certctl.directory
        return try await Command.run([
            "openssl", "ocsp", "-issuer", server.certctl.caFile.path, "-cert", dir.appendingPathComponent("\(name).crt").path,
            "-url", "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", server.certctl.caFile.path, "-resp_text",
        ])
    }

    @Test func crlCacheRowDeletedIsRegeneratedByTheScheduler() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl, environment: Self.fastScheduler) { server in
            #expect(try await Self.eventually { try await Self.sqlite(certctl, "SELECT count(*) FROM crl_cache") == "1" })
            let before = try #require(Int64(try await Self.sqlite(certctl, "SELECT crl_number FROM crl_cache")))
            try await Runbook.run("crl-cache-sqlite", certctl)
            #expect(try await server.request("GET", "/.well-known/pki/crl/iss-local").status == 200, "still served meanwhile")
            #expect(
                try await Self.eventually(5) {
                    Int64(try await Self.sqlite(certctl, "SELECT crl_number FROM crl_cache WHERE issuer_id = 'iss-local'")) ?? 0 > before
                }, "the next scheduler pass signs a CRL with a higher number")
            let view = try await server.request("GET", "/api/v1/admin/crl/cache", key: try server.adminKey).json()
            let row = try #require((view["cache_rows"] as? [[String: Any]])?.first)
            #expect(row["cache_present"] as? Bool == true && row["is_stale"] as? Bool == false)
        }
    }

    @Test func responderKeyAndRowDeletedAreReplacedWithinASecond() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            _ = try await server.issue("leaf")
            let first = try await Self.ocsp(server, "leaf")
            #expect(first.stdout.contains("Response verify OK") || first.stderr.contains("Response verify OK"), "\(first.stderr)")
            let before = try await Self.sqlite(certctl, "SELECT serial FROM ocsp_responders ORDER BY seq DESC LIMIT 1")
            try await Runbook.run("responder-sqlite", certctl)
            // The responder in memory is checked against its key file and row once a second.
            try await Task.sleep(for: .seconds(1.1))
            let second = try await Self.ocsp(server, "leaf")
            #expect(second.stderr.contains("Response verify OK"), "\(second.stderr)")
            #expect(second.stdout.contains("leaf.crt: good"))
            let after = try await Self.sqlite(certctl, "SELECT serial FROM ocsp_responders ORDER BY seq DESC LIMIT 1")
            #expect(!after.isEmpty && after != before)
            let keys = try FileManager.default.contentsOfDirectory(atPath: certctl.dataDirectory.appendingPathComponent("ocsp-keys").path)
            #expect(keys == ["iss-local-\(after).key"])
            let audit = try await server.request("GET", "/api/v1/audit?limit=50", key: try server.adminKey).json()
            let rotations = (audit["events"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "ocsp_responder_rotated" }
            #expect(rotations.count == 2)
        }
    }

    @Test func ocspCacheDeletedIsReadThrough() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let serial = try #require(try await server.issue("leaf")["serial"] as? String)
            let path = "/.well-known/pki/ocsp/iss-local/\(serial)"
            #expect(try await server.request("GET", path).status == 200)
            #expect(try await Self.sqlite(certctl, "SELECT count(*) FROM ocsp_cache") == "1")
            try await Runbook.run("ocsp-cache-sqlite", certctl)
            #expect(try await Self.sqlite(certctl, "SELECT count(*) FROM ocsp_cache") == "0")
            // Answers kept in memory are re-checked against the database after five seconds.
            try await Task.sleep(for: .seconds(5.1))
            let before = try await MetricsTests().counters(server)
            #expect(try await server.request("GET", path).status == 200)
            #expect(try await server.request("GET", path).status == 200)
            let after = try await MetricsTests().counters(server)
            #expect(after["ocsp.cache_miss"] == (before["ocsp.cache_miss"] ?? 0) + 1)
            #expect(after["ocsp.cache_hit"] == (before["ocsp.cache_hit"] ?? 0) + 1)
            #expect(try await Self.sqlite(certctl, "SELECT count(*) FROM ocsp_cache") == "1")
        }
    }

    @Test func sqliteBackupRestoreAndReappliedRevocation() async throws {
        let certctl = try Certctl()
        let backups = certctl.directory.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        var lastPublished: Int64 = 0
        var revokedSerial = ""
        try await ServerProcess.with(certctl) { server in
            let leaf = try await server.issue("leaf")
            revokedSerial = try #require(leaf["serial"] as? String)
            try await Runbook.run("backup-sqlite", certctl, ["backup_dir": backups.path])
            let id = try #require(leaf["id"] as? String)
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(id)/revoke", key: try server.adminKey, json: ["reason": "keyCompromise"])
            #expect(revoked.status == 200)
            #expect(try await Self.ocsp(server, "leaf").stdout.contains("leaf.crt: revoked"))
            lastPublished = try await Self.crlNumber(server)
        }
        try await Runbook.run("restore-sqlite", certctl, ["backup_dir": backups.path])
        try await ServerProcess.with(certctl) { server in
            // As documented: the revocation made after the backup is lost…
            #expect(try await Self.ocsp(server, "leaf").stdout.contains("leaf.crt: good"))
            // …but no CRL number is reused.
            #expect(try await Self.crlNumber(server) > lastPublished)
            // Re-applying it, as documented.
            try await Runbook.run(
                "reapply-revocation", certctl,
                [
                    "tls_ca": certctl.caFile.path, "api_key": try server.adminKey, "base_url": server.baseURL, "serial": revokedSerial,
                    "reason": "keyCompromise",
                ])
            let ocsp = try await Self.ocsp(server, "leaf")
            #expect(ocsp.stdout.contains("leaf.crt: revoked") && ocsp.stdout.contains("Reason: keyCompromise"), "\(ocsp.stdout)")
        }
    }

    /// The CRL number the server publishes now, as `openssl crl` reads it.
    static func crlNumber(_ server: ServerProcess) async throws -> Int64 {
        let crl = try await server.request("GET", "/.well-known/pki/crl/iss-local")
        let file = server.certctl.directory.appendingPathComponent("crl-\(UUID().uuidString.prefix(6)).der")
        try crl.body.write(to: file)
        let text = try await Command.check(["openssl", "crl", "-inform", "DER", "-in", file.path, "-noout", "-crlnumber"])
        guard let number = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("crlNumber=0x".count), radix: 16)
        else { throw TestFailure("no CRL number in \(text)") }
        return number
    }

    @Test(.enabled(if: PostgresCluster.available, PostgresCluster.skipReason))
    func postgresProceduresAndRestore() async throws {
        let certctl = try Certctl()
        let database = try await PostgresCluster.freshDatabase()
        let env = Self.fastScheduler.merging(["CERTCTL_DATABASE_URL": database]) { $1 }
        let backups = certctl.directory.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: backups, withIntermediateDirectories: true)
        let variables = ["CERTCTL_DATABASE_URL": database, "backup_dir": backups.path]
        var lastPublished: Int64 = 0
        try await ServerProcess.with(certctl, environment: env) { server in
            let serial = try #require(try await server.issue("leaf")["serial"] as? String)
            #expect(try await Self.eventually { try await Self.psql(database, "SELECT count(*) FROM crl_cache") == "1" })
            let before = try #require(Int64(try await Self.psql(database, "SELECT crl_number FROM crl_cache")))
            try await Runbook.run("crl-cache-postgres", certctl, variables)
            #expect(
                try await Self.eventually(5) { Int64(try await Self.psql(database, "SELECT crl_number FROM crl_cache")) ?? 0 > before })

            _ = try await Self.ocsp(server, "leaf")
            let responder = try await Self.psql(database, "SELECT serial FROM ocsp_responders ORDER BY seq DESC LIMIT 1")
            try await Runbook.run("responder-postgres", certctl, variables)
            #expect(try await Self.ocsp(server, "leaf").stdout.contains("leaf.crt: good"))
            let replaced = try await Self.psql(database, "SELECT serial FROM ocsp_responders ORDER BY seq DESC LIMIT 1")
            #expect(!replaced.isEmpty && replaced != responder)

            #expect(try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)").status == 200)
            #expect(try await Self.psql(database, "SELECT count(*) FROM ocsp_cache") == "1")
            try await Runbook.run("ocsp-cache-postgres", certctl, variables)
            #expect(try await Self.psql(database, "SELECT count(*) FROM ocsp_cache") == "0")
            #expect(try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)").status == 200)
            #expect(try await Self.psql(database, "SELECT count(*) FROM ocsp_cache") == "1")

            try await Runbook.run("backup-postgres", certctl, variables)
            _ = try await server.issue("after-backup")
            lastPublished = try await Self.crlNumber(server)
        }
        try await Runbook.run("restore-postgres", certctl, variables)
        #expect(try await Self.psql(database, "SELECT count(*) FROM certificates WHERE sans LIKE '%after-backup%'") == "0")
        try await ServerProcess.with(certctl, environment: env) { server in
            let number = try await Self.crlNumber(server)
            #expect(number > lastPublished)
            #expect(try await Self.ocsp(server, "leaf").stdout.contains("leaf.crt: good"))
        }
    }

    /// A config with the bootstrapped `iss-local` (its files under `data/ca`) and one block from the runbook.
    static func writeConfig(_ certctl: Certctl, adding block: String) throws -> URL {
        let file = certctl.directory.appendingPathComponent("certctl.yaml")
        try """
        issuers:
          - id: iss-local
            type: local
            key_file: data/ca/iss-local.key
            cert_file: data/ca/iss-local.crt
        \(block)
        """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func fileIssuerKeyRotationPlaybook() async throws {
        let certctl = try Certctl()
        var oldLeaf: [String: Any] = [:]
        try await ServerProcess.with(certctl) { server in oldLeaf = try await server.issue("old") }
        let config = try Self.writeConfig(certctl, adding: try Runbook.block("rotate-local-config"))
        let initialized = try await Runbook.run("rotate-local-init", certctl, ["CERTCTL_CONFIG": config.path])
        #expect(initialized.contains("iss-local-2"), "\(initialized)")
        let mode =
            try FileManager.default.attributesOfItem(atPath: certctl.directory.appendingPathComponent("ca/iss-local-2.key").path)[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
        try await ServerProcess.with(certctl, environment: ["CERTCTL_CONFIG": config.path]) { server in
            let key = try server.adminKey
            let issuers = try await server.request("GET", "/api/v1/issuers", key: key).json()["issuers"] as? [[String: Any]] ?? []
            #expect(issuers.map { $0["id"] as? String } == ["iss-local", "iss-local-2"])
            let newLeaf = try await server.issue("new", issuer: "iss-local-2")
            let newCA = certctl.directory.appendingPathComponent("ca/iss-local-2.crt")
            #expect(
                try await OpenSSL.verify(leafPEM: newLeaf["certificate_pem"] as? String ?? "", caFile: newCA, in: certctl.directory).status
                    == 0)
            // The old issuer still revokes and answers for what it issued.
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(oldLeaf["id"] as? String ?? "")/revoke", key: key, json: ["reason": "superseded"])
            #expect(revoked.status == 200)
            #expect(try await Self.ocsp(server, "old").stdout.contains("old.crt: revoked"))
            let audit = try await server.request("GET", "/api/v1/audit?limit=100", key: key).json()["events"] as? [[String: Any]] ?? []
            #expect(audit.contains { $0["action"] as? String == "ca_initialized" && $0["target"] as? String == "issuer:iss-local-2" })
        }
    }

    @Test func hsmIssuerKeyRotationPlaybook() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { _ in }
        let hsm = try await SoftHSM(in: certctl.directory)
        let pinFile = certctl.directory.appendingPathComponent("hsm-pin")
        _ = FileManager.default.createFile(
            atPath: pinFile.path, contents: Data((SoftHSM.pin + "\n").utf8), attributes: [.posixPermissions: 0o600])
        let hsmVariables = hsm.environment.merging(
            ["HSM_MODULE": SoftHSM.module, "HSM_TOKEN": hsm.label, "HSM_PIN_FILE": pinFile.path]) { $1 }
        try await Runbook.run("rotate-hsm-keygen", certctl, hsmVariables)
        let block = try Runbook.block("rotate-hsm-config").replacingOccurrences(of: "token=certctl;", with: "token=\(hsm.label);")
        let config = try Self.writeConfig(certctl, adding: block)
        let environment = hsm.environment.merging(["CERTCTL_CONFIG": config.path]) { $1 }
        let initialized = try await certctl.run(["ca", "init", "--issuer", "iss-hsm-2"], environment: environment)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        try await ServerProcess.with(certctl, environment: environment) { server in
            let leaf = try await server.issue("hsm", issuer: "iss-hsm-2")
            let ca = certctl.directory.appendingPathComponent("ca/iss-hsm-2.crt")
            #expect(
                try await OpenSSL.verify(leafPEM: leaf["certificate_pem"] as? String ?? "", caFile: ca, in: certctl.directory).status == 0)
        }
    }
}
