import Foundation
import Finetune
import ZIPFoundation

/// A Keras 3 `.keras` archive (`model.save("x.keras")`): a zip holding `config.json` (the
/// architecture) and `model.weights.h5` (the weights), read with ZIPFoundation.
enum KerasArchive {
    /// The model of the archive at `path`, built from its config, with its weights loaded.
    static func model(at path: String) throws -> Sequential {
        let url = URL(fileURLWithPath: path)
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw CommandLineError.unsupportedFile(path: path, expected: "a .keras archive (a zip file); it cannot be opened as one: \(error)")
        }
        func member(_ name: String) throws -> Data {
            guard let entry = archive[name] else {
                throw CommandLineError.unsupportedFile(path: path, expected: "a .keras archive with \(name) inside (Keras 3 model.save)")
            }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            return data
        }
        var model = try KerasModelConfig.model(from: try member("config.json"), file: path)
        let weights = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(UUID().uuidString).weights.h5")
        try AtomicFile.write(Array(try member("model.weights.h5")), to: weights)
        defer { try? FileManager.default.removeItem(at: weights) }
        _ = try KerasWeights.readIsolated(from: weights).load(into: &model, scope: .all)
        return model
    }
}
