import Foundation
import KibanTestSupport
import Testing

/// The status page of every member in a real headless browser (Debian's chromium): the DOM it
/// builds names the members and the machine, holds no script element although a label and a
/// host name are `<script>` elements, and the HTML is valid (html5lib, strict). The screenshot
/// is kept under .build/test-artifacts/.
struct StatusPageBrowserCheck {
    let cluster: Cluster
    let hostile: String

    static let artifacts = Scrape.repository.appendingPathComponent(".build/test-artifacts").path

    func run() async throws {
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        for m in cluster.members {
            let url = "http://\(m.address):\(m.metricsPort)/"
            let (code, html) = Scrape.get(url)
            #expect(code == 200, "GET / on \(m.name)")
            #expect(Scrape.get("http://\(m.address):\(m.metricsPort)/status").code == 200)
            #expect(!html.contains(hostile) && html.contains("&lt;script&gt;"), "the label is escaped in \(m.name)'s page")
            let page = Self.artifacts + "/status-\(m.name).html"
            let dom = Self.artifacts + "/status-\(m.name).dom.html"
            try html.write(toFile: page, atomically: true, encoding: .utf8)
            try Self.chromium(["--dump-dom", url], output: dom)
            let facts = try JSONSerialization.jsonObject(with: Data(try Scrape.python(["\(Scrape.tools)/check-html.py", page, dom]).utf8)) as? [String: Any]
            let cells = (facts?["cells"] as? [String]) ?? []
            #expect(facts?["scripts"] as? Int == 0, "no script element in the DOM chromium built")
            #expect(cluster.members.allSatisfy { member in cells.contains(member.name) }, "the members table of \(m.name): \(cells)")
            #expect(cells.contains("MTEST001") && cells.contains("note=\(hostile)"), "the machine and its label, as text")
            #expect(cells.contains(hostile), "the DHCP client's host name, as text")
            #expect(facts?["title"] as? String == "Kiban \(m.name)")
        }
        let first = cluster.members[0]
        let shot = Self.artifacts + "/status-page.png"
        try? FileManager.default.removeItem(atPath: shot)
        try Self.chromium(["--screenshot=\(shot)", "--window-size=1280,1800", "http://\(first.address):\(first.metricsPort)/"], output: nil)
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot")
        print("status page screenshot: \(shot)")
        // The boot port serves boot files only.
        #expect(Scrape.get("http://\(first.address):\(first.httpPort)/status").code == 404)
        #expect(!Scrape.get("http://\(first.address):\(first.httpPort)/").body.contains("<html"))
    }

    /// Runs headless chromium (as root it needs --no-sandbox) for at most 60 s; its standard
    /// output goes to `output`.
    static func chromium(_ arguments: [String], output: String?) throws {
        let flags = [
            "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--user-data-dir=\(artifacts)/chromium-profile",
        ]
        let r = ServerProcess.runTool("/usr/bin/timeout", flags + arguments)
        guard r.code == 0 else { throw TestFailure("chromium \(arguments) exited \(r.code): \(r.stderr.suffix(2000))") }
        if let output { try r.stdout.write(toFile: output, atomically: true, encoding: .utf8) }
    }
}
