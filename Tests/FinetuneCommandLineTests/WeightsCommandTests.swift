import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune
import FinetuneTestSupport

/// `finetune weights fetch` and `finetune weights list`, with Keras' cache in a temporary folder
/// ($KERAS_HOME) and Keras' address replaced by a server on 127.0.0.1 ($FINETUNE_WEIGHTS_BASE_URL).
@Suite("finetune weights")
struct WeightsCommandTests {
    static let payload: [UInt8] = (0..<70_001).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    @Test("fetch stores Keras' file in $KERAS_HOME/models, says where from and to, then reuses it; list shows it")
    func fetchAndList() throws {
        let mobilenet = "/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
        let vgg = "/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
        let server = try LoopbackHTTPServer(files: [mobilenet: Self.payload, vgg: Self.payload])
        defer { server.stop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-weights-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["KERAS_HOME": home.path, "FINETUNE_WEIGHTS_BASE_URL": server.baseURL.absoluteString]

        var said: [String] = []
        let file = try WeightsCommand.Fetch.perform(.mobilenetv2, environment: environment, say: { said.append($0) })
        #expect(file.path == home.path + "/models" + mobilenet.dropFirst("/mobilenet_v2".count))
        #expect([UInt8](try Data(contentsOf: file)) == Self.payload)
        #expect(said.first?.contains(server.baseURL.absoluteString + mobilenet.dropFirst()) == true)
        #expect(said.first?.contains(file.path) == true)
        #expect(said.last?.contains("not verified") == true)
        said = []
        _ = try WeightsCommand.Fetch.perform(.mobilenetv2, environment: environment, say: { said.append($0) })
        #expect(said == ["mobilenetv2: already in Keras' cache"])
        #expect(server.requests.withLock { $0.count } == 1)

        // VGG16 with a file that is not Keras': refused by Keras' MD5, nothing cached.
        #expect {
            try WeightsCommand.Fetch.perform(.vgg16, environment: environment)
        } throws: { "\($0)".contains("6d6bbae143d832006294945121d1f1fc") && "\($0)".contains("deleted") }
        try Data(Self.payload.prefix(10_000)).write(to: home.appendingPathComponent("models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5.part"))

        let list = try WeightsCommand.List.output(environment: environment)
        #expect(list.contains("cache: \(home.path)/models"))
        #expect(list.contains("mobilenetv2   yes, 0.1 MB"))
        #expect(list.contains("vgg16         no "))
        #expect(list.contains("vgg19         partial, 0.0 MB"))
        #expect(list.contains("from:  \(server.baseURL.absoluteString)<folder>/<file>"))

        // `finetune train` finds VGG16's file in the same cache.
        try Data(Self.payload).write(to: home.appendingPathComponent("models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"))
        #expect(try PretrainedWeights.locate(flag: nil, environment: environment)
                == .file(home.appendingPathComponent("models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"), origin: "Keras' cache"))
        #expect(try WeightsCommand.List.output(verify: true, environment: environment).contains("vgg16         yes, 0.1 MB, MD5 WRONG"))
    }

    @Test("an unknown name is a usage error listing the known ones")
    func unknownName() {
        #expect {
            try FinetuneCommand.parseAsRoot(["weights", "fetch", "vgg17"])
        } throws: { FinetuneCommand.message(for: $0).contains("unknown weights 'vgg17'; known: vgg16, vgg19, resnet50") }
    }
}
