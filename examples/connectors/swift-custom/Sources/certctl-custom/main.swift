import CertctlCommand

// certctl with the built-in connectors plus one of our own. Everything else — the HTTP API,
// policy, storage, CRL/OCSP, the CLI — is the stock certctl.
await CertctlCommand.main(adding: [EphemeralCAConnector.self])
