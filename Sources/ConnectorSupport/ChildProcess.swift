import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process started with `posix_spawn`: only its three standard streams are inherited
/// (every other descriptor is closed in the child), signals start at their defaults, and the exit
/// is collected with `waitpid` by this object only.
///
/// Not `Foundation.Process`: on Linux that notices a child's exit through a socket the child
/// inherits, and a process spawned concurrently inherits that socket too, so one child's exit can
/// go unnoticed while another runs (swiftlang/swift-corelibs-foundation#4795). Used for plugins
/// (`type: external`), ACME DNS hooks and, in the tests, every external program.
///
/// The pid is signalled only while the child is not yet reaped, so a signal can never reach an
/// unrelated process that was given the same pid later.
public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file: read for standard input; created (mode 0644) for output, truncated unless `append`.
        case file(URL, append: Bool = false)
        /// A pipe whose other end this object holds (``standardInput``, ``standardOutput``, ``standardError``).
        case pipe
        /// Output kept in an unnamed temporary file, read with ``captured(_:limit:)`` (output only).
        case capture
    }

    /// How the child ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        init(waitStatus raw: Int32) {
            let signal = raw & 0x7f
            self = signal == 0 ? .exited((raw >> 8) & 0xff) : .signaled(signal)
        }

        /// `exited with status N` or `was killed by signal N`.
        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .signaled(let signal): "was killed by signal \(signal)"
            }
        }
    }

    /// Why a child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    private struct State {
        var termination: Termination?
        var observers: [@Sendable (Termination) -> Void] = []
        var watching = false
    }

    public let pid: pid_t
    /// This side of the pipes the child was given (`nil` unless that stream is ``Stream/pipe``):
    /// write the child's input here, read its output there. The owner closes them.
    public let standardInput: Int32?
    public let standardOutput: Int32?
    public let standardError: Int32?
    private let capturedOutput: Int32?
    private let capturedError: Int32?
    private let state = Mutex(State())

    /// The host's variables an operator-configured child (a plugin, a hook script) inherits: only
    /// PATH, HOME, LANG and TZ, so database URLs and other host secrets never reach it. Callers add
    /// the child's own variables to it.
    public static var inheritedEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TZ"].contains($0.key) }
    }

    /// Starts `executable` (an absolute path) with `arguments` (not including `argv[0]`, which is
    /// the executable's path) and exactly `environment`.
    public init(
        executable: String, arguments: [String], environment: [String: String], directory: URL? = nil,
        standardInput stdin: Stream = .null, standardOutput stdout: Stream = .null, standardError stderr: Stream = .null
    ) throws {
        var plumbing = Plumbing()
        defer { plumbing.closeChildEnds() }
        do {
            let input = try plumbing.prepare(stdin, for: 0)
            let output = try plumbing.prepare(stdout, for: 1)
            let error = try plumbing.prepare(stderr, for: 2)
            pid = try Self.spawn(executable, arguments, environment, directory, plumbing)
            standardInput = input.pipe
            standardOutput = output.pipe
            standardError = error.pipe
            capturedOutput = output.capture
            capturedError = error.capture
        } catch {
            plumbing.closeParentEnds()
            throw error
        }
    }

    deinit {
        for fd in [capturedOutput, capturedError].compactMap({ $0 }) { close(fd) }
    }

    // MARK: Exit

    /// How the child ended, or `nil` while it runs (never blocks).
    public var termination: Termination? {
        reapIfEnded()
        return state.withLock { $0.termination }
    }

    public var isRunning: Bool { termination == nil }

    /// Waits for the child to end, without blocking a Swift concurrency thread.
    @discardableResult
    public func wait() async -> Termination {
        await withCheckedContinuation { continuation in onExit { continuation.resume(returning: $0) } }
    }

    /// Calls `body` once with how the child ended: at once when it already has, else from the
    /// thread that waits for it (a dedicated thread waiting in `waitid`, started on first use).
    public func onExit(_ body: @escaping @Sendable (Termination) -> Void) {
        let (ended, startWatching) = state.withLock { state -> (Termination?, Bool) in
            if let termination = state.termination { return (termination, false) }
            state.observers.append(body)
            defer { state.watching = true }
            return (nil, !state.watching)
        }
        if let ended { body(ended) }
        if startWatching { Thread.detachNewThread { [self] in watch() } }
    }

    /// Sends `signal` unless the child has already been reaped.
    public func signal(_ signal: Int32) {
        state.withLock { state in
            if state.termination == nil { _ = kill(pid, signal) }
        }
    }

    /// Up to `limit` bytes of an output that was ``Stream/capture``d (`1` stdout, `2` stderr).
    public func captured(_ stream: Int32, limit: Int = 65_536) -> [UInt8] {
        guard let fd = stream == 1 ? capturedOutput : stream == 2 ? capturedError : nil else { return [] }
        var bytes = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + total, limit - total, off_t(total)) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            total += count
        }
        return Array(bytes.prefix(total))
    }

    /// Blocks this (dedicated) thread until the child has ended, without reaping it, then reaps it.
    private func watch() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        reapIfEnded()
    }

    /// Collects the exit status when the child has ended; whoever collects it tells the observers.
    private func reapIfEnded() {
        let (ended, observers) = state.withLock { state -> (Termination?, [@Sendable (Termination) -> Void]) in
            guard state.termination == nil else { return (nil, []) }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return (nil, []) }
            let termination = Termination(waitStatus: raw)
            state.termination = termination
            defer { state.observers = [] }
            return (termination, state.observers)
        }
        if let ended { for observer in observers { observer(ended) } }
    }
}

extension ChildProcess {
    /// The descriptors of one spawn: what the child gets, and what this side keeps.
    fileprivate struct Plumbing {
        var actions: [(fd: Int32, target: Int32)] = []
        var opens: [(target: Int32, path: String, flags: Int32)] = []
        var childEnds: [Int32] = []
        var parentEnds: [Int32] = []

        /// Arranges `stream` as the child's descriptor `target`; returns this side's pipe end or
        /// capture file.
        mutating func prepare(_ stream: Stream, for target: Int32) throws -> (pipe: Int32?, capture: Int32?) {
            switch stream {
            case .null:
                opens.append((target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY))
                return (nil, nil)
            case .file(let url, let append):
                let flags = target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
                opens.append((target, url.path, flags))
                return (nil, nil)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
                // Close-on-exec here; children of this launcher get nothing above 2 anyway.
                for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let (child, parent) = target == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                childEnds.append(child)
                parentEnds.append(parent)
                actions.append((child, target))
                return (parent, nil)
            case .capture:
                var template = Array("\(NSTemporaryDirectory())/certctl-capture-XXXXXX".utf8CString)
                let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
                guard fd >= 0 else { throw SpawnError(description: "temporary file: \(String(cString: strerror(errno)))") }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                parentEnds.append(fd)
                actions.append((fd, target))
                return (nil, fd)
            }
        }

        func closeChildEnds() { for fd in childEnds { close(fd) } }
        func closeParentEnds() { for fd in parentEnds { close(fd) } }
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String: String], _ directory: URL?, _ plumbing: Plumbing
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for open in plumbing.opens { posix_spawn_file_actions_addopen(&actions, open.target, open.path, open.flags, 0o644) }
        // dup2 clears close-on-exec on the target; the originals close with everything above 2.
        for action in plumbing.actions { posix_spawn_file_actions_adddup2(&actions, action.fd, action.target) }
        if let directory {
            guard let addChdir = SpawnExtensions.addChdir else {
                throw SpawnError(description: "this C library cannot set a child's working directory")
            }
            _ = addChdir(&actions, directory.path)
        }
        _ = SpawnExtensions.addClosefrom.map { $0(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling and nothing blocked, whatever this thread has.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
        return pid
    }
}

/// glibc ≥ 2.34 has both, but Swift's Glibc module does not declare the `_np` spawn actions.
private enum SpawnExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    static let addChdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    static let addClosefrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddClosefrom.self) }
}
