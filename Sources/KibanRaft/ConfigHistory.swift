/// The membership at each configuration point of the log. A change takes effect when its entry
/// is appended (thesis §4.1) and is undone when the entry is truncated, so the configuration in
/// force is that of the latest configuration entry in the log, or the snapshot's.
struct ConfigHistory {
    /// Ascending by index; the first element is the snapshot's configuration.
    private(set) var points: [(index: UInt64, conf: ConfState)]

    init(index: UInt64, conf: ConfState) {
        points = [(index, conf)]
    }

    var current: ConfState { points[points.count - 1].conf }

    /// The index of the latest configuration entry (or of the snapshot).
    var currentIndex: UInt64 { points[points.count - 1].index }

    /// The configuration in force at `index`: the latest point at or before it.
    func conf(at index: UInt64) -> ConfState {
        points.last { $0.index <= index }?.conf ?? points[0].conf
    }

    /// Forgets the points at or after `index` (their entries are being replaced).
    mutating func truncate(from index: UInt64) {
        while points.count > 1, points[points.count - 1].index >= index {
            points.removeLast()
        }
    }

    /// Records the configuration entries among `entries`, which are being appended after a
    /// truncation at `entries[0].index`. A change that does not apply is a no-op, the same on
    /// every node. Returns true when the configuration changed.
    @discardableResult
    mutating func record(_ entries: [Entry]) -> Bool {
        guard let first = entries.first else { return false }
        let before = current
        truncate(from: first.index)
        for entry in entries where entry.kind == .confChange {
            let next = ConfChange(encoded: entry.data).flatMap { $0.applied(to: current) } ?? current
            points.append((entry.index, next))
        }
        return current != before
    }

    /// Starts over from a snapshot.
    mutating func restore(index: UInt64, conf: ConfState) {
        points = [(index, conf)]
    }

    /// Drops points that no index at or after `index` can need.
    mutating func compact(upTo index: UInt64) {
        guard let keep = points.lastIndex(where: { $0.index <= index }), keep > 0 else { return }
        points.removeFirst(keep)
    }
}
