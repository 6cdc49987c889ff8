// swift-tools-version: 6.0
// Finetune — transfer learning on images in Swift (VGG16 + new head, freeze, train, fine-tune).
// Module graph (arrows point down only) is drawn in Documentation/Architecture.md.
import PackageDescription

// Release builds: -Ounchecked only for FinetuneCore's kernels (hot loops of index arithmetic that
// bounds and overflow checks slow down by 35–60 % end to end), plain -O everywhere else. With
// -Ounchecked on every module the demo crashed after 100 training steps at 150×150 (a bad pointer
// while copying a data source in Trainer.fit); -O, AddressSanitizer and debug builds of the same
// code ran clean, so the checks stay on outside the kernels until that is understood.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
let release: [SwiftSetting] = []

let package = Package(
    name: "Finetune",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Finetune", targets: ["Finetune"]),
        .executable(name: "demo-catsdogs", targets: ["demo-catsdogs"]),
        .executable(name: "finetune-bench", targets: ["finetune-bench"]),
        .plugin(name: "RegenerateGoldens", targets: ["RegenerateGoldens"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Command plugin only (`swift package generate-documentation`); nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // System-library shims: a module map and one header each, nothing else.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // libjpeg/libpng decode and encode behind setjmp (their errors longjmp; Swift cannot).
        .target(name: "CImageDecoding",
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // Tensor, RNG, threads, CPU kernels (forward/backward pairs + naive reference twins).
        .target(name: "FinetuneCore", dependencies: ["CBLAS"], swiftSettings: kernels),
        // Layer protocol, layers, VGG16, freeze policies, losses, metrics, optimizers.
        .target(name: "FinetuneNN", dependencies: ["FinetuneCore"], swiftSettings: release),
        // DataSource, image decoding, resize, flow_from_directory, augmentation, prefetch.
        .target(name: "FinetuneData", dependencies: ["FinetuneCore", "CJPEG", "CPNG", "CImageDecoding"],
                swiftSettings: release),
        // zstd checkpoints and Keras HDF5 weights.
        .target(name: "FinetuneIO", dependencies: ["FinetuneNN", "CZstd", "CHDF5"],
                swiftSettings: release),
        // Trainer, callbacks, history, smoothing, plots.
        .target(name: "FinetuneTraining",
                dependencies: ["FinetuneNN", "FinetuneData", "FinetuneIO"], swiftSettings: release),
        // Umbrella: re-exports everything above.
        .target(name: "Finetune",
                dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO",
                               "FinetuneTraining"]),

        .executableTarget(name: "demo-catsdogs",
                          dependencies: ["Finetune",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: release),
        .executableTarget(name: "finetune-bench",
                          dependencies: ["Finetune",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          exclude: ["Peers"],
                          swiftSettings: release),

        .plugin(name: "RegenerateGoldens",
                capability: .command(
                    intent: .custom(verb: "regenerate-goldens",
                                    description: "Re-run the pinned Keras/NumPy reference scripts in Goldens/"),
                    permissions: [.writeToPackageDirectory(reason: "Rewrites the golden files under Goldens/")])),

        // Shared test helpers: golden loading, tolerance checks with useful failure messages.
        .target(name: "FinetuneTestSupport", dependencies: ["FinetuneCore"], path: "Tests/FinetuneTestSupport"),
        .testTarget(name: "FinetuneCoreTests", dependencies: ["FinetuneCore", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneNNTests", dependencies: ["FinetuneNN", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneDataTests", dependencies: ["FinetuneData", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneIOTests", dependencies: ["FinetuneIO", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneTrainingTests",
                    dependencies: ["FinetuneTraining", "FinetuneIO", "FinetuneTestSupport"]),
        // Runs the built demo-catsdogs as a user would (bad flags, bad data) and checks each
        // message and exit code; `swift build --build-tests` (and so `swift test`) builds it.
        .testTarget(name: "DemoCatsDogsTests", dependencies: ["FinetuneData", "FinetuneTestSupport"]),
    ]
)
