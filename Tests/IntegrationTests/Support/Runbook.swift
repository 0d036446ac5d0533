import Foundation

/// The shell and YAML blocks of `docs/disaster-recovery.md`, each marked `<!-- dr: NAME -->` on the
/// line before its fence, so the tests run exactly what the document tells operators to run.
enum Runbook {
    static var file: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/disaster-recovery.md")
    }

    /// The block's text, with the list indentation it has in the document removed.
    static func block(_ name: String) throws -> String {
        let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        guard let marker = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "<!-- dr: \(name) -->" }),
            marker + 1 < lines.count, lines[marker + 1].trimmingCharacters(in: .whitespaces).hasPrefix("```")
        else { throw TestFailure("docs/disaster-recovery.md has no block '\(name)'") }
        let fence = lines[marker + 1]
        let indent = fence.prefix { $0 == " " }.count
        var body: [String] = []
        for line in lines[(marker + 2)...] {
            if line.trimmingCharacters(in: .whitespaces) == "```" { return body.joined(separator: "\n") + "\n" }
            body.append(String(line.dropFirst(min(indent, line.prefix { $0 == " " }.count))))
        }
        throw TestFailure("block '\(name)' is not closed")
    }

    /// Runs a shell block with `sh -eu`, the certctl binary on PATH, and `variables` set.
    @discardableResult
    static func run(_ name: String, _ certctl: Certctl, _ variables: [String: String] = [:]) async throws -> String {
        let script = try block(name)
        var environment = certctl.environment(variables)
        let bin = URL(fileURLWithPath: Certctl.binary).deletingLastPathComponent().path
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let result = try await Command.run(["sh", "-euc", script], environment: environment, directory: certctl.directory)
        guard result.status == 0 else { throw TestFailure("runbook block '\(name)' exited \(result.status): \(result.stderr)") }
        return result.stdout
    }
}
