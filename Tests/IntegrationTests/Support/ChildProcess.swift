import ConnectorSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The tests start every external program with the product's own launcher (``ChildProcess``, a
/// `posix_spawn` wrapper; not `Foundation.Process`, whose exit detection breaks when another
/// child inherits its socket), through these conveniences.
extension ChildProcess {
    /// Runs `arguments[0]` through `/usr/bin/env` (so `PATH` comes from `environment`), its standard
    /// streams redirected to files.
    convenience init(
        _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil, stdin: URL? = nil, stdout: URL, stderr: URL,
        appendOutput: Bool = false
    ) throws {
        try self.init(
            executable: "/usr/bin/env", arguments: arguments, environment: environment ?? ProcessInfo.processInfo.environment,
            directory: directory, standardInput: stdin.map { .file($0) } ?? .null, standardOutput: .file(stdout, append: appendOutput),
            standardError: .file(stderr, append: appendOutput))
    }

    /// The exit status, or the number of the signal that ended it, once it has ended.
    var exitStatus: Int32? {
        switch termination {
        case .exited(let status): status
        case .signaled(let signal): signal
        case nil: nil
        }
    }

    /// Waits for the exit; after `timeout` the child is killed (and then reaped).
    @discardableResult
    func wait(timeout: Duration = .seconds(120)) async -> Int32 {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = await self.wait()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            if await group.next() == false { signal(SIGKILL) }
            group.cancelAll()
        }
        return exitStatus ?? -1
    }
}
