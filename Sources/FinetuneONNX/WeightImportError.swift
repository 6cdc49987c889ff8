/// Why weights could not be imported: the file, the source layer and the network's layer, and what differs.
package enum WeightImportError: Error, Equatable, CustomStringConvertible {
    case mismatch(file: String, source: String, layer: String, problem: String)
    case unreadable(file: String, what: String, problem: String)

    package var description: String {
        switch self {
        case let .mismatch(file, source, layer, problem):
            return "\(file): '\(source)' does not fit the network's layer '\(layer)': \(problem). The file's layers with "
                + "weights must come in the backbone's order (convolutions, batch normalizations, dense layers)"
        case let .unreadable(file, what, problem):
            return "\(file): \(what): \(problem)"
        }
    }
}
