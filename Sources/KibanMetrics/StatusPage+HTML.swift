extension StatusPage {
    /// The page as a complete HTML5 document: no script, no external resource, a meta refresh,
    /// and text that says everything colour would (the leader is marked by a word).
    public func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="refresh" content="\(max(1, refreshSeconds))">
            <title>Kiban \(HTML.escape(member))</title>
            <style>
            body { font-family: sans-serif; margin: 1em 2em; }
            table { border-collapse: collapse; margin-bottom: 1.5em; }
            th, td { border: 1px solid #888; padding: 0.2em 0.6em; text-align: left; }
            h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
            </style>
            </head>
            <body>
            <h1>Kiban: \(HTML.escape(member))</h1>
            <p id="health">Cluster \(HTML.escape(cluster)): \(HTML.escape(health))</p>
            <p>Generated \(HTML.escape(generated)); this page reloads every \(max(1, refreshSeconds)) s.
            Metrics: <a href="/metrics">/metrics</a>.</p>

            """
        for table in tables { out += Self.render(table) }
        out += "</body>\n</html>\n"
        return out
    }

    private static func render(_ t: Table) -> String {
        let id = HTML.escape(t.id)
        let heading = "<h2>\(HTML.escape(t.caption))</h2>\n"
        guard !t.rows.isEmpty else { return heading + "<p id=\"\(id)\">\(HTML.escape(t.empty))</p>\n" }
        var out = heading + "<table id=\"\(id)\">\n<thead><tr>"
        for h in t.headers { out += "<th scope=\"col\">\(HTML.escape(h))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for row in t.rows {
            out += "<tr>"
            for cell in row { out += "<td>\(HTML.escape(cell))</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}

/// HTML escaping for text and attribute values.
public enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, so that it is
    /// text wherever it lands (element content or a quoted attribute).
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newline are not allowed in HTML text.
            case _ where c.value < 0x20 && c != "\t" && c != "\n", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
