#!/usr/bin/env bash
# Builds examples/connectors/swift-custom as a package of its own, outside certctl's tree, that
# depends on certctl by path: the "xcaddy" pattern for in-process Swift connectors.
#   examples/connectors/swift-custom/build-out-of-tree.sh [DIR]   (default: a new temporary directory)
# Run by hand, not in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
dir=${1:-$(mktemp -d /tmp/my-certctl.XXXXXX)}
# SwiftPM names a path dependency after its directory (a clone in ~/src/certctl is "certctl").
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')
mkdir -p "$dir/Sources/my-certctl"
cp "$here"/Sources/certctl-custom/*.swift "$dir/Sources/my-certctl/"
cat >"$dir/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "my-certctl",
    dependencies: [
        .package(path: "$root"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .executableTarget(
            // Not "certctl": target names are unique across the package graph, and certctl has one.
            name: "my-certctl",
            dependencies: [
                .product(name: "CertctlCommand", package: "$identity"),
                .product(name: "ConnectorAPI", package: "$identity"),
                .product(name: "IssuingKit", package: "$identity"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
SWIFT
cd "$dir"
swift build
echo "built $dir/.build/debug/my-certctl (certctl with the 'ephemeral' connector)"
"$dir/.build/debug/my-certctl" --help | head -n 3
