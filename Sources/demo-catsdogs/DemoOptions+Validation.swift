import ArgumentParser
import Foundation
import Finetune
import FinetuneCommandLine

/// Every flag checked before anything is read or written: each error names the flag, the value
/// and the accepted range.
extension DemoOptions {
    static let limits = (batchSize: 1...4096, imageSize: 32...2048, epochs: 0...100_000, steps: 1...1_000_000,
                         threads: 1...1024)

    func validateFlags() throws {
        try check("--batch-size", batchSize, in: Self.limits.batchSize)
        if let v = imageSize { try check("--image-size", v, in: Self.limits.imageSize, note: " (VGG16 needs ≥ 32)") }
        if let v = phase1Epochs { try check("--phase1-epochs", v, in: Self.limits.epochs) }
        if let v = phase2Epochs { try check("--phase2-epochs", v, in: Self.limits.epochs) }
        for (flag, value) in [("--steps-per-epoch", stepsPerEpoch), ("--validation-steps", validationSteps),
                              ("--test-steps", testSteps)] {
            if let value { try check(flag, value, in: Self.limits.steps) }
        }
        if let v = threads { try check("--threads", v, in: Self.limits.threads) }
        try checkReal("--lr1", Double(lr1), "a learning rate in (0, 1]") { $0 > 0 && $0 <= 1 }
        try checkReal("--lr2", Double(lr2), "a learning rate in (0, 1]") { $0 > 0 && $0 <= 1 }
        try checkReal("--rotation", rotation, "degrees in [0, 180]") { (0...180).contains($0) }
        try checkReal("--width-shift", widthShift, "a fraction of the width in [0, 1)") { $0 >= 0 && $0 < 1 }
        try checkReal("--height-shift", heightShift, "a fraction of the height in [0, 1)") { $0 >= 0 && $0 < 1 }
        try checkReal("--shear", shear, "degrees in [0, 90)") { $0 >= 0 && $0 < 90 }
        try checkReal("--zoom", zoom, "z in [0, 1) (zoom is drawn from [1 − z, 1 + z])") { $0 >= 0 && $0 < 1 }
        guard ["rescale", "caffe"].contains(preprocessing) else {
            throw ValidationError("--preprocessing: '\(preprocessing)' is not accepted; use rescale or caffe")
        }
        guard ["nearest", "constant", "reflect", "wrap"].contains(fillMode) else {
            throw ValidationError("--fill-mode: '\(fillMode)' is not accepted; use nearest, constant, reflect or wrap")
        }
        guard ["per-sample", "keras"].contains(augmentationRandomness) else {
            throw ValidationError("--augmentation-randomness: '\(augmentationRandomness)' is not accepted; use per-sample or keras")
        }
        guard Self.baseLayers.contains(unfreezeFrom) else {
            throw ValidationError("--unfreeze-from: VGG16 has no layer '\(unfreezeFrom)'; use one of \(Self.baseLayers.joined(separator: ", "))")
        }
        guard !(overwrite && resume != nil) else {
            throw ValidationError("--overwrite and --resume exclude each other: --resume continues the run in --out, --overwrite replaces it")
        }
        try checkPaths()
        try checkMemory()
    }

    /// VGG16's layer names (Keras'), in order.
    static let baseLayers: [String] = zip(1...5, [2, 2, 3, 3, 3]).flatMap { block, convs in
        (1...convs).map { "block\(block)_conv\($0)" } + ["block\(block)_pool"]
    }

    private func check(_ flag: String, _ value: Int, in range: ClosedRange<Int>, note: String = "") throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag): \(value) is out of range; use \(range.lowerBound)…\(range.upperBound)\(note)")
        }
    }

    private func checkReal(_ flag: String, _ value: Double, _ accepted: String, _ isValid: (Double) -> Bool) throws {
        guard value.isFinite, isValid(value) else {
            throw ValidationError("\(flag): \(value) is not accepted; use \(accepted)")
        }
    }

    private func checkPaths() throws {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if let data, !(fm.fileExists(atPath: data, isDirectory: &isFolder) && isFolder.boolValue) {
            throw ValidationError("--data: no folder at '\(data)'; pass the dataset root holding train/, validation/ and test/")
        }
        for (flag, path) in [("--resume", resume), ("--initial-weights", initialWeights), ("--weights", weights == "none" ? nil : weights)] {
            guard let path else { continue }
            guard fm.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                throw ValidationError("\(flag): no file at '\(path)'; check the path\(flag == "--weights" ? ", or pass --weights none" : "")")
            }
        }
        if fm.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
            throw ValidationError("--out: '\(out)' is a file; pass a folder (it is created when missing)")
        }
    }

    /// Refuses an image size and batch size whose training would not fit in memory.
    private func checkMemory() throws {
        if let refusal = MemoryEstimate.refusal(imageSize: DemoSchedule(self).imageSize, batchSize: batchSize) {
            throw ValidationError(refusal)
        }
    }
}
