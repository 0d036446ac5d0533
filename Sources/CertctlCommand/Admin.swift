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
            subcommands: [Create.self, List.self, Update.self, Promote.self, Revoke.self]
        )
    }
}

/// Runs `body` with the key service on the configured database (profiles checked against the
/// configuration's).
private func withKeys<T: Sendable>(_ options: ConfigOptions, _ body: (APIKeyService) async throws -> T) async throws -> T {
    let configuration = try options.load()
    do {
        let policy = IssuancePolicy(try IssuancePolicy.Profiles(configuration.profiles, issuers: configuration.effectiveIssuers.map(\.id)))
        return try await HostRuntime.withStorage(configuration) { storage in try await body(APIKeyService(storage: storage, policy: policy))
        }
    } catch let error as CLIError {
        throw error
    } catch {
        throw CLIError(error)
    }
}

extension APIKeyRole: ExpressibleByArgument {}

extension Admin.Keys {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. The key is printed once, alone on the last line of stdout."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "A name for the key (who or what uses it).") var name: String
        @Option(help: "admin, operator, client or auditor (default: client).") var role: APIKeyRole?
        @Flag(help: "Same as --role admin.") var admin = false
        @Option(name: .customLong("profile"), help: "A profile the key issues through (repeatable; operator and client keys).")
        var profiles: [String] = []
        @Option(help: "Expiry: a duration such as 90d or 12h, or an RFC 3339 time.") var expires: String?

        func validate() throws {
            if admin, let role, role != .admin { throw ValidationError("--admin contradicts --role \(role.rawValue)") }
        }

        func run() async throws {
            let role = admin ? .admin : role ?? .client
            let (record, token) = try await withKeys(options) { keys in
                try await keys.create(
                    name: name, role: role, profiles: profiles, expiresAt: try expires.map { try APIKeyService.expiry($0) }, actor: "cli")
            }
            print("Created API key \(record.id) (\(record.name), \(record.role.rawValue)\(Self.describe(record))). It is shown only once:")
            print(token)
        }

        static func describe(_ key: APIKeyRecord) -> String {
            var parts: [String] = []
            if key.role.usesProfiles { parts.append("profiles: \(key.profiles.isEmpty ? "none" : key.profiles.joined(separator: ","))") }
            if let expires = key.expiresAt { parts.append("expires \(expires.rfc3339)") }
            return parts.isEmpty ? "" : "; " + parts.joined(separator: "; ")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (ids, names, roles; secrets are never stored).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let list = try await withKeys(options) { keys in try await keys.list() }
            print(["ID", "NAME", "ROLE", "PROFILES", "CREATED", "EXPIRES", "REVOKED"].joined(separator: "\t"))
            for key in list {
                print(
                    [
                        key.id, key.name, key.role.rawValue, key.profiles.isEmpty ? "-" : key.profiles.joined(separator: ","),
                        key.createdAt.rfc3339, key.expiresAt?.rfc3339 ?? "-", key.revokedAt?.rfc3339 ?? "-",
                    ].joined(separator: "\t"))
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an API key's role, profiles or expiry (audited).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key id (first column of `list`).") var keyID: String
        @Option(help: "The new role.") var role: APIKeyRole?
        @Option(name: .customLong("profile"), help: "The new profile list (repeatable; replaces the old one).") var profiles: [String] = []
        @Flag(name: .customLong("no-profiles"), help: "Remove every profile.") var noProfiles = false
        @Option(help: "New expiry: a duration such as 90d, an RFC 3339 time, or 'never'.") var expires: String?

        func run() async throws {
            var change = APIKeyChange(role: role)
            if noProfiles { change.profiles = [] } else if !profiles.isEmpty { change.profiles = profiles }
            if let expires { change.expiresAt = expires == "never" ? .some(nil) : .some(try APIKeyService.expiry(expires)) }
            guard change != APIKeyChange() else {
                throw ValidationError("nothing to change: give --role, --profile, --no-profiles or --expires")
            }
            let key = try await withKeys(options) { keys in try await keys.update(id: keyID, change, actor: "cli") }
            print("API key \(key.id) (\(key.name)) is now \(key.role.rawValue)\(Create.describe(key)).")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an API key an admin key (same as update --role admin).")
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
            _ = try await withKeys(options) { keys in try await keys.revoke(id: keyID, actor: "cli") }
            print("API key \(keyID) is revoked.")
        }
    }
}
