// A single-member store for the durability tests.
//
// `kiban-store-crash DIR RUN WRITERS` writes until it is killed, printing each write once it is
// acknowledged. The crash-durability test kills it with SIGKILL at a random moment; the
// power-loss test (integration/harness/powerloss-vm.sh) runs it in a VM and kills the VM. Both then
// check that every printed write survived. KIBAN_STORE_CRASH_UNSAFE_SKIP_FSYNC=1 makes the store
// skip its fsyncs, which the power-loss test must catch.
//
// `kiban-store-crash check DIR ACKS` recovers the store in DIR the way a restarted member does
// and checks that every write in ACKS (the writer's `ack KEY REVISION` lines) is there.
import Foundation

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "check" {
    exit(await checkAcknowledged(directory: arguments[2], acks: arguments[3]))
}
guard arguments.count == 4, let writers = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: kiban-store-crash DIR RUN WRITERS | kiban-store-crash check DIR ACKS\n".utf8))
    exit(2)
}
let unsafe = ProcessInfo.processInfo.environment["KIBAN_STORE_CRASH_UNSAFE_SKIP_FSYNC"] == "1"
exit(await write(directory: arguments[1], run: arguments[2], writers: writers, unsafeSkipFsync: unsafe))
