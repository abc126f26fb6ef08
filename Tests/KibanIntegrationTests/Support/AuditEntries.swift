import Foundation

/// The audit log as `kiban audit -o json` prints it, for tests that check what was recorded.
extension ServerProcess {
    /// The entries `kiban audit -o json ARGUMENTS` lists; empty when the command fails.
    func auditEntries(_ arguments: String...) -> [[String: Any]] {
        let r = Self.run(["audit", "-o", "json", "--limit", "100000"] + arguments + ["--socket", socket])
        return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]]) ?? []
    }

    /// The entries of `action` on `subject`.
    func audited(_ action: String, _ subject: String) -> [[String: Any]] {
        auditEntries("--action", action, "--subject", subject).filter { $0["action"] as? String == action }
    }
}
