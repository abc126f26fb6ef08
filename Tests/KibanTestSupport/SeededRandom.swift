import Foundation

/// The one deterministic generator of the tests (SplitMix64): fuzz and randomized tests draw
/// from it so that a failure can be replayed. ``forTest(_:)`` takes its seed from
/// `KIBAN_FUZZ_SEED` when set, otherwise at random, and prints it with the replay command.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// A generator for the test `label`, seeded from `KIBAN_FUZZ_SEED` or at random; prints
    /// `label: seed N (replay with KIBAN_FUZZ_SEED=N)`.
    public static func forTest(_ label: String) -> SeededRandom {
        let given = ProcessInfo.processInfo.environment["KIBAN_FUZZ_SEED"].flatMap { UInt64($0) }
        let seed = given ?? UInt64.random(in: 1...UInt64.max)
        print("\(label): seed \(seed) (replay with KIBAN_FUZZ_SEED=\(seed))")
        return SeededRandom(seed: seed)
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
