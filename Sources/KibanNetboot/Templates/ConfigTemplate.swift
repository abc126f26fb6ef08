import Foundation
import Mustache

/// A role's configuration template (Ignition JSON, cloud-config, anything textual), compiled
/// once and rendered per machine. Mustache (`{{serial}}`, `{{#addresses}}…{{/addresses}}`);
/// values are inserted as they are, not HTML-escaped: the output is not HTML.
public struct ConfigTemplate: Sendable {
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}"
    private let compiled: MustacheTemplate
    /// The source as the operator wrote it.
    public let source: String

    /// Compiles `source` and checks it against a sample machine: it must parse, and a template
    /// whose output starts with `{` or `[` must render to valid JSON (Ignition).
    /// - Throws: ``NetbootError`` `invalidTemplate` with the line and column of a syntax error,
    ///   or the JSON error of the sample rendering.
    public init(_ source: String) throws(NetbootError) {
        self.source = source
        do {
            compiled = try MustacheTemplate(string: Self.textPragma + source)
        } catch let error as MustacheTemplate.ParserError {
            let c = error.context
            let column = c.lineNumber == 1 ? c.columnNumber - Self.textPragma.count : c.columnNumber
            throw NetbootError(
                .invalidTemplate,
                "the template does not parse at line \(c.lineNumber), column \(max(1, column)) (\(error.error)): \(c.line.replacingOccurrences(of: Self.textPragma, with: ""))"
            )
        } catch {
            throw NetbootError(.invalidTemplate, "the template does not parse: \(error)")
        }
        try checkJSON(render(TemplateContext.sample), what: "rendered for a sample machine")
    }

    /// The template rendered with `context`.
    public func render(_ context: TemplateContext) -> String {
        compiled.render(context.values)
    }

    private func checkJSON(_ output: String, what: String) throws(NetbootError) {
        guard let first = output.first(where: { !$0.isWhitespace }), first == "{" || first == "[" else { return }
        do {
            _ = try JSONSerialization.jsonObject(with: Data(output.utf8))
        } catch {
            throw NetbootError(
                .invalidTemplate,
                "the template looks like JSON but, \(what), is not valid JSON (\(error.localizedDescription)); use {{ca_certificate_json}}-style variables inside JSON strings. Output:\n\(output.prefix(2000))"
            )
        }
    }
}
