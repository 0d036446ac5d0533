import ArgumentParser
import Foundation
import Host

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Administration on the same database as `serve`.",
        subcommands: [Keys.self]
    )

    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage API keys.",
            subcommands: [Create.self, List.self, Promote.self, Revoke.self]
        )
    }
}

/// Runs `body` with the key service on the configured database.
private func withKeys<T: Sendable>(_ options: ConfigOptions, _ body: (APIKeyService) async throws -> T) async throws -> T {
    let configuration = try options.load()
    do {
        return try await HostRuntime.withStorage(configuration) { storage in try await body(APIKeyService(storage: storage)) }
    } catch let error as CLIError {
        throw error
    } catch {
        throw CLIError(error)
    }
}

extension Admin.Keys {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. The key is printed once, alone on the last line of stdout."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "A name for the key (who or what uses it).") var name: String
        @Flag(help: "Allow admin-only routes.") var admin = false

        func run() async throws {
            let (record, token) = try await withKeys(options) { keys in try await keys.create(name: name, isAdmin: admin, actor: "cli") }
            print("Created API key \(record.id) (\(record.name)\(record.isAdmin ? ", admin" : "")). It is shown only once:")
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (ids and names; secrets are never stored).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let list = try await withKeys(options) { keys in try await keys.list() }
            print(["ID", "NAME", "ADMIN", "CREATED", "REVOKED"].joined(separator: "\t"))
            for key in list {
                print(
                    [key.id, key.name, key.isAdmin ? "yes" : "no", key.createdAt.rfc3339, key.revokedAt?.rfc3339 ?? "-"].joined(
                        separator: "\t"))
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give an API key admin rights.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key id (first column of `list`).") var keyID: String

        func run() async throws {
            try await withKeys(options) { keys in try await keys.promote(id: keyID, actor: "cli") }
            print("API key \(keyID) is now an admin key.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key; it stops working immediately.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key id (first column of `list`).") var keyID: String

        func run() async throws {
            try await withKeys(options) { keys in try await keys.revoke(id: keyID, actor: "cli") }
            print("API key \(keyID) is revoked.")
        }
    }
}
