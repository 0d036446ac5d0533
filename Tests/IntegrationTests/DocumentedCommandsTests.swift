import Foundation
import Testing

/// Every `certctl …` command the README and docs show exists in the binary (`--help` succeeds).
@Suite struct DocumentedCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Subcommand paths (`["admin", "keys", "create"]`) from inline code and fenced blocks.
    static func documentedCommands() throws -> Set<[String]> {
        var files = ["README.md"]
        if let walker = FileManager.default.enumerator(atPath: root.appendingPathComponent("docs").path) {
            files += walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".md") }.map { "docs/\($0)" }
        }
        var commands = Set<[String]>()
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            var snippets: [Substring] = []
            var inFence = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                    inFence.toggle()
                } else if inFence {
                    snippets.append(line)
                } else {
                    snippets += line.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
                        .map(\.element)
                }
            }
            for snippet in snippets {
                let words = snippet.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                for (index, word) in words.enumerated()
                where word == "certctl" && (index == 0 || ["&&", "|", ";", "$"].contains(words[index - 1])) {
                    let path = words[(index + 1)...].prefix { $0.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil }
                    commands.insert(Array(path))
                }
            }
        }
        return commands
    }

    /// The subcommand names `certctl <path> --help` lists (empty for a leaf command).
    static func subcommands(of path: [String], _ certctl: Certctl) async throws -> [String] {
        let help = try await certctl.run(path + ["--help"])
        guard help.status == 0 else { throw TestFailure("certctl \(path) --help: \(help.stderr)") }
        guard let section = help.stdout.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
        return section.split(separator: "\n").compactMap { line in
            line.hasPrefix("  ") && !line.hasPrefix("   ") ? line.split(separator: " ").first.map(String.init) : nil
        }
    }

    @Test func everyDocumentedCommandExists() async throws {
        let commands = try Self.documentedCommands()
        #expect(
            commands.contains(["admin", "keys", "create"]) && commands.contains(["ca", "init"]), "the scan finds commands: \(commands)")
        let certctl = try Certctl()
        var known: [[String]: [String]] = [:]
        for command in commands {
            for depth in 0..<command.count {
                let prefix = Array(command[..<depth])
                if known[prefix] == nil { known[prefix] = try await Self.subcommands(of: prefix, certctl) }
                let names = known[prefix] ?? []
                if names.isEmpty { break }  // a leaf: what follows are its arguments
                #expect(
                    names.contains(command[depth]),
                    "`certctl \(command.joined(separator: " "))` is documented, but `certctl \(prefix.joined(separator: " "))` has no subcommand '\(command[depth])'"
                )
                if !names.contains(command[depth]) { break }
            }
        }
    }
}
