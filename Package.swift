// swift-tools-version:6.1
import Foundation
import PackageDescription

/// One settings array for every target: Swift 6 language mode with strict concurrency,
/// plus the upcoming features the server ecosystem has standardised on.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "certctl",
    // Linux only: the host, plugins and tests use Glibc (posix_spawn, waitid, dlopen).
    products: [
        .executable(name: "certctl", targets: ["certctl"]),
        .library(name: "ConnectorAPI", targets: ["ConnectorAPI"]),
        // For a separate package that builds its own certctl with extra Swift connectors.
        .library(name: "CertctlCommand", targets: ["CertctlCommand"]),
        .library(name: "IssuingKit", targets: ["IssuingKit"]),
        .executable(name: "certctl-custom", targets: ["certctl-custom"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // The contract a connector implements: protocols and value types only.
        .target(
            name: "ConnectorAPI",
            dependencies: [.product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),
        // Helpers the built-in connectors and the host share, outside the contract: secret files,
        // durations, key types, child processes.
        .target(
            name: "ConnectorSupport",
            dependencies: [
                "ConnectorAPI",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one place certificates, CA and responder certificates are built for a CA key behind a
        // CASigner: used by the host (CRL/OCSP, responders) and the signer-backed connectors.
        .target(
            name: "IssuingKit",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LocalCAConnector",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                "IssuingKit",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Connectors/LocalCA",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CPKCS11",
            path: "Sources/CPKCS11",
            pkgConfig: "p11-kit-1",
            providers: [.apt(["libp11-kit-dev"])]
        ),
        .target(
            name: "PKCS11Connector",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                "IssuingKit",
                "CPKCS11",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Connectors/PKCS11",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ACMEConnector",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Connectors/ACME",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ExternalConnector",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                "IssuingKit",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Connectors/External",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "Host",
            dependencies: [
                "ConnectorAPI",
                "ConnectorSupport",
                "IssuingKit",
                "CSQLite",
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line as a library, so another package can build a `certctl` with more
        // connectors (examples/connectors/swift-custom/); the only target that names the built-in ones.
        .target(
            name: "CertctlCommand",
            dependencies: [
                "Host",
                "ConnectorAPI",
                "ConnectorSupport",
                "IssuingKit",
                "LocalCAConnector",
                "PKCS11Connector",
                "ACMEConnector",
                "ExternalConnector",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "certctl",
            dependencies: ["CertctlCommand"],
            swiftSettings: swiftSettings
        ),
        // A certctl with one more in-process connector, built from the public products only, as a
        // separate package would (its out-of-tree twin: examples/connectors/swift-custom/build-out-of-tree.sh).
        .executableTarget(
            name: "certctl-custom",
            dependencies: [
                "CertctlCommand",
                "ConnectorAPI",
                "IssuingKit",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "examples/connectors/swift-custom/Sources/certctl-custom",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "ConnectorAPI", "ConnectorSupport", "IssuingKit", "LocalCAConnector", "PKCS11Connector", "ACMEConnector",
                "ExternalConnector", "Host", "FuzzTargets",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ConnectorSupport"],
            exclude: ["Python", "Fixtures"],
            swiftSettings: swiftSettings
        ),
        // Every parser of untrusted bytes by name: the libFuzzer driver runs one, the unit tests
        // replay each corpus through the same entry points.
        .target(
            name: "FuzzTargets",
            dependencies: ["Host", "ExternalConnector"],
            path: "Fuzz/Targets",
            swiftSettings: swiftSettings
        ),
    ]
)

// The libFuzzer driver (scripts/fuzz.sh): a target only when CERTCTL_FUZZ is set, so ordinary
// builds never try to link it without libFuzzer.
if ProcessInfo.processInfo.environment["CERTCTL_FUZZ"] != nil {
    package.targets.append(.executableTarget(name: "certctl-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/Harness"))
}
