import ConnectorAPI

extension IssuerDirectory {
    /// Stops what connectors own (plugin children) once nothing is served any more.
    public func stopConnectors() async {
        for issuer in all {
            if let stoppable = issuer.connector as? any StoppableConnector { await stoppable.shutdown() }
        }
    }
}
