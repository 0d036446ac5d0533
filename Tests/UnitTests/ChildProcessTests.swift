import ConnectorSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The product's child-process launcher (plugins, DNS hooks, and every program the tests run).
@Suite struct ChildProcessTests {
    func sh(
        _ script: String, environment: [String: String] = ["PATH": "/usr/bin:/bin"], directory: URL? = nil,
        stdout: ChildProcess.Stream = .null, stderr: ChildProcess.Stream = .null, stdin: ChildProcess.Stream = .null
    ) throws -> ChildProcess {
        try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", script], environment: environment, directory: directory, standardInput: stdin,
            standardOutput: stdout, standardError: stderr)
    }

    @Test func exitStatusesAndSignalsAreReportedOnce() async throws {
        #expect(try await sh("exit 7").wait() == .exited(7))
        let sleeper = try sh("sleep 30")
        #expect(sleeper.termination == nil && sleeper.isRunning)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.wait() == .signaled(SIGTERM))
        #expect(sleeper.termination == .signaled(SIGTERM), "the status is kept once collected")
        #expect("\(ChildProcess.Termination.exited(3))" == "exited with status 3")
        #expect("\(ChildProcess.Termination.signaled(9))" == "was killed by signal 9")
    }

    @Test func everyObserverHearsOfTheExitAndLateObserversAtOnce() async throws {
        let child = try sh("sleep 0.2; exit 4")
        let heard = Mutex<[ChildProcess.Termination]>([])
        for _ in 0..<3 { child.onExit { termination in heard.withLock { $0.append(termination) } } }
        #expect(await child.wait() == .exited(4))
        for _ in 0..<50 where heard.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(heard.withLock { $0 } == [.exited(4), .exited(4), .exited(4)])
        child.onExit { termination in heard.withLock { $0.append(termination) } }
        #expect(heard.withLock { $0.count } == 4, "an observer added after the exit is called at once")
    }

    @Test func theChildGetsExactlyItsEnvironmentDirectoryAndStandardStreams() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        // An open descriptor of this process (not close-on-exec) must not reach the child.
        let leaked = open(directory.appendingPathComponent("leak").path, O_CREAT | O_WRONLY, 0o600)
        defer { close(leaked) }
        let child = try sh(
            "pwd; env | sort; ls /proc/self/fd | sort -n | tr '\\n' ' '; echo oops >&2",
            environment: ["PATH": "/usr/bin:/bin", "ONLY": "this"],
            directory: directory, stdout: .file(output), stderr: .capture)
        #expect(await child.wait() == .exited(0))
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == directory.path)
        #expect(lines.contains("ONLY=this") && !lines.contains { $0.hasPrefix("HOME=") }, "\(lines)")
        // 0, 1, 2, and the descriptor `ls` opens to read /proc/self/fd: nothing inherited beyond 2.
        #expect(lines.last?.split(separator: " ").compactMap { Int($0) }.filter { $0 > 2 }.count == 1, "\(lines.last ?? "")")
        #expect(String(decoding: child.captured(2), as: UTF8.self) == "oops\n")
    }

    @Test func pipesCarryInputAndOutput() async throws {
        let child = try sh("read line; echo \"got $line\"", stdout: .pipe, stdin: .pipe)
        let input = try #require(child.standardInput)
        let output = try #require(child.standardOutput)
        _ = Array("hello\n".utf8).withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
        close(input)
        #expect(await child.wait() == .exited(0))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
        close(output)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "got hello\n")
    }

    @Test func aMissingExecutableIsAnErrorNamingIt() {
        #expect(throws: ChildProcess.SpawnError.self) {
            try ChildProcess(executable: "/nonexistent/tool", arguments: [], environment: [:])
        }
    }
}
