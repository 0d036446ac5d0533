/// Capability: the connector owns something that must be stopped when the host shuts down (a
/// child process, a connection pool). The host calls ``shutdown()`` once, after it stopped serving.
public protocol StoppableConnector: IssuerConnector {
    /// Stops what the connector runs; called once, after the host stopped serving.
    func shutdown() async
}
