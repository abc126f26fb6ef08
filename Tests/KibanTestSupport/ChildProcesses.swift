public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts the long-lived child processes of a test run (`kiban server`, the crash test's writer)
/// so that none of them outlives the test process, however that process ends.
///
/// Three layers, each covering what the one before cannot:
/// 1. **The owner's teardown.** The fixture that started a child (``ServerProcess``,
///    `CrashChild`) kills it when it is stopped or released: `deinit` runs when a test throws in
///    its setup, because the locals that held the fixture go away.
/// 2. **Normal exit.** Every child is registered here; an `atexit` handler SIGKILLs those still
///    running when the test process exits while something still held a fixture (a leaked task).
/// 3. **Abnormal death** (a crash, SIGKILL, a CI timeout): the test process runs no code then, so
///    the kernel does it. Each child starts under `setpriv --pdeathsig KILL`, which sets
///    `prctl(PR_SET_PDEATHSIG, SIGKILL)` and execs the real program in place (the pid stays the
///    child's). Linux sends that signal when the **thread** that spawned the child ends, not the
///    process, and the threads Swift concurrency and Dispatch run tasks on come and go; so every
///    spawn happens on one thread of ours that never returns, and the signal fires only when the
///    whole test process is gone.
///
/// Process groups would not do: killing a group needs code in the dying parent, and `ip netns
/// exec` children are in the same group as everything else the test runs.
public enum ChildProcesses {
    /// The program that sets the parent-death signal before exec (util-linux, in every Debian).
    public static let setpriv = "/usr/bin/setpriv"

    /// The command line that runs `executable arguments` (a path, or a name looked up on PATH)
    /// with `deathSignal` (KILL, TERM…) as its parent-death signal. TERM lets a script run its
    /// cleanup; it must then not be blocked or ignored (integration/harness/unmasked.py).
    public static func command(_ executable: String, _ arguments: [String], deathSignal: String = "KILL") -> [String] {
        guard FileManager.default.isExecutableFile(atPath: setpriv) else { return [executable] + arguments }
        return [setpriv, "--pdeathsig", deathSignal, "--", executable] + arguments
    }

    /// Runs `process` (configured but not started) under the parent-death signal, from the spawn
    /// thread, and registers it for the exit handler.
    public static func launch(_ process: Process, deathSignal: String = "KILL") throws {
        let original = process.executableURL?.path ?? ""
        let line = command(original, process.arguments ?? [], deathSignal: deathSignal)
        process.executableURL = URL(fileURLWithPath: line[0])
        process.arguments = Array(line.dropFirst())
        let box = ProcessBox(process)
        try SpawnThread.shared.perform { try box.process.run() }
        Registry.shared.add(box)
    }

    /// The children started by ``launch(_:)`` that still run.
    public static var running: [Int32] { Registry.shared.running }

    /// SIGKILLs every child still running (the exit handler; tests may call it too).
    public static func killAll() {
        for pid in Registry.shared.running { kill(pid, SIGKILL) }
    }

    /// True when `pid` no longer runs: it is gone, or a zombie nobody reaped yet.
    public static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return true }
        return stat[end...].dropFirst(2).first == "Z"
    }
}

/// A `Process` handed between threads; each is used by one thread at a time.
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}

/// Every child launched, for the exit handler.
private final class Registry: @unchecked Sendable {
    // @unchecked: `children` is only touched under `lock`.
    static let shared: Registry = {
        atexit { ChildProcesses.killAll() }
        return Registry()
    }()

    private let lock = NSLock()
    private var children: [ProcessBox] = []

    func add(_ child: ProcessBox) {
        lock.lock()
        defer { lock.unlock() }
        children.removeAll { !$0.process.isRunning }
        children.append(child)
    }

    var running: [Int32] {
        lock.lock()
        defer { lock.unlock() }
        return children.filter { $0.process.isRunning }.map { $0.process.processIdentifier }
    }
}

/// The one thread every child is spawned from. It never returns, so a child's parent-death
/// signal fires only when the test process ends.
private final class SpawnThread: @unchecked Sendable {
    // @unchecked: `jobs` is only touched under `condition`.
    static let shared = SpawnThread()

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    private init() {
        let thread = Thread { [self] in serve() }
        thread.name = "kiban-test-spawn"
        thread.start()
    }

    private func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on the spawn thread and waits for it.
    func perform(_ body: @escaping @Sendable () throws -> Void) throws {
        let outcome = Outcome()
        condition.lock()
        jobs.append {
            do { try body() } catch { outcome.error = error }
            outcome.done.signal()
        }
        condition.signal()
        condition.unlock()
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }

    private final class Outcome: @unchecked Sendable {
        // @unchecked: `error` is written before `done` is signalled and read after.
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?
    }
}
