import Foundation
import Testing

/// `certctl serve` on an empty data directory, then again on the same one.
@Suite struct BootstrapTests {
    /// Without `--print-admin-key` and without a terminal (a service manager's journal), the
    /// bootstrapped key is written to its file only; stdout says where.
    @Test func theAdminKeyIsNotPrintedToANonTerminal() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let key = try server.adminKey
            #expect(key.hasPrefix("ck_"))
            #expect(!server.stdout.contains(key) && !server.stderr.contains(key), "\(server.stdout)")
            #expect(server.stdout.contains("admin-api-key") && server.stdout.contains("--print-admin-key"), "\(server.stdout)")
            #expect(try await server.request("GET", "/api/v1/issuers", key: key).status == 200)
        }
    }

    @Test func firstStartBootstrapsAndASecondStartReusesEverything() async throws {
        let certctl = try Certctl()
        let keyFile = certctl.dataDirectory.appendingPathComponent("admin-api-key")

        let (adminKey, certificateID, caPEM) = try await ServerProcess.with(certctl, arguments: ["--print-admin-key"]) { server in
            // Asked for: the admin key is printed once, alone on the last stdout line, and stored 0600.
            let printed = server.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(printed.hasPrefix("ck_"))
            #expect(try server.adminKey == printed)
            let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let caKeyMode =
                try FileManager.default.attributesOfItem(
                    atPath: certctl.dataDirectory.appendingPathComponent("ca/iss-local.key").path
                )[.posixPermissions] as? Int
            #expect(caKeyMode == 0o600)

            // The TLS certificate chains to iss-local for both names; TLS 1.2 is refused.
            for host in ["127.0.0.1", "localhost"] {
                let ok = try await Command.run([
                    "curl", "-s", "--cacert", certctl.caFile.path, "https://\(host):\(server.port)/healthz",
                ])
                #expect(ok.status == 0, "\(host): \(ok.stderr)")
            }
            let tls12 = try await Command.run([
                "curl", "-s", "--cacert", certctl.caFile.path, "--tls-max", "1.2", "\(server.baseURL)/healthz",
            ])
            #expect(tls12.status != 0)
            let readyz = try await server.request("GET", "/readyz")
            #expect(readyz.status == 200)

            let issuers = try await server.request("GET", "/api/v1/issuers", key: printed).json()
            let list = try #require(issuers["issuers"] as? [[String: Any]])
            #expect(list.count == 1)
            #expect(list.first?["id"] as? String == "iss-local")
            #expect(list.first?["type"] as? String == "local")
            let caPEM = try #require(list.first?["ca_certificate_pem"] as? String)
            #expect(caPEM == (try String(contentsOf: certctl.caFile, encoding: .utf8)))

            let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: "leaf")
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: printed, json: ["issuer_id": "iss-local", "csr_pem": csr])
            #expect(issued.status == 201)
            return (printed, try #require(try issued.json()["id"] as? String), caPEM)
        }

        let tlsFile = certctl.dataDirectory.appendingPathComponent("tls/server.crt")
        let firstTLS = try String(contentsOf: tlsFile, encoding: .utf8)
        try await ServerProcess.with(certctl) { server in
            #expect(!server.stdout.contains("ck_"), "the admin key must be printed only on the first start")
            #expect(try String(contentsOf: tlsFile, encoding: .utf8) == firstTLS, "the TLS certificate must be reused")
            #expect(try server.adminKey == adminKey)
            let issuers = try await server.request("GET", "/api/v1/issuers", key: adminKey).json()
            #expect((issuers["issuers"] as? [[String: Any]])?.first?["ca_certificate_pem"] as? String == caPEM)
            let fetched = try await server.request("GET", "/api/v1/certificates/\(certificateID)", key: adminKey)
            #expect(fetched.status == 200)
            let audit = try await server.request("GET", "/api/v1/audit", key: adminKey).json()
            let actions = (audit["events"] as? [[String: Any]])?.compactMap { $0["action"] as? String } ?? []
            #expect(actions.filter { $0 == "api_key_created" }.count == 1)
            #expect(actions.contains("ca_initialized"))
        }
    }

    @Test func sigtermStopsTheServerGracefully() async throws {
        let server = try await ServerProcess(try Certctl())
        #expect(await server.stop() == 0)
        #expect(server.stderr.contains("stopped"))
    }
}
