import ConnectorAPI
import Foundation

/// Runs an operator script with a deadline, capturing the first line of its stderr for errors.
enum HookProcess {
    enum Result: Equatable {
        case exited(Int32, String)
        case timedOut
    }

    static func run(_ executable: URL, arguments: [String], environment: [String: String], deadline: ContinuousClock.Instant)
        async throws -> Result
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        let (exits, exited) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { finished in
            exited.yield(finished.terminationStatus)
            exited.finish()
        }
        do {
            try process.run()
        } catch {
            throw ConnectorError(.internalFailure, "cannot start \(executable.path): \(error.localizedDescription)")
        }
        let status: Int32? = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exits { return status }
                return -1
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status else {
            process.terminate()
            return .timedOut
        }
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let firstLine = output.split(separator: "\n").first.map(String.init) ?? ""
        return .exited(status, String(firstLine.prefix(300)))
    }
}
