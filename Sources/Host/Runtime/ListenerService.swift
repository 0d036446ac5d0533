import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// A listener (a Hummingbird application) whose start-up failures name its address: NIO reports a
/// taken port as `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`, which does not
/// say which of the two listeners, or which address, it was.
struct ListenerService<Inner: Service>: Service {
    let application: Inner
    let address: ListenAddress

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES || error.errnoCode == EADDRNOTAVAIL {
            let reason =
                switch error.errnoCode {
                case EADDRINUSE: "the address is already in use (another certctl serve, or another server?)"
                case EACCES: "permission denied (ports below 1024 need privileges)"
                default: "the address is not available on this host"
                }
            throw HostError(.busy, "cannot listen on \(address): \(reason)")
        }
    }
}
