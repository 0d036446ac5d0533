import ConnectorSupport
import Foundation

/// Runs external programs (the `certctl` binary, `openssl`, `curl`) without blocking the
/// cooperative thread pool. Output goes to temporary files, so large outputs cannot deadlock a pipe.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The last non-empty stdout line.
    var lastLine: String { stdout.split(separator: "\n").last.map(String.init) ?? "" }
}

enum Command {
    /// Runs `arguments[0]` (looked up in PATH unless it is a path) to completion.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, stdin: String? = nil, directory: URL? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        let input = scratch.appendingPathComponent("in")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        _ = FileManager.default.createFile(atPath: input.path, contents: Data((stdin ?? "").utf8))

        let child = try ChildProcess(arguments, environment: environment, directory: directory, stdin: input, stdout: out, stderr: err)
        let status = await child.wait(timeout: timeout)
        return CommandResult(
            status: status,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        )
    }

    /// Runs a command that must succeed; returns stdout.
    @discardableResult
    static func check(_ arguments: [String], directory: URL? = nil, stdin: String? = nil) async throws -> String {
        let result = try await run(arguments, stdin: stdin, directory: directory)
        guard result.status == 0 else {
            throw TestFailure("\(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
