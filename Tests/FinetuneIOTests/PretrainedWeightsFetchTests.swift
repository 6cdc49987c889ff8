import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneIO

/// Downloading Keras' weights, against a server on 127.0.0.1 started by each test: a verified file
/// lands under its final name and is reused; a wrong hash, a cut transfer or a missing server never
/// leave anything under that name; an interrupted download resumes with an HTTP Range request.
@Suite("Pretrained weights: fetch")
struct PretrainedWeightsFetchTests {
    /// 1 MiB + 7 bytes; MD5 computed by Python's hashlib over the same formula:
    /// `bytes(((i * 2654435761) >> 13) & 0xFF for i in range(1_048_583))`.
    static let payload: [UInt8] = (0..<1_048_583).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
    static let payloadMD5 = "6afe401dad84773b8e640ec0d322f1f2"
    static let path = "/models/weights.h5"

    /// A fresh server holding the payload, a temporary cache folder, and the file's destination.
    final class Setup {
        let server: LoopbackHTTPServer
        let directory: TemporaryDirectory
        var destination: URL { directory.file("models/weights.h5") }
        var partial: String { destination.path + ".part" }
        var origin: URL { URL(string: String(PretrainedWeightsFetchTests.path.dropFirst()), relativeTo: server.baseURL)!.absoluteURL }
        init(files: [String: [UInt8]] = [PretrainedWeightsFetchTests.path: PretrainedWeightsFetchTests.payload]) throws {
            server = try LoopbackHTTPServer(files: files)
            directory = try TemporaryDirectory()
        }
        deinit { server.stop() }
        func listing() throws -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: directory.file("models").path).sorted()) ?? []
        }
        func download(hash: String? = PretrainedWeightsFetchTests.payloadMD5) throws -> URL {
            try PretrainedWeights.download(origin, fileHash: hash, to: destination, idleTimeout: 10)
        }
    }

    @Test("MD5 gives RFC 1321's test values, and the same digest fed in pieces")
    func md5() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"), ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"), ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (text, digest) in vectors { #expect(MD5.hex(Array(text.utf8)) == digest, "\(text)") }
        #expect(MD5.hex(Self.payload) == Self.payloadMD5)
        var pieces = MD5()
        var at = 0
        for size in [1, 63, 64, 65, 1000, 4096, 100_000] + Array(repeating: 300_000, count: 4) {
            let end = min(at + size, Self.payload.count)
            Self.payload[at..<end].withUnsafeBytes { pieces.update($0) }
            at = end
        }
        #expect(at == Self.payload.count)
        #expect(pieces.finalize() == Self.payloadMD5)
    }

    @Test("a download matching the hash lands under its name, no .part left, and is reused without the server")
    func verifiedAndReused() throws {
        let setup = try Setup()
        let file = try setup.download()
        #expect(file == setup.destination)
        #expect([UInt8](try Data(contentsOf: file)) == Self.payload)
        #expect(try setup.listing() == ["weights.h5"])
        #expect(setup.server.requests.withLock { $0 } == [.init(path: Self.path, range: nil)])
        setup.server.behaviour.withLock { $0 = .status(500) }
        #expect(try setup.download() == setup.destination)
        #expect(setup.server.requests.withLock { $0.count } == 1, "a valid file is reused without a request")
    }

    @Test("a wrong hash leaves nothing in the cache and says both hashes, the address and the path")
    func wrongHash() throws {
        let setup = try Setup()
        let wrong = "0123456789abcdef0123456789abcdef"
        #expect {
            try setup.download(hash: wrong)
        } throws: { error in
            guard case let .hashMismatch(url, path, expected, actual) = error as? PretrainedWeightsError else { return false }
            let text = "\(error)"
            return url == setup.origin.absoluteString && path == setup.destination.path && expected == wrong
                && actual == Self.payloadMD5 && text.contains(url) && text.contains(path) && text.contains("deleted")
        }
        #expect(try setup.listing() == [])
    }

    @Test("a mismatching file under the final name is replaced by a verified download")
    func badCachedFileReplaced() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not the weights".utf8).write(to: setup.destination)
        #expect(try setup.download() == setup.destination)
        #expect([UInt8](try Data(contentsOf: setup.destination)) == Self.payload)
    }

    @Test("a transfer cut short keeps its bytes in .part, never under the final name; the next fetch resumes with Range")
    func truncatedThenResumed() throws {
        let setup = try Setup()
        setup.server.behaviour.withLock { $0 = .truncateAfter(400_000) }
        #expect {
            try setup.download()
        } throws: { error in
            guard case let .truncated(_, path, received, expected, partial) = error as? PretrainedWeightsError else { return false }
            return path == setup.destination.path && received == 400_000 && expected == Int64(Self.payload.count)
                && partial == setup.partial && "\(error)".contains("resumes")
        }
        #expect(try setup.listing() == ["weights.h5.part"])
        #expect((try FileManager.default.attributesOfItem(atPath: setup.partial)[.size] as? Int) == 400_000)

        setup.server.behaviour.withLock { $0 = .serve }
        #expect(try setup.download() == setup.destination)
        #expect(setup.server.requests.withLock { $0.last } == .init(path: Self.path, range: "bytes=400000-"))
        #expect([UInt8](try Data(contentsOf: setup.destination)) == Self.payload)
        #expect(try setup.listing() == ["weights.h5"])
    }

    @Test("a .part from an earlier run is resumed; a server that ignores Range sends the whole file again",
          arguments: [LoopbackHTTPServer.Behaviour.serve, .ignoreRange])
    func resumeFromPart(_ behaviour: LoopbackHTTPServer.Behaviour) throws {
        let setup = try Setup()
        setup.server.behaviour.withLock { $0 = behaviour }
        try FileManager.default.createDirectory(at: setup.destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(Self.payload.prefix(123_457)).write(to: URL(fileURLWithPath: setup.partial))
        #expect(try setup.download() == setup.destination)
        #expect(setup.server.requests.withLock { $0 } == [.init(path: Self.path, range: "bytes=123457-")])
        #expect([UInt8](try Data(contentsOf: setup.destination)) == Self.payload)
        #expect(try setup.listing() == ["weights.h5"])
    }

    @Test("a .part that does not belong to the file is detected by the hash and downloaded again from the start")
    func resumedWrongPrefix() throws {
        let setup = try Setup()
        try FileManager.default.createDirectory(at: setup.destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 5000).write(to: URL(fileURLWithPath: setup.partial))
        #expect(try setup.download() == setup.destination)
        #expect(setup.server.requests.withLock { $0.map(\.range) } == ["bytes=5000-", nil])
        #expect([UInt8](try Data(contentsOf: setup.destination)) == Self.payload)
        // A complete .part (the server answers 416 to its range) is verified and kept.
        try FileManager.default.moveItem(atPath: setup.destination.path, toPath: setup.partial)
        #expect(try setup.download() == setup.destination)
        #expect(setup.server.requests.withLock { $0.last?.range } == "bytes=\(Self.payload.count)-")
        #expect(try setup.listing() == ["weights.h5"])
    }

    @Test("no server: the error names the address to download and the path to copy the file to; nothing is left")
    func serverGone() throws {
        let port = try LoopbackHTTPServer.closedPort()
        let directory = try TemporaryDirectory()
        let destination = directory.file("models/weights.h5")
        let origin = URL(string: "http://127.0.0.1:\(port)/models/weights.h5")!
        #expect {
            try PretrainedWeights.download(origin, fileHash: Self.payloadMD5, to: destination, idleTimeout: 10)
        } throws: { error in
            guard case .unreachable = error as? PretrainedWeightsError else { return false }
            let text = "\(error)"
            return text.contains("download \(origin.absoluteString) on another machine and copy it to \(destination.path)")
                && text.contains("refused")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("models").path) == [])
    }

    @Test("an HTTP error names the status and the address")
    func httpError() throws {
        let setup = try Setup()
        setup.server.behaviour.withLock { $0 = .status(503) }
        #expect(throws: PretrainedWeightsError.httpStatus(url: setup.origin.absoluteString, path: setup.destination.path, status: 503)) {
            try setup.download()
        }
        #expect(try setup.listing() == [])
    }

    @Test("fetch(.vgg16) asks for Keras' file name under $FINETUNE_WEIGHTS_BASE_URL, stores under $KERAS_HOME/models, and checks Keras' MD5")
    func fetchUsesKerasNamesAndHash() throws {
        let path = "/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
        let server = try LoopbackHTTPServer(files: [path: Self.payload])
        defer { server.stop() }
        let home = try TemporaryDirectory()
        let environment = ["KERAS_HOME": home.url.path, "FINETUNE_WEIGHTS_BASE_URL": server.baseURL.absoluteString]
        #expect(PretrainedWeights.vgg16.url(environment: environment).absoluteString
                == server.baseURL.absoluteString + String(path.dropFirst()))
        #expect(PretrainedWeights.vgg16.url(environment: [:]).absoluteString
                == "https://storage.googleapis.com/tensorflow/keras-applications" + path)
        #expect {
            try PretrainedWeights.fetch(.vgg16, environment: environment)
        } throws: { error in
            guard case let .hashMismatch(_, file, expected, actual) = error as? PretrainedWeightsError else { return false }
            return file == home.url.path + "/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
                && expected == "6d6bbae143d832006294945121d1f1fc" && actual == Self.payloadMD5
        }
        #expect(server.requests.withLock { $0.map(\.path) } == [path])
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.file("models").path) == [])
    }

    @Test("Keras' cache: $KERAS_HOME/models, else ~/.keras/models")
    func cacheDirectory() throws {
        #expect(PretrainedWeights.cacheDirectory(environment: ["KERAS_HOME": "/srv/keras"]).path == "/srv/keras/models")
        let home = try TemporaryDirectory()
        #expect(PretrainedWeights.cacheDirectory(environment: ["HOME": home.url.path]).path == home.url.path + "/.keras/models")
        #expect(PretrainedWeights.mobilenetv2.url.absoluteString == "https://storage.googleapis.com/tensorflow/keras-applications/"
                + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5")
        #expect(PretrainedWeights.resnet50v2.url.absoluteString == "https://storage.googleapis.com/tensorflow/keras-applications/"
                + "resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5")
    }
}

/// The addresses and hashes recorded in ``PretrainedWeights`` against the Keras source they were
/// taken from, when a Keras 3 package is installed beside the repository (`bash
/// .ci/install-keras-peer` makes `.venv-keras`; `.ci/finetune-cli` makes `.venv-cli`).
@Suite("Pretrained weights: Keras' published addresses and hashes")
struct PretrainedWeightsKerasSourceTests {
    static let applications: URL? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for venv in [".venv-keras", ".venv-cli"] {
            let lib = root.appendingPathComponent(venv).appendingPathComponent("lib")
            for python in (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? [] {
                let folder = lib.appendingPathComponent("\(python)/site-packages/keras/src/applications")
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent("vgg16.py").path) { return folder }
            }
        }
        return nil
    }()

    func source(_ name: String) throws -> String {
        try String(contentsOf: try #require(Self.applications).appendingPathComponent(name), encoding: .utf8)
    }

    func firstMatch(_ pattern: String, in text: String) -> String? {
        let regex = try! NSRegularExpression(pattern: pattern)
        guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
              let range = Range(match.range(at: 1), in: text) else { return nil }
        return String(text[range])
    }

    @Test("each file's name, folder and MD5 are the ones keras/src/applications passes to get_file",
          .enabled(if: applications != nil, "no Keras package in .venv-keras or .venv-cli"))
    func matchesKeras() throws {
        for weights in [PretrainedWeights.vgg16, .vgg19] {
            let text = try source("\(weights.rawValue).py")
            #expect(text.contains("keras-applications/\"\n    \"\(weights.folder)/\"\n    \"\(weights.fileName)\"")
                    || text.contains("keras-applications/\(weights.folder)/\"\n    \"\(weights.fileName)\""), "\(weights)")
            let hash = firstMatch("\"\(weights.fileName)\",\\s*WEIGHTS_PATH_NO_TOP,\\s*cache_subdir=\"models\",\\s*file_hash=\"([0-9a-f]{32})\"", in: text)
            #expect(hash == weights.fileHash, "\(weights)")
        }
        let resnet = try source("resnet.py")
        #expect(resnet.contains("\"https://storage.googleapis.com/tensorflow/keras-applications/resnet/\""))
        #expect(resnet.contains("f\"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5\""))
        for weights in [PretrainedWeights.resnet50, .resnet101, .resnet152, .resnet50v2, .resnet101v2, .resnet152v2] {
            let hash = firstMatch("\"\(weights.rawValue)\": \\(\\s*\"[0-9a-f]{32}\",\\s*\"([0-9a-f]{32})\",\\s*\\)", in: resnet)
            #expect(hash == weights.fileHash, "\(weights)")
        }
        let mobilenet = try source("mobilenet_v2.py")
        #expect(mobilenet.contains("\"https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/\""))
        #expect(mobilenet.contains("f\"{float(alpha)}_{rows}_no_top.h5\""))
        #expect(!mobilenet.contains("file_hash"), "Keras now publishes a hash for MobileNetV2: record it")
        #expect(PretrainedWeights.mobilenetv2.fileHash == nil)
    }
}
