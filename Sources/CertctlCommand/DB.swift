import ArgumentParser
import Foundation
import Host

/// `certctl db …`: database maintenance on the configured database.
struct DB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Database maintenance (the database of CERTCTL_DATABASE_URL or the config file).",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the schema, then exit. `serve` does the same on start; several instances starting at once "
                + "apply each migration once (PostgreSQL advisory lock)."
        )
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            do {
                try await HostRuntime.withStorage(configuration) { storage in try await storage.ping() }
            } catch {
                throw CLIError(error)
            }
            print("The schema of \(configuration.database.redacted) is up to date.")
        }
    }
}
