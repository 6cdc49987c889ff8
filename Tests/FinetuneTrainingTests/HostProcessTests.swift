import CBLAS
import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

/// A library never changes its host process unless the application asks (`Runtime.configureProcess()`,
/// which no test of this process calls). A host that runs OpenBLAS itself, with its own thread
/// count, and then trains with Finetune must find OpenBLAS as it left it: same thread count, same
/// kernel set, same `OPENBLAS_CORETYPE`.
@Suite("Host process")
struct HostProcessTests {
    @Test("a host's OpenBLAS threads, kernel set and environment are unchanged after Finetune trains")
    func openBLASUntouched() throws {
        // The host uses OpenBLAS with its default thread count (one per core) for its own work. The
        // test does not set it: other tests of this process call OpenBLAS at the same time, and
        // changing OpenBLAS's thread pool under a running call is not safe.
        let threads = Int(openblas_get_num_threads())
        let core = String(cString: openblas_get_corename())
        let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        var a = [Float](repeating: 1, count: 64 * 64), c = [Float](repeating: 0, count: 64 * 64)
        // (Serialized with Finetune's own calls, as OpenBLAS on several threads needs.)
        BLASThreading.serialized { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 64, 64, 64, 1, a, 64, a, 64, 0, &c, 64) }
        #expect(c[0] == 64)

        // Then Finetune: convolutions (Winograd and lowered), pooling, dense layers, forward and
        // backward, an optimizer, a checkpointable trainer.
        var rng = SeededRNG(seed: 3)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, denseUnits: 8, using: &rng)
        let images = Tensor.uniform([8, 32, 32, 3], low: 0, high: 1, using: &rng)
        let labels = Tensor(shape: [8, 1], scalars: (0..<8).map { Float($0 % 2) })
        let trainer = try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), freezing: .from("block5_conv1"), seed: 1)
        var source = TensorSource(images: images, labels: labels, batchSize: 4)
        try trainer.fit(&source, epochs: 1, stepsPerEpoch: 2, validation: source)
        #expect(trainer.history.epochs.count == 1)

        #expect(Int(openblas_get_num_threads()) == threads, "Finetune changed OpenBLAS's thread count")
        #expect(String(cString: openblas_get_corename()) == core, "Finetune changed OpenBLAS's kernel set")
        #expect(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == coreType, "Finetune set OPENBLAS_CORETYPE")
        a[0] = 0   // keeps `a` a var the host owns
    }

    @Test("no library module (kernels, layers, data, I/O, training) calls what changes a process")
    func librarySourcesDoNotChangeTheProcess() throws {
        // The words stand for: the environment, another library's globals, the allocator, a forked
        // child, a symbol looked up at run time. Only FinetuneRuntime (the opt-in) and the tools may.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let library = ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO", "FinetuneTraining",
                       "FinetuneDistributed", "Finetune", "CVectorKernels", "CImageDecoding"]
        let pattern = try Regex(#"\b(setenv|putenv|mallopt|fork|dlsym|dlopen|openblas_set_num_threads|gotoblas_dynamic_init|gotoblas_dynamic_quit)\s*\("#)
        var found: [String] = []
        for module in library {
            let folder = sources.appendingPathComponent(module)
            let files = try #require(FileManager.default.enumerator(atPath: folder.path)).compactMap { $0 as? String }
            #expect(!files.isEmpty, "no sources found in \(folder.path)")
            for file in files where file.hasSuffix(".swift") || file.hasSuffix(".c") || file.hasSuffix(".h") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    if code.contains(pattern) { found.append("\(module)/\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))") }
                }
            }
        }
        #expect(found.isEmpty, "process-wide calls in library code:\n\(found.joined(separator: "\n"))")
    }
}
