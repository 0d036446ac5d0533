import Foundation

/// A plugin's output cut into lines: bytes as they arrive from the pipe in, complete lines (without
/// their `\n`) out, in order. The unfinished line is kept for the next read; past
/// ``PluginProtocol/maxLineBytes`` the plugin is breaking the protocol (``overflowed``).
struct PluginLineBuffer {
    private var pending: [UInt8] = []

    /// Adds `bytes` and returns the lines they complete.
    mutating func append(_ bytes: some Collection<UInt8>) -> [Data] {
        var lines: [Data] = []
        var start = pending.count
        pending.append(contentsOf: bytes)
        var lineStart = 0
        while let newline = pending[start...].firstIndex(of: 0x0A) {
            lines.append(Data(pending[lineStart..<newline]))
            lineStart = newline + 1
            start = lineStart
        }
        if lineStart > 0 { pending.removeFirst(lineStart) }
        return lines
    }

    /// Whether the unfinished line is longer than a plugin may write.
    var overflowed: Bool { pending.count > PluginProtocol.maxLineBytes }
}
