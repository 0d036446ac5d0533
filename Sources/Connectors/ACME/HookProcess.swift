import ConnectorAPI
import ConnectorSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an operator script with a deadline, capturing the start of its stderr (for the log, not
/// for API clients). The script gets ``ChildProcess/inheritedEnvironment`` plus what the caller
/// passes — never the host's whole environment (`CERTCTL_DATABASE_URL` and its password among it).
enum HookProcess {
    enum Result: Equatable {
        case finished(ChildProcess.Termination, String)
        case timedOut
    }

    static func run(_ executable: URL, arguments: [String], environment: [String: String], deadline: ContinuousClock.Instant)
        async throws -> Result
    {
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: executable.path, arguments: arguments,
                environment: ChildProcess.inheritedEnvironment.merging(environment) { $1 },
                standardError: .capture)
        } catch {
            throw ConnectorError(.internalFailure, "cannot start \(executable.path): \(error)")
        }
        let termination = await withTaskGroup(of: ChildProcess.Termination?.self) { group in
            group.addTask { await process.wait() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            // Past the deadline the script is killed; the group still collects its exit.
            if first == nil { process.signal(SIGKILL) }
            group.cancelAll()
            return first
        }
        guard let termination else { return .timedOut }
        let output = String(decoding: process.captured(2, limit: 4_096), as: UTF8.self)
        let firstLine = output.split(separator: "\n").first.map(String.init) ?? ""
        return .finished(termination, String(firstLine.prefix(300)))
    }
}
