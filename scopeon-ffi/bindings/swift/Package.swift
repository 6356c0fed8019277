// swift-tools-version:5.7
//
// Scopeon for Swift: a thin API over libscopeon's C ABI (../../include/scopeon.h).
//
// Build libscopeon first (`cargo build --release -p scopeon-ffi` in the repository root), then
// link it, e.g. `swift build -Xlinker -L../../../target/release` (see README.md).

import PackageDescription

let package = Package(
    name: "Scopeon",
    products: [
        .library(name: "Scopeon", targets: ["Scopeon"]),
    ],
    targets: [
        // The C header as a Clang module (module.modulemap); links libscopeon.
        .systemLibrary(name: "CScopeon", path: "Sources/CScopeon"),
        .target(name: "Scopeon", dependencies: ["CScopeon"]),
        .testTarget(name: "ScopeonTests", dependencies: ["Scopeon"]),
    ]
)
