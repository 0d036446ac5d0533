import CertctlCommand

// The stock build: the built-in connectors only. A build with more connectors is this same line
// with `adding: [MyConnector.self]` (examples/connectors/swift-custom/).
await CertctlCommand.main()
