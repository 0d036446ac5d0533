import Foundation
import Testing

/// The throwaway PostgreSQL cluster `scripts/test.sh` starts and names in
/// `CERTCTL_TEST_POSTGRES_URL`. Suites that need it carry
/// `.enabled(if: PostgresCluster.available, PostgresCluster.skipReason)`, so without it they report
/// themselves skipped with the reason (CI always sets it).
enum PostgresCluster {
    static var available: Bool { !(ProcessInfo.processInfo.environment["CERTCTL_TEST_POSTGRES_URL"] ?? "").isEmpty }

    static let skipReason: Comment = "CERTCTL_TEST_POSTGRES_URL is not set (scripts/test.sh starts a throwaway PostgreSQL and sets it)"

    /// The cluster's admin URL.
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["CERTCTL_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestFailure("CERTCTL_TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh")
            }
            return url
        }
    }

    /// A new empty database in the cluster at `admin` (default: the test cluster); returns its URL.
    static func freshDatabase(_ admin: String? = nil) async throws -> String {
        let admin = try admin ?? url
        let name = "certctl_it_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try await Command.check(["psql", admin, "-Atqc", "CREATE DATABASE \(name)"])
        return admin.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }
}
