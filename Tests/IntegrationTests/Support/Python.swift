import Foundation

/// Python with `cryptography` (the venv `scripts/install-deps.sh` makes).
enum Python {
    static var interpreter: String {
        if let path = ProcessInfo.processInfo.environment["CERTCTL_PYTHON"], !path.isEmpty { return path }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.fileExists(atPath: venv) ? venv : "python3"
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs `Tests/IntegrationTests/Python/<script>` with `arguments`.
    static func run(_ script: String, _ arguments: [String]) async throws -> CommandResult {
        let path = packageRoot.appendingPathComponent("Tests/IntegrationTests/Python/\(script)").path
        return try await Command.run([interpreter, path] + arguments)
    }

    /// Runs an inline program with `arguments` in `sys.argv[1:]`.
    static func inline(_ program: String, _ arguments: [String] = []) async throws -> CommandResult {
        try await Command.run([interpreter, "-c", program] + arguments)
    }
}
