import Foundation
import KibanTestSupport

/// Builds `integration/harness/wallclock-shift.c`, the preload library that moves a process's wall
/// clock and nothing else (its monotonic clocks and timers stay true), into `directory`.
enum WallClockShift {
    /// The library's path, or nil (with the reason printed) when no C compiler is found.
    static func build(in directory: String) throws -> String? {
        guard let compiler = ["cc", "gcc", "clang"].first(where: { HarnessScript.missingTools([$0]).isEmpty }) else {
            print("jepsen: no clock moves: no C compiler (cc, gcc or clang) to build integration/harness/wallclock-shift.c")
            return nil
        }
        let source = HarnessScript.root.appendingPathComponent("integration/harness/wallclock-shift.c").path
        let library = directory + "/wallclock-shift.so"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [compiler, "-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure("\(compiler) could not build \(source)") }
        return library
    }
}
