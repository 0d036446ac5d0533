import Foundation
import Testing

/// docs/api/openapi.yaml is the contract: the live server is fuzzed against it, and every operation
/// is called with every role to check its `x-certctl-roles`.
@Suite struct OpenAPIConformanceTests {
    static let spec = Python.packageRoot.appendingPathComponent("docs/api/openapi.yaml")
    static let fixtures = Python.packageRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures")

    /// One operation of the spec: method, path template, roles (`nil` for a public route).
    struct Operation: Sendable, CustomStringConvertible {
        var method: String
        var path: String
        var roles: [String]?
        var description: String { "\(method) \(path)" }
    }

    static func operations() async throws -> [Operation] {
        let program = """
            import json, sys, yaml
            spec = yaml.safe_load(open(sys.argv[1]))
            out = []
            for path, item in spec["paths"].items():
                for method, op in item.items():
                    if method in ("get", "head", "post", "put", "patch", "delete"):
                        # Public: no security, or a key optional (`{}` among the alternatives).
                        public = op.get("security") == [] or {} in op.get("security", [None])
                        out.append({"method": method.upper(), "path": path, "roles": None if public else op["x-certctl-roles"]})
            print(json.dumps(out))
            """
        let result = try await Python.inline(program, [spec.path])
        guard result.status == 0, let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw TestFailure("reading the spec: \(result.stderr)")
        }
        return list.map {
            Operation(method: $0["method"] as? String ?? "", path: $0["path"] as? String ?? "", roles: $0["roles"] as? [String])
        }
    }

    /// schemathesis, every check and phase (examples, coverage, fuzzing, stateful), against a live
    /// server: an undeclared status or content type, a 5xx, a schema-valid request refused or a
    /// schema-violating one accepted, or 404 instead of 405 fails the test.
    @Test func theLiveServerConformsToTheSchemaUnderFuzzing() async throws {
        let certctl = try Certctl()
        let limits = ["CERTCTL_CERT_EXPORT_RATE_LIMIT_PER_ACTOR_HR": "0", "CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN": "0"]
        try await ServerProcess.with(certctl, environment: limits) { server in
            let st = URL(fileURLWithPath: Python.interpreter).deletingLastPathComponent().appendingPathComponent("st").path
            var environment = ProcessInfo.processInfo.environment
            environment["PYTHONPATH"] = Self.fixtures.path
            environment["SCHEMATHESIS_HOOKS"] = "schemathesis_hooks"
            let run = try await Command.run(
                [
                    st, "--config-file", Self.fixtures.appendingPathComponent("schemathesis.toml").path, "run", Self.spec.path,
                    "--url", server.baseURL, "--tls-verify", "false", "-H", "Authorization: Bearer \(try server.adminKey)",
                    "--max-examples", "25", "--seed", "20261205", "--no-color",
                ], environment: environment, directory: certctl.directory)
            #expect(run.status == 0, "\(run.stdout.suffix(6_000))\(run.stderr.suffix(2_000))")
            let count = try await Self.operations().count
            #expect(run.stdout.contains("Tested: \(count)"), "every operation is exercised: \(run.stdout.suffix(2_000))")
        }
    }

    /// Every operation × {no key, admin, operator, client, auditor}: a role the operation lists is
    /// never 401/403; any other is 403; no key is 401 (public routes excepted). A client key
    /// reaching another key's certificate gets 404.
    @Test func authorizationMatrixOverEveryOperation() async throws {
        // HEAD (ACME's new-nonce, public) has no body to judge; the fuzz run covers it.
        let operations = try await Self.operations().filter { $0.method != "HEAD" }
        #expect(operations.count >= 21, "\(operations)")
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let admin = try server.adminKey
            var keys: [String: String] = ["admin": admin]
            for role in ["operator", "client", "auditor"] {
                let created = try await server.request("POST", "/api/v1/admin/keys", key: admin, json: ["name": role, "role": role])
                #expect(created.status == 201, "\(created.text)")
                keys[role] = try #require(try created.json()["key"] as? String)
            }
            let victim = try #require(
                try await server.request("POST", "/api/v1/admin/keys", key: admin, json: ["name": "victim", "role": "client"]).json()["id"]
                    as? String)
            let certificate = try await server.issue("matrix")
            let certificateID = try #require(certificate["id"] as? String)
            let serial = try #require(certificate["serial"] as? String)
            let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: "m", san: "DNS:m.example.test")

            func path(_ template: String) -> String {
                template.replacingOccurrences(of: "{issuer_id}", with: "iss-local")
                    .replacingOccurrences(of: "{request}", with: serial)
                    .replacingOccurrences(of: "{token}", with: "no-such-token")
                    .replacingOccurrences(of: "{id}", with: template.hasPrefix("/api/v1/admin/keys") ? victim : certificateID)
            }
            func body(_ operation: Operation) -> Any? {
                switch (operation.method, operation.path) {
                case ("POST", "/api/v1/certificates"): ["csr_pem": csr]
                case ("POST", "/api/v1/certificates/{id}/revoke"): ["reason": "superseded"]
                case ("POST", "/api/v1/certificates/{id}/export/pkcs12"): ["password": "x"]
                case ("POST", "/api/v1/admin/keys"): ["name": "made-in-matrix", "role": "client"]
                case ("PATCH", "/api/v1/admin/keys/{id}"): ["expires_at": NSNull()]
                default: nil
                }
            }
            func call(_ operation: Operation, key: String?) async throws -> Int {
                if operation.path.hasPrefix("/.well-known/acme-challenge/") {
                    // Served on the plain-HTTP listener only.
                    let result = try await Command.run([
                        "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server.pkiBaseURL + path(operation.path),
                    ])
                    return Int(result.stdout) ?? -1
                }
                return try await server.request(operation.method, path(operation.path), key: key, json: body(operation)).status
            }

            // Admin last: its revocations must not hide what the other roles may do.
            for role in ["operator", "client", "auditor", "admin"] {
                for operation in operations {
                    let status = try await call(operation, key: keys[role])
                    guard let roles = operation.roles else {
                        #expect(![401, 403].contains(status), "\(role) \(operation): \(status)")
                        continue
                    }
                    if !roles.contains(role) {
                        #expect(status == 403, "\(role) \(operation): \(status), expected 403")
                    } else if role == "client" && operation.path.hasPrefix("/api/v1/certificates/{id}") {
                        #expect(status == 404, "client \(operation) on another key's certificate: \(status), expected 404")
                    } else {
                        #expect(![401, 403].contains(status), "\(role) \(operation): \(status)")
                    }
                }
            }
            for operation in operations where operation.roles != nil {
                #expect(try await call(operation, key: nil) == 401, "no key: \(operation)")
            }
        }
    }
}
