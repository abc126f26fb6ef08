/// What the status page shows: plain values the daemon gathers, rendered by ``html()``. Every
/// string may come from a client or the store (host names, labels, audit actions) and is
/// escaped when rendered.
public struct StatusPage: Sendable, Hashable {
    /// A table: a caption, column headings and rows of cells.
    public struct Table: Sendable, Hashable {
        public var id: String
        public var caption: String
        public var headers: [String]
        public var rows: [[String]]
        /// Shown instead of an empty table.
        public var empty: String

        /// A table with `id` (an HTML id: letters, digits and dashes chosen by the caller).
        public init(id: String, caption: String, headers: [String], rows: [[String]], empty: String) {
            self.id = id
            self.caption = caption
            self.headers = headers
            self.rows = rows
            self.empty = empty
        }
    }

    /// The member serving the page.
    public var member: String
    public var cluster: String
    /// One line on the cluster's health (`healthy: leader boot-1, 3 of 3 members answer`).
    public var health: String
    /// When the page was made (RFC 3339).
    public var generated: String
    /// Seconds between reloads (meta refresh).
    public var refreshSeconds: Int
    /// Members, machines, DHCP pools, recent boots, images, audit: in that order.
    public var tables: [Table]

    /// A page.
    public init(member: String, cluster: String, health: String, generated: String, refreshSeconds: Int, tables: [Table]) {
        self.member = member
        self.cluster = cluster
        self.health = health
        self.generated = generated
        self.refreshSeconds = refreshSeconds
        self.tables = tables
    }
}
