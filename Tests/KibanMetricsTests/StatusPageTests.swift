import KibanMetrics
import Testing

@Suite("Status page")
struct StatusPageTests {
    static func page(_ cell: String) -> StatusPage {
        StatusPage(
            member: "boot-1", cluster: "c1", health: "healthy", generated: "2026-01-01T00:00:00Z", refreshSeconds: 10,
            tables: [
                StatusPage.Table(
                    id: "machines", caption: "Machines", headers: ["Serial", "Labels"],
                    rows: [["s1", cell]], empty: "none")
            ])
    }

    @Test(
        "Text from clients is escaped: a script element in a label stays text",
        arguments: [
            "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "a & b", "it's",
        ])
    func escaping(_ hostile: String) {
        let html = Self.page(hostile).html()
        #expect(!html.contains(hostile))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains(HTML.escape(hostile)))
    }

    @Test("The page refreshes itself and an empty table says so instead")
    func refreshAndEmpty() {
        var page = Self.page("x")
        page.tables[0].rows = []
        let html = page.html()
        #expect(html.contains(#"<meta http-equiv="refresh" content="10">"#))
        #expect(html.contains(#"<p id="machines">none</p>"#))
        #expect(!html.contains("<table"))
    }

    @Test("Escaping covers the five HTML-significant characters and replaces control characters")
    func escapeTable() {
        #expect(HTML.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.escape("a\u{1b}b\u{7f}") == "a\u{FFFD}b\u{FFFD}")
    }
}
