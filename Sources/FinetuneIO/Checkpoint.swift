import Foundation
import FinetuneCore
import FinetuneNN

/// Everything needed to resume training exactly where it stopped: the model's weights, the
/// optimizer's slots and step count, and the trainer's own state (an opaque JSON blob).
///
/// On disk it is one zstd-compressed, XXH64-checksummed file, written atomically; the byte layout
/// is in `Documentation/CheckpointFormat.md`.
///
/// ```swift
/// var checkpoint = Checkpoint(model: model, optimizer: optimizer)
/// try checkpoint.encodeTrainerState(progress)         // any Codable value
/// try checkpoint.write(to: url)
///
/// let saved = try Checkpoint.read(from: url)          // magic, version, checksums
/// try saved.restore(into: &model)                     // every key and shape checked first
/// try saved.restore(optimizer: &optimizer)
/// let progress = try saved.decodeTrainerState(Progress.self)
/// ```
public struct Checkpoint: Sendable {
    /// The format version this build writes, and the newest it reads.
    package static let formatVersion: UInt32 = 1
    /// The usual file extension.
    package static let fileExtension = "ftckpt"
    /// Default zstd level: level 1 keeps a 16.8M-parameter checkpoint well under a second on two
    /// cores; higher levels barely shrink float weights (see `finetune-bench checkpoint`).
    package static let defaultCompressionLevel = 1

    /// Model parameters by Keras key, in the model's order.
    public var weights: [(key: String, value: Tensor)]
    /// The optimizer's type name (`"RMSprop"`), or `nil` when no optimizer state was saved.
    package var optimizerName: String?
    /// Steps the optimizer had taken (Keras' `optimizer.iterations`).
    package var optimizerIterations: Int
    /// Optimizer slots keyed `"<parameter key>/<slot>"`.
    package var optimizerState: [String: Tensor]
    /// The optimizer's hyper-parameters as JSON (learning rate, ρ, ε, …); empty when unknown.
    package var optimizerConfig: Data
    /// The trainer's state as JSON bytes (phase, epoch, step, RNG states, data positions,
    /// history, best metric); opaque to this module. See ``encodeTrainerState(_:)``.
    package var trainerState: Data
    /// Free-form notes (`"model"`, `"created"`, …), stored sorted by key.
    public var metadata: [String: String]
    /// The file this checkpoint was read from (named in errors), or `nil` for one built in memory.
    package internal(set) var source: URL?

    package init(weights: [(key: String, value: Tensor)], optimizerName: String? = nil,
                optimizerIterations: Int = 0, optimizerState: [String: Tensor] = [:],
                optimizerConfig: Data = Data(), trainerState: Data = Data(),
                metadata: [String: String] = [:]) {
        self.weights = weights
        self.optimizerName = optimizerName
        self.optimizerIterations = optimizerIterations
        self.optimizerState = optimizerState
        self.optimizerConfig = optimizerConfig
        self.trainerState = trainerState
        self.metadata = metadata
        self.source = nil
    }

    /// Snapshots `model`'s parameters and, when given, `optimizer`'s slots, step count and type
    /// name (`String(describing: type(of: optimizer))`, e.g. `"RMSprop"`).
    public init(model: some Layer, optimizer: (any Optimizer)? = nil, optimizerConfig: Data = Data(),
                trainerState: Data = Data(), metadata: [String: String] = [:]) {
        self.init(weights: model.parameters,
                  optimizerName: optimizer.map { String(describing: type(of: $0)) },
                  optimizerIterations: optimizer?.iterations ?? 0,
                  optimizerState: optimizer?.state ?? [:],
                  optimizerConfig: optimizerConfig, trainerState: trainerState, metadata: metadata)
    }

    /// The file name used in error messages.
    var fileDescription: String { source?.path ?? "(in memory)" }

    /// The parameter with `key`, or `nil`.
    package func weight(_ key: String) -> Tensor? { weights.first { $0.key == key }?.value }

    /// Total number of scalars in ``weights``.
    package var parameterCount: Int { weights.reduce(0) { $0 + $1.value.scalarCount } }

    // MARK: Checking and restoring

    /// Every way this checkpoint and `model` disagree: keys the model has and the checkpoint
    /// lacks, keys the checkpoint has and the model lacks (optimizer slots included: a slot
    /// `"<key>/<slot>"` needs parameter `<key>`), and shapes that differ. Empty when they fit.
    package func mismatches(with model: some Layer) -> [ModelMismatch] {
        let modelParameters = model.parameters
        var modelShapes: [String: Shape] = [:]
        for (key, value) in modelParameters { modelShapes[key] = value.shape }
        var saved: [String: Shape] = [:]
        for (key, value) in weights { saved[key] = value.shape }
        var problems: [ModelMismatch] = []
        for (key, value) in modelParameters {
            guard let shape = saved[key] else { problems.append(.missingKey(key)); continue }
            if shape != value.shape { problems.append(.shape(key: key, checkpoint: shape, model: value.shape)) }
        }
        for (key, _) in weights where modelShapes[key] == nil { problems.append(.unexpectedKey(key)) }
        for slot in optimizerState.keys.sorted() {
            let parameter = slot.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            if modelShapes[parameter] == nil { problems.append(.unexpectedKey(slot)) }
        }
        return problems
    }

    /// Throws ``CheckpointError/modelMismatch(file:problems:)`` listing every missing or
    /// unexpected key and every shape that differs (with both shapes).
    package func verify(against model: some Layer) throws {
        let problems = mismatches(with: model)
        if !problems.isEmpty { throw CheckpointError.modelMismatch(file: fileDescription, problems: problems) }
    }

    /// Sets every parameter of `model` to the saved value. Checks every key and shape first
    /// (names and shapes checked first); on any error `model` is left unchanged.
    public func restore(into model: inout some Layer) throws {
        try verify(against: model)
        var updated = model
        for (key, value) in weights {
            do { try updated.setParameter(key, to: value) } catch {
                throw CheckpointError.modelRejected(file: fileDescription, key: key, reason: String(describing: error))
            }
        }
        model = updated
    }

    /// Restores the optimizer's slots and step count. Throws when the checkpoint holds no
    /// optimizer state or another optimizer type's, or when the optimizer refuses the state.
    public func restore(optimizer: inout some Optimizer) throws {
        let given = String(describing: type(of: optimizer))
        guard let saved = optimizerName, saved == given else {
            throw CheckpointError.optimizerMismatch(file: fileDescription, saved: optimizerName, given: given)
        }
        do { try optimizer.restore(state: optimizerState, iterations: optimizerIterations) } catch {
            throw CheckpointError.optimizerRestoreFailed(file: fileDescription, reason: String(describing: error))
        }
    }
}
