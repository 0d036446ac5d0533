import ConnectorAPI
import Foundation
import Hummingbird
import LocalCAConnector
import Logging
import Testing
import Yams

@testable import Host

/// Guards that keep the operator documentation true: the documented variables, routes, tables and
/// columns are the ones the code has, and prose carries no hand-written counts of the code.
@Suite struct DocumentationGuardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every file under `directory` (relative to the package root) whose name ends in `suffix`.
    static func files(under directory: String, suffix: String) -> [String] {
        let base = root.appendingPathComponent(directory)
        guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }.sorted().map { "\(directory)/\($0)" }
    }

    static func matches(_ pattern: String, in text: String, options: NSRegularExpression.Options = []) -> [[String]] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// Markdown without its fenced code blocks (prose only).
    static func prose(_ markdown: String) -> String {
        var inFence = false
        return markdown.components(separatedBy: "\n").filter { line in
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                return false
            }
            return !inFence
        }.joined(separator: "\n")
    }

    // MARK: - CERTCTL_* variables

    @Test func everyVariableInSourcesIsInFeaturesAndViceVersa() throws {
        let variable = "CERTCTL_[A-Z0-9]+(?:_[A-Z0-9]+)*"
        var inSources = Set(HostConfiguration.settingKeys.map { "CERTCTL_" + $0.uppercased() })
        for file in Self.files(under: "Sources", suffix: ".swift") {
            inSources.formUnion(Self.matches(variable, in: try Self.read(file)).map { $0[0] })
        }
        let documented = Set(Self.matches(variable, in: try Self.read("docs/features.md")).map { $0[0] })
        #expect(inSources.subtracting(documented).sorted() == [], "read or set in Sources/ but missing from docs/features.md")
        #expect(documented.subtracting(inSources).sorted() == [], "in docs/features.md but nowhere in Sources/")
        #expect(inSources.contains("CERTCTL_CONFIG") && inSources.contains("CERTCTL_LOG_LEVEL"), "the scan finds variables")
    }

    // MARK: - ConnectorAPI reference

    /// Every `public` declaration of the contract (initialisers included) carries a `///` comment:
    /// it is what connector authors read, in the DocC catalog and in their editor.
    @Test func everyPublicDeclarationOfConnectorAPIIsDocumented() throws {
        var undocumented: [String] = []
        var declarations = 0
        for file in Self.files(under: "Sources/ConnectorAPI", suffix: ".swift") {
            let lines = try Self.read(file).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard code.hasPrefix("public "), !code.hasPrefix("public extension") else { continue }
                declarations += 1
                var previous = index - 1
                while previous >= 0, lines[previous].trimmingCharacters(in: .whitespaces).hasPrefix("@") { previous -= 1 }
                if previous < 0 || !lines[previous].trimmingCharacters(in: .whitespaces).hasPrefix("///") {
                    undocumented.append("\(file):\(index + 1): \(code)")
                }
            }
        }
        #expect(declarations > 50, "the scan finds the public declarations")
        #expect(undocumented == [], "public declarations without a /// comment")
    }

    // MARK: - No hand-written counts

    static let countedNouns =
        "(?:built-in |issuer |connector |test |environment |api |http )?(?:connectors?|connector types|issuer types|types|issuers|tests|suites|endpoints|routes|variables|metrics|counters|labels|tables|migrations|commands|subcommands|features|modules|targets|files)"
    static let numbers = "(?:\\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens? of)"

    /// Finds counts of the project's own things ("12 connectors", "four built-in types").
    static func literalCounts(in markdown: String) -> [String] {
        prose(markdown).components(separatedBy: "\n").filter { !$0.contains("<!-- generated -->") }.flatMap { line in
            matches("\\b\(numbers) \(countedNouns)\\b", in: line, options: [.caseInsensitive]).map { $0[0] }
        }
    }

    @Test func theCountFinderFindsCounts() {
        #expect(Self.literalCounts(in: "certctl ships 12 connectors and four built-in types.") == ["12 connectors", "four built-in types"])
        #expect(Self.literalCounts(in: "```\n3 tests\n```\nup to 10 CertIDs, one admin key") == [])
    }

    @Test func readmeAndDocsCarryNoLiteralCounts() throws {
        for file in ["README.md"] + Self.files(under: "docs", suffix: ".md") {
            #expect(
                Self.literalCounts(in: try Self.read(file)) == [], "\(file): state counts go stale; name the things or generate the number")
        }
    }

    // MARK: - OpenAPI ↔ router

    /// `METHOD /path/{}`: parameters and catch-alls reduced to `{}` so spec and router compare.
    static func normalized(_ method: String, _ path: String) -> String {
        let segments = path.split(separator: "/").map { segment -> String in
            segment.hasPrefix(":") || segment.hasPrefix("{") || segment.hasPrefix("*") ? "{}" : String(segment)
        }
        return method.uppercased() + " /" + segments.joined(separator: "/")
    }

    static func routerRoutes() async throws -> Set<String> {
        let directory = try TestStorage.directory()
        let configuration = try HostConfiguration.development(directory)
        var registry = ConnectorRegistry()
        registry.register(LocalCAConnector.self)
        return try await HostRuntime.withStorage(configuration) { storage in
            let issuers = try await HostRuntime.loadIssuers(configuration, registry: registry, storage: storage, logger: Logger(label: "t"))
            let host = try HostApplication(
                configuration: configuration, storage: storage, issuers: issuers, challenges: HTTPChallengeResponses(),
                logger: Logger(label: "t"))
            let routes = host.apiRouter().routes + host.pkiRouter().routes
            return Set(routes.map { normalized($0.method.rawValue, $0.path.description) })
        }
    }

    static func specRoutes() throws -> Set<String> {
        let spec = try #require(try Yams.load(yaml: try read("docs/api/openapi.yaml")) as? [String: Any])
        #expect(spec["openapi"] as? String == "3.1.0")
        let paths = try #require(spec["paths"] as? [String: Any])
        var routes = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "head", "post", "put", "patch", "delete"].contains(method) {
                routes.insert(normalized(method, path))
            }
        }
        return routes
    }

    @Test func openAPIListsExactlyTheRoutesTheServerRegisters() async throws {
        let served = try await Self.routerRoutes()
        let specified = try Self.specRoutes()
        #expect(served.contains("POST /api/v1/certificates") && served.contains("GET /.well-known/pki/ocsp/{}/{}"), "\(served)")
        #expect(served.subtracting(specified).sorted() == [], "routes missing from docs/api/openapi.yaml")
        #expect(specified.subtracting(served).sorted() == [], "routes in docs/api/openapi.yaml the server does not have")
    }

    // MARK: - Tables, columns and SQL named in the docs

    /// SQL in the docs' shell blocks (`sqlite3 … "…"`, `psql … -c "…"`) and every `` `name` table``.
    static func documentedSQL() throws -> (statements: [String], tables: Set<String>) {
        var statements: [String] = []
        var tables = Set<String>()
        for file in ["README.md"] + Self.files(under: "docs", suffix: ".md") {
            let text = try Self.read(file)
            statements += Self.matches("\"((?:SELECT|DELETE|UPDATE|INSERT)\\b[^\"]*)\"", in: text).map { $0[1] }
            tables.formUnion(
                Self.matches("`([a-z_]+)` table\\b|\\btable `([a-z_]+)`", in: text).flatMap { $0.dropFirst() }.filter { !$0.isEmpty })
        }
        return (statements, tables)
    }

    @Test func everyDocumentedStatementAndTableExistsInTheSchema() async throws {
        let (statements, tables) = try Self.documentedSQL()
        #expect(statements.count > 0 && statements.contains { $0.contains("crl_cache") }, "the scan finds the runbook's SQL")
        let storage = try await SQLiteStorage.migrated()
        try await storage.withConnection { db in
            // PostgreSQL-only tables (the OCSP change counter) count as existing too.
            let postgresOnly = PostgresSchema.migrations.flatMap(\.sql).flatMap {
                Self.matches("CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)", in: $0).map { $0[1] }
            }
            let existing = Set(try db.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.string("name") })
                .union(postgresOnly)
            #expect(tables.subtracting(existing).sorted() == [], "tables named in docs that the schema does not have")
            for statement in statements {
                // EXPLAIN compiles the statement against the real schema without running it.
                #expect(throws: Never.self, "\(statement)") { try db.query("EXPLAIN " + statement) }
            }
        }
    }
}
