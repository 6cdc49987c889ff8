import Foundation

/// Typed access to the two JSON blobs of a checkpoint: the trainer state and the optimizer config.
///
/// JSON with sorted keys (so equal values give equal bytes); non-finite floats are written as the
/// strings `"inf"`, `"-inf"` and `"nan"` (a best metric may still be `-inf` after the first epoch).
extension Checkpoint {
    /// Replaces ``trainerState`` with `value` encoded as JSON.
    package mutating func encodeTrainerState<T: Encodable>(_ value: T) throws {
        trainerState = try Self.encodeBlob(value, name: "trainer state")
    }

    /// Decodes ``trainerState`` as `T`; throws ``CheckpointError/blobDecodingFailed(file:blob:reason:)``.
    package func decodeTrainerState<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try decodeBlob(trainerState, as: type, name: "trainer state")
    }

    /// Replaces ``optimizerConfig`` with `value` encoded as JSON.
    package mutating func encodeOptimizerConfig<T: Encodable>(_ value: T) throws {
        optimizerConfig = try Self.encodeBlob(value, name: "optimizer config")
    }

    /// Decodes ``optimizerConfig`` as `T`.
    package func decodeOptimizerConfig<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try decodeBlob(optimizerConfig, as: type, name: "optimizer config")
    }

    static func encodeBlob<T: Encodable>(_ value: T, name: String) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf",
                                                                      negativeInfinity: "-inf", nan: "nan")
        do { return try encoder.encode(value) } catch {
            throw CheckpointError.invalidArgument("the \(name) cannot be encoded as JSON: \(error)")
        }
    }

    func decodeBlob<T: Decodable>(_ data: Data, as type: T.Type, name: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf",
                                                                        negativeInfinity: "-inf", nan: "nan")
        guard !data.isEmpty else {
            throw CheckpointError.blobDecodingFailed(file: fileDescription, blob: name, reason: "it is empty")
        }
        do { return try decoder.decode(type, from: data) } catch {
            throw CheckpointError.blobDecodingFailed(file: fileDescription, blob: name, reason: String(describing: error))
        }
    }
}
