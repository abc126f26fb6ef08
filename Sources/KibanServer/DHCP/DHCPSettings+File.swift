import Foundation
public import KibanNetboot
import Yams

extension DHCPSettings {
    /// Reads a settings document (YAML or JSON) as `kiban dhcp set FILE` does, refusing keys it
    /// does not know (a misspelt key would otherwise be silently ignored).
    /// - Throws: ``ServerError`` `badRequest` naming the file and what is wrong.
    public static func parse(_ text: String, file: String) throws(ServerError) -> DHCPSettings {
        let known = knownKeys
        do {
            for (key, _) in try Yams.compose(yaml: text)?.mapping ?? [:] {
                guard let k = key.string, known.contains(k) else {
                    throw ServerError(.badRequest, "\(file): unknown setting \(key.string ?? "?") (known: \(known.joined(separator: ", ")))")
                }
            }
            return try YAMLDecoder().decode(DHCPSettings.self, from: text)
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.badRequest, "\(file) is not a DHCP settings document (YAML or JSON): \(error)")
        }
    }
}
