/// Capability: the connector owns something that must be stopped when the host shuts down (a
/// child process, a connection pool). The host calls ``shutdown()`` once, after it stopped serving.
public protocol StoppableConnector: IssuerConnector {
    func shutdown() async
}
