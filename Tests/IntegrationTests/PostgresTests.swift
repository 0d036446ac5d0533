import Foundation
import Testing

/// `certctl serve` on PostgreSQL (`CERTCTL_DATABASE_URL=postgres://…`), against the real server
/// `scripts/test.sh` starts, and against a private cluster for the outage test.
@Suite(.serialized, .enabled(if: PostgresCluster.available, PostgresCluster.skipReason)) struct PostgresTests {
    @Test func serveOnPostgresEndToEnd() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let env = ["CERTCTL_DATABASE_URL": try await PostgresCluster.freshDatabase()]
        try await ServerProcess.with(certctl, environment: env) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            // The CLI works on the same database as the server.
            let created = try await certctl.run(["admin", "keys", "create", "--name", "ops"], environment: env)
            #expect(created.status == 0, "\(created.stderr)")
            let migrated = try await certctl.run(["db", "migrate"], environment: env)
            #expect(migrated.status == 0 && migrated.stdout.contains("up to date"), "\(migrated.stderr)")
            // A restored older dump takes schema_migrations back but leaves newer objects: version 3
            // (the OCSP change counter and its triggers) applies again over them.
            let url = try #require(env["CERTCTL_DATABASE_URL"])
            try await Command.check([
                "psql", url, "-Atqc", "UPDATE ocsp_epoch SET value = 41; DELETE FROM schema_migrations WHERE version = 3",
            ])
            let again = try await certctl.run(["db", "migrate"], environment: env)
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            let triggers = try await Command.check([
                "psql", url, "-Atqc",
                "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%advances_ocsp_epoch'; SELECT value FROM ocsp_epoch",
            ])
            #expect(triggers.split(separator: "\n") == ["6", "41"], "\(triggers)")
            let listed = try await certctl.run(["admin", "keys", "list"], environment: env)
            #expect(listed.stdout.contains("ops") && listed.stdout.contains("bootstrap"), "\(listed.stdout)")

            let issued = try await server.issue("pgleaf")
            let id = try #require(issued["id"] as? String)
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(id)/revoke", key: try server.adminKey, json: ["reason": "keyCompromise"], caFile: tls)
            #expect(revoked.status == 200, "\(revoked.text)")
            let ocsp = try await Command.run([
                "openssl", "ocsp", "-issuer", certctl.caFile.path, "-cert", dir.appendingPathComponent("pgleaf.crt").path, "-url",
                "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", certctl.caFile.path,
            ])
            #expect(ocsp.stdout.contains("pgleaf.crt: revoked"), "\(ocsp.stdout)\(ocsp.stderr)")
            let epoch = try await Command.check(["psql", url, "-Atqc", "SELECT value FROM ocsp_epoch"])
            #expect(Int(epoch.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 41, "the revocation advanced the counter")
            let audit = try await server.request("GET", "/api/v1/audit?limit=20", key: try server.adminKey, caFile: tls)
            #expect(audit.text.contains("cert_revoked") && audit.text.contains("api_key_created"))
            #expect(try await server.request("GET", "/readyz", caFile: tls).status == 200)
        }
    }

    /// An unreachable database stops start-up with a message that names it without the password.
    /// Migration 6 on a database written before roles: admin keys stay admin, the others become
    /// operators without profiles; certificates keep their requester and get no profile.
    @Test func keysAndCertificatesFromBeforeRolesMigrate() async throws {
        let certctl = try Certctl()
        let url = try await PostgresCluster.freshDatabase()
        let env = ["CERTCTL_DATABASE_URL": url]
        #expect(try await certctl.run(["db", "migrate"], environment: env).status == 0)
        // Back to version 5's shape, with rows written then.
        try await Command.check([
            "psql", url, "-Atqc",
            """
            ALTER TABLE api_keys DROP COLUMN role, DROP COLUMN profiles, DROP COLUMN expires_at;
            ALTER TABLE certificates DROP COLUMN profile; DROP INDEX certificates_by_requester;
            DELETE FROM schema_migrations WHERE version = 6;
            INSERT INTO api_keys (id, name, secret_hash, is_admin, created_at) VALUES ('aaaaaaaaaaaa', 'boss', '\\x01', true, 1),
                ('bbbbbbbbbbbb', 'ci', '\\x02', false, 1);
            INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after, certificate_pem, chain_pem,
                created_at, created_by) VALUES ('c1', 'iss-local', '7f', 'CN=x', '[]', 0, 4102444800, '', '', 1, 'apikey:bbbbbbbbbbbb');
            """,
        ])
        let migrated = try await certctl.run(["db", "migrate"], environment: env)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let listed = try await certctl.run(["admin", "keys", "list"], environment: env)
        #expect(listed.stdout.contains("aaaaaaaaaaaa\tboss\tadmin\t-\t"), "\(listed.stdout)")
        #expect(listed.stdout.contains("bbbbbbbbbbbb\tci\toperator\t-\t"), "\(listed.stdout)")
        let rows = try await Command.check(["psql", url, "-Atqc", "SELECT coalesce(profile, 'null'), created_by FROM certificates"])
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "null|apikey:bbbbbbbbbbbb")
    }

    @Test func unreachableDatabaseIsAClearStartupError() async throws {
        let certctl = try Certctl()
        let result = try await certctl.run(
            ["serve"], environment: ["CERTCTL_DATABASE_URL": "postgres://certctl:s3cr3t-pw@127.0.0.1:\(Certctl.freePort())/certctl"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot reach the database") && !result.stderr.contains("s3cr3t-pw"), "\(result.stderr)")
    }

    /// PostgreSQL stopped while serving: requests fail fast with 503 problems and `/readyz` says so;
    /// once it is back the pool reconnects and nothing acknowledged before is lost.
    @Test func databaseOutageIsA503AndRecovers() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let cluster = dir.appendingPathComponent("pg").path
        let script = Python.packageRoot.appendingPathComponent("scripts/postgres.sh").path
        let admin = try await Command.check([script, "start", cluster]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? FileManager.default.removeItem(atPath: cluster) }
        do {
            let env = ["CERTCTL_DATABASE_URL": try await PostgresCluster.freshDatabase(admin)]
            try await ServerProcess.with(certctl, environment: env) { server in
                let tls = dir.appendingPathComponent("data/tls/server.crt")
                let before = try await server.issue("before")
                try await Command.check([script, "pause", cluster])

                let started = ContinuousClock.now
                let down = try await server.request(
                    "GET", "/api/v1/certificates/\(before["id"] as? String ?? "")", key: try server.adminKey, caFile: tls)
                #expect(down.status == 503, "\(down.status) \(down.text)")
                #expect(down.contentType.hasPrefix("application/problem+json"))
                #expect(ContinuousClock.now - started < .seconds(8))
                // Anonymous: the status; with a key, the key cannot even be checked without the database.
                let ready = try await server.unreadyAnswer(caFile: tls)
                #expect(ready.status == 503 && ready.text.contains("unavailable"), "\(ready.text)")
                let detailed = try await server.request("GET", "/readyz", key: try server.adminKey, caFile: tls)
                #expect(detailed.status == 503 && detailed.text.contains("database"), "\(detailed.text)")
                let ocsp = try await Command.run([
                    "openssl", "ocsp", "-issuer", certctl.caFile.path, "-cert", dir.appendingPathComponent("before.crt").path, "-url",
                    "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", certctl.caFile.path,
                ])
                #expect(
                    (ocsp.stdout + ocsp.stderr).contains("trylater"),
                    "OCSP says tryLater while the database is down: \(ocsp.stdout)\(ocsp.stderr)")

                try await Command.check([script, "resume", cluster])
                var recovered = false
                for _ in 0..<50 where !recovered {
                    recovered = try await server.request("GET", "/readyz", caFile: tls).status == 200
                    if !recovered { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(recovered, "the pool did not reconnect within 10 s")
                let after = try await server.request(
                    "GET", "/api/v1/certificates/\(before["id"] as? String ?? "")", key: try server.adminKey, caFile: tls)
                #expect(after.status == 200, "\(after.text)")
                _ = try await server.issue("after")
                // OCSP answers from memory again: the change-counter reads recovered too.
                let hitsBefore = try await MetricsTests().counters(server, caFile: tls)["ocsp.memory_hit"] ?? 0
                var hit = false
                for _ in 0..<5 where !hit {
                    let again = try await Command.run([
                        "openssl", "ocsp", "-issuer", certctl.caFile.path, "-cert", dir.appendingPathComponent("before.crt").path,
                        "-url", "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", certctl.caFile.path, "-no_nonce",
                    ])
                    #expect(again.stdout.contains("before.crt: good"), "\(again.stdout)\(again.stderr)")
                    hit = try await MetricsTests().counters(server, caFile: tls)["ocsp.memory_hit"] ?? 0 > hitsBefore
                }
                #expect(hit, "memory answers resume after the outage")
            }
        } catch {
            _ = try? await Command.check([script, "stop", cluster])
            throw error
        }
        try await Command.check([script, "stop", cluster])
    }
}

extension PostgresTests {
    /// `sslmode=verify-full&sslrootcert=`: a cluster serving TLS with a certificate from a private CA
    /// is used when certctl is given that CA, and refused with another CA or without TLS verification
    /// passing (`db migrate` connects like `serve`).
    @Test func verifyFullWithACustomCA() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let cluster = dir.appendingPathComponent("pg-tls").path
        let script = Python.packageRoot.appendingPathComponent("scripts/postgres.sh").path
        let admin = try await Command.check([script, "start", cluster]).trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? FileManager.default.removeItem(atPath: cluster) }
        do {
            // A private CA and a server certificate for localhost, and TLS switched on by a reload.
            for (name, subject) in [("ca", "/CN=pg test CA"), ("other-ca", "/CN=another CA")] {
                try await Command.check([
                    "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                    subject, "-keyout", dir.appendingPathComponent("\(name).key").path, "-out",
                    dir.appendingPathComponent("\(name).crt").path,
                ])
            }
            let data = "\(cluster)/data"
            try await Command.check([
                "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
                "-keyout", "\(data)/server.key", "-out", dir.appendingPathComponent("server.csr").path,
            ])
            let extensions = dir.appendingPathComponent("ext.cnf")
            try "subjectAltName=DNS:localhost\n".write(to: extensions, atomically: true, encoding: .utf8)
            try await Command.check([
                "openssl", "x509", "-req", "-in", dir.appendingPathComponent("server.csr").path, "-CA",
                dir.appendingPathComponent("ca.crt").path,
                "-CAkey", dir.appendingPathComponent("ca.key").path, "-CAcreateserial", "-days", "2", "-extfile", extensions.path, "-out",
                "\(data)/server.crt",
            ])
            if getuid() == 0 { try await Command.check(["chown", "postgres", "\(data)/server.key", "\(data)/server.crt"]) }
            try await Command.check(["chmod", "600", "\(data)/server.key"])
            try await Command.check(["psql", admin, "-Atqc", "ALTER SYSTEM SET ssl = on"])
            try await Command.check(["psql", admin, "-Atqc", "SELECT pg_reload_conf()"])
            try await Task.sleep(for: .milliseconds(500))

            let port = try String(contentsOfFile: "\(cluster)/port", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            func migrate(_ query: String) async throws -> CommandResult {
                try await certctl.run(
                    ["db", "migrate"], environment: ["CERTCTL_DATABASE_URL": "postgres://postgres@localhost:\(port)/postgres?\(query)"])
            }
            let ca = dir.appendingPathComponent("ca.crt").path
            let verified = try await migrate("sslmode=verify-full&sslrootcert=\(ca)")
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let other = try await migrate("sslmode=verify-full&sslrootcert=\(dir.appendingPathComponent("other-ca.crt").path)")
            #expect(other.status != 0, "\(other.stdout)")
            // The system trust store does not know the private CA either.
            #expect(try await migrate("sslmode=require").status != 0)
            // sslrootcert with a mode that does not verify is a configuration error, not a silent downgrade.
            let prefer = try await migrate("sslmode=prefer&sslrootcert=\(ca)")
            #expect(prefer.status != 0 && prefer.stderr.contains("sslrootcert needs sslmode=require or verify-full"), "\(prefer.stderr)")
        } catch {
            _ = try? await Command.check([script, "stop", cluster])
            throw error
        }
        try await Command.check([script, "stop", cluster])
    }
}
