import Logging
import Synchronization

/// The process-wide log level, changeable while the server runs (SIGHUP re-reads
/// `CERTCTL_LOG_LEVEL`). Handlers made by ``makeHandler(_:)`` read it on every log call.
public final class LogLevelControl: Sendable {
    private static let levels = Logger.Level.allCases
    private let index: Atomic<Int>

    public init(_ level: Logger.Level) {
        index = Atomic(Self.levels.firstIndex(of: level) ?? 0)
    }

    public var level: Logger.Level {
        get { Self.levels[index.load(ordering: .relaxed)] }
        set { index.store(Self.levels.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }

    /// Wraps a handler so its level follows this control.
    public func makeHandler(_ base: some LogHandler) -> some LogHandler {
        ControlledLogHandler(base: base, control: self)
    }
}

/// A log handler whose level is the shared ``LogLevelControl``'s.
struct ControlledLogHandler<Base: LogHandler>: LogHandler {
    var base: Base
    let control: LogLevelControl
    /// Set when code changes one logger's level; only that logger is affected.
    var override: Logger.Level?

    var logLevel: Logger.Level {
        get { override ?? control.level }
        set { override = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        base.log(event: event)
    }
}
