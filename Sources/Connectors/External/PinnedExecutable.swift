import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An executable opened and hashed by ``ExternalOptions/openPinned(issuerID:)``, executed through
/// its descriptor: `/proc/<certctl's pid>/fd/<n>` names the open file itself, not a path that can be
/// swapped between the check and the start. The descriptor stays open while the plugin runs (a
/// script's interpreter opens it by that name after the start).
final class PinnedExecutable: Sendable {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    /// What to execute.
    var path: String { "/proc/\(getpid())/fd/\(fd)" }

    deinit { close(fd) }
}
