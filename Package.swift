// swift-tools-version:6.2
import PackageDescription

/// Settings every target shares: Swift 6 language mode (the package default), complete concurrency
/// checking, the upcoming features CONVENTIONS.md asks for, and no warnings.
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "kiban",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kiban", targets: ["kiban"]),
        .library(name: "KibanRaft", targets: ["KibanRaft"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Pure Raft: imports nothing but the standard library.
        .target(name: "KibanRaft", swiftSettings: strict),
        // Machines, IPAM and lifecycle: the pure domain (sabakan-compatible).
        .target(name: "KibanInventory", swiftSettings: strict),
        // Deterministic simulation of a Raft cluster with faults and safety checkers (test support).
        .target(name: "KibanRaftSimulation", dependencies: ["KibanRaft"], swiftSettings: strict),
        .executableTarget(
            name: "kiban",
            dependencies: [
                "KibanRaft",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Replays and sweeps simulation seeds (developer tool; not shipped).
        .executableTarget(
            name: "kiban-sim",
            dependencies: [
                "KibanRaft",
                "KibanRaftSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "KibanRaftTests", dependencies: ["KibanRaft"],
                    exclude: ["testdata"], swiftSettings: strict),
        .testTarget(name: "KibanInventoryTests", dependencies: ["KibanInventory"], swiftSettings: strict),
        .testTarget(name: "KibanRaftSimulationTests", dependencies: ["KibanRaftSimulation", "KibanRaft"],
                    swiftSettings: strict),
    ]
)
