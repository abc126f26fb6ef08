public import Foundation

extension AdminRoute {
    /// The OpenAPI 3 document of ``all`` (docs/admin-api.openapi.json), as JSON with sorted keys.
    /// Paths, methods, path parameters, content types and the error body; docs/admin-api.md
    /// describes each endpoint's fields.
    public static func openAPIDocument() -> Data {
        var paths: [String: [String: Any]] = [:]
        for route in all {
            paths[route.template, default: [:]][route.method.lowercased()] = route.operation
        }
        let document: [String: Any] = [
            "openapi": "3.0.3",
            "info": [
                "title": "Kiban admin API",
                "version": "1",
                "description":
                    "JSON over HTTP/1.1 on the daemon's Unix socket (/run/kiban/kiban.sock). docs/admin-api.md describes every field.",
            ],
            "paths": paths,
            "components": [
                "schemas": [
                    "Error": [
                        "type": "object",
                        "required": ["error", "message"],
                        "properties": ["error": ["type": "string"], "message": ["type": "string"]],
                    ]
                ]
            ],
        ]
        // Plain dictionaries, arrays and strings: encoding cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return data + Data("\n".utf8)
    }

    private var operation: [String: Any] {
        var operation: [String: Any] = [
            "summary": summary,
            "operationId": operationID,
            "responses": [
                "200": ["description": "Success.", "content": [answerType: [:] as [String: Any]]],
                "default": [
                    "description": "{error, message}: the message says what to do next.",
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
                ],
            ],
        ]
        if !parameters.isEmpty {
            operation["parameters"] = parameters.map { ["name": $0, "in": "path", "required": true, "schema": ["type": "string"]] }
        }
        if kind == .upload {
            operation["requestBody"] = ["required": true, "content": ["application/octet-stream": [:] as [String: Any]]]
        } else if method == "PUT" || method == "POST" {
            operation["requestBody"] = ["content": ["application/json": [:] as [String: Any]]]
        }
        return operation
    }

    private var answerType: String {
        switch (kind, template) {
        case (.stream, "/v1/snapshot"): "application/vnd.sqlite3"
        case (.stream, _): "application/x-ndjson"
        default: "application/json"
        }
    }

    /// `getV1MembersName`-style: the method and the path's words.
    private var operationID: String {
        let words = template.split(whereSeparator: { "/{}-".contains($0) }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return method.lowercased() + words.joined()
    }
}
