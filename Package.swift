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
        .library(name: "KibanIO", targets: ["KibanIO"]),
        .library(name: "KibanStore", targets: ["KibanStore"]),
        .library(name: "KibanInventory", targets: ["KibanInventory"]),
        .library(name: "KibanAdminAPI", targets: ["KibanAdminAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The peer transport (TCP, mutual TLS) and the admin API (HTTP/1.1 on a Unix socket).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // kiban.yaml, the local configuration.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Per-machine configuration templates (Ignition, cloud-config) rendered by the boot server.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // Metrics: the API the subsystems record through, and its Prometheus text exporter.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The daemon's services in one group: ordered start, graceful shutdown on SIGTERM.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Pure Raft: imports nothing but the standard library.
        .target(name: "KibanRaft", swiftSettings: strict),
        // Netboot: DHCPv4 (codec, decisions, the server on KibanIO with leases in KibanStore), TFTP,
        // the catalog of images and assets.
        .target(
            name: "KibanNetboot",
            dependencies: [
                "KibanStore", "KibanIO", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: strict),
        // The admin API contract: the route catalog (and its OpenAPI document), the Codable bodies
        // and answers shared by the daemon and the CLI, and the one Unix-socket client.
        .target(name: "KibanAdminAPI", swiftSettings: strict),
        .testTarget(name: "KibanAdminAPITests", dependencies: ["KibanAdminAPI"], swiftSettings: strict),
        // The daemon's wiring: peer protocol, lifecycle, admin API, and the services it runs
        // (inventory, DHCP, HTTP boot).
        .target(
            name: "KibanServer",
            dependencies: [
                "KibanAdminAPI", "KibanRaft", "KibanStore", "KibanCA", "KibanInventory", "KibanNetboot", "KibanMetrics", "KibanNodes", "KibanInstaller",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                // SHA-256 of snapshots streamed to followers.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Metrics and the status page: the Prometheus registry and its family catalog, the
        // read-only HTTP endpoint on the metrics port, and the status page's HTML.
        .target(
            name: "KibanMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KibanMetricsTests", dependencies: ["KibanMetrics", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Machines, IPAM and lifecycle (sabakan-compatible): the pure domain, and the inventory
        // service that keeps machines, the IPAM config and the audit log in the store.
        .target(
            name: "KibanInventory",
            dependencies: ["KibanStore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // Nodes: the health rules (machine states from agents' heartbeats), the facts agents
        // report, the operations they run, and who may enroll. Pure values; services on the store.
        .target(
            name: "KibanNodes",
            dependencies: ["KibanInventory", "KibanStore", "KibanCA"],
            swiftSettings: strict),
        // The Kubernetes installer (CKE's job): the cluster spec and the planner, a pure function
        // from the spec and what the data center reports to the next batch of steps.
        .target(
            name: "KibanInstaller",
            dependencies: ["KibanInventory", "KibanStore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .testTarget(
            name: "KibanInstallerTests", dependencies: ["KibanInstaller", "KibanInventory", "KibanStore", "KibanTestSupport"],
            exclude: ["testdata"], swiftSettings: strict),
        // The cluster certificate authority, join tokens and the PKI (issuers, roles, issuance,
        // the certificate inventory, revocation and CRLs) on the store.
        .target(
            name: "KibanCA",
            dependencies: [
                "KibanStore",
                .product(name: "X509", package: "swift-certificates"),
                // RSA keys for roles that allow them (key generation and signing).
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                // Role documents in YAML.
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strict
        ),
        // The linearizability checker and history recorder shared by the store and server tests.
        .target(name: "KibanLinearizability", swiftSettings: strict),
        .testTarget(name: "KibanLinearizabilityTests", dependencies: ["KibanLinearizability"], swiftSettings: strict),
        // Deterministic simulation of a Raft cluster with faults and safety checkers (test support).
        .target(name: "KibanRaftSimulation", dependencies: ["KibanRaft"], swiftSettings: strict),
        // The system SQLite through its C API (Debian: libsqlite3-dev).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The replicated store: Raft log in raft.db, state machine in state.db, the client API.
        .target(
            name: "KibanStore",
            dependencies: [
                "KibanRaft", "CSQLite", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kiban",
            dependencies: [
                "KibanAdminAPI", "KibanServer", "KibanStore", "KibanInventory", "KibanCA", "KibanNetboot", "KibanNodes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
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
        .testTarget(
            name: "KibanRaftTests", dependencies: ["KibanRaft", "KibanTestSupport"],
            exclude: ["testdata"], swiftSettings: strict),
        .testTarget(
            name: "KibanCATests",
            dependencies: ["KibanCA", "KibanStore", "KibanRaft", "KibanTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "KibanNetbootTests",
            dependencies: [
                "KibanNetboot", "KibanStore", "KibanIO", "KibanInventory", "KibanRaft", "KibanTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["vectors"], swiftSettings: strict),
        // Three DHCP servers over a 3-member in-process store, for the namespace tests
        // (KibanIntegrationTests) and make bench.
        .executableTarget(
            name: "kiban-dhcp-harness",
            dependencies: [
                "KibanNetboot", "KibanStore", "KibanIO", "KibanInventory", "KibanRaft",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/KibanDHCPHarness", swiftSettings: strict),
        // The daemon's parts in one process: codecs, configuration, the router against the admin
        // API contract, the peer server's trust checks.
        .testTarget(
            name: "KibanServerTests",
            dependencies: [
                "KibanAdminAPI", "KibanServer", "KibanRaft", "KibanRaftSimulation", "KibanNetboot", "KibanNodes", "KibanTestSupport", "KibanCA",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        // Real `kiban` processes (the executable is built next to the test bundle): clusters on
        // loopback and in network namespaces, the CLI, the node agent, QEMU, etcd on Kiban's PKI,
        // DHCP clients through a relay against `kiban-dhcp-harness`.
        .testTarget(
            name: "KibanIntegrationTests",
            dependencies: [
                "KibanAdminAPI", "KibanServer", "KibanRaft", "KibanRaftSimulation", "kiban", "kiban-dhcp-harness",
                "KibanLinearizability", "KibanNetboot", "KibanNodes", "KibanTestSupport", "KibanCA",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "KibanNodesTests",
            dependencies: ["KibanNodes", "KibanInventory", "KibanStore", "KibanCA", "KibanTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "KibanInventoryTests",
            dependencies: [
                "KibanInventory", "KibanStore", "KibanRaft", "KibanTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The inventory benchmark (5,000 machines in 100 racks); run by bench/bench-inventory.sh.
        // The installer planner's decision time for make bench (bench/bench-installer.sh).
        .executableTarget(name: "kiban-installer-bench", dependencies: ["KibanInstaller", "KibanInventory"], swiftSettings: strict),
        .executableTarget(
            name: "kiban-inventory-bench",
            dependencies: [
                "KibanInventory", "KibanStore", "KibanRaft",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Writes until killed, printing acknowledged writes (the crash-durability test's child).
        .executableTarget(
            name: "kiban-store-crash",
            dependencies: ["KibanStore", "KibanRaft", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The store benchmark (in-process 3-member cluster); run by bench/bench-store.sh.
        .executableTarget(
            name: "kiban-store-bench",
            dependencies: ["KibanStore", "KibanRaft", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KibanStoreTests",
            dependencies: [
                "KibanStore", "KibanRaft", "kiban-store-crash", "KibanLinearizability", "KibanTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Child processes that die with the test process, and free ports (docs/testing.md).
        // Stores in a temporary directory for every module's service tests.
        .target(
            name: "KibanTestSupport", dependencies: ["KibanStore", "KibanRaft", "KibanInventory", .product(name: "Logging", package: "swift-log")],
            path: "Tests/KibanTestSupport", swiftSettings: strict),
        .testTarget(
            name: "KibanRaftSimulationTests", dependencies: ["KibanRaftSimulation", "KibanRaft"],
            swiftSettings: strict),
        // liburing 2.3 (Debian 12); shim.h fixes the header include order for Swift.
        .systemLibrary(name: "CUring", pkgConfig: "liburing", providers: [.apt(["liburing-dev"])]),
        // The io_uring data plane: rings, TCP and UDP serving, the HTTP/1.1 file server.
        .target(
            name: "KibanIO", dependencies: ["CUring", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // Serves a directory over KibanIO for `make bench` (bench/bench-http.sh).
        .executableTarget(
            name: "kiban-http-bench",
            dependencies: ["KibanIO", .product(name: "Logging", package: "swift-log")],
            path: "Sources/KibanHTTPBench", swiftSettings: strict),
        .testTarget(
            name: "KibanIOTests", dependencies: ["KibanIO", "CUring", "KibanTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
    ]
)
