// swift-tools-version: 6.1
// Finetune — transfer learning on images in Swift (VGG16 + new head, freeze, train, fine-tune).
// Module graph (arrows point down only) is drawn in Documentation/Architecture.md.
import PackageDescription

// Every module builds with SwiftPM's plain settings (-O in release): no unsafe flags, so other
// packages can depend on Finetune by version. Hot loops get their speed from the code itself
// (buffer pointers, wrapping arithmetic) and from the vectorised C target below.

let package = Package(
    name: "Finetune",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Finetune", targets: ["Finetune"]),
        .executable(name: "finetune", targets: ["finetune"]),
        .executable(name: "demo-catsdogs", targets: ["demo-catsdogs"]),
        .executable(name: "finetune-bench", targets: ["finetune-bench"]),
        // Data-parallel training over MPI; functional only with `--traits MPI` (libopenmpi-dev).
        .library(name: "FinetuneDistributed", targets: ["FinetuneDistributed"]),
        .executable(name: "finetune-mpi", targets: ["finetune-mpi"]),
        .plugin(name: "RegenerateGoldens", targets: ["RegenerateGoldens"]),
    ],
    // MPI is off by default, so a machine without an MPI library builds everything: with it off,
    // FinetuneDistributed and finetune-mpi compile to stubs that say how to rebuild.
    traits: [
        .trait(name: "MPI", description: "Data-parallel training over Open MPI (needs libopenmpi-dev / pkg-config ompi-c)"),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Zip reading for Keras 3 `.keras` archives (`finetune predict model.keras …`).
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // Command plugin only (`swift package generate-documentation`); nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        // ONNX export: the generated onnx.proto types (Sources/FinetuneONNX/onnx.pb.swift,
        // made by .ci/generate-onnx-swift and committed) encode through its runtime.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System-library shims: a module map and one header each, nothing else.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"]), .brew(["open-mpi"])]),
        // libjpeg/libpng decode and encode behind setjmp (their errors longjmp; Swift cannot).
        .target(name: "CImageDecoding",
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // Vectorised C kernels (Winograd transforms), one clone per instruction set, picked at load time.
        .target(name: "CVectorKernels"),

        // Tensor, RNG, threads, CPU kernels (forward/backward pairs + naive reference twins).
        .target(name: "FinetuneCore", dependencies: ["CBLAS", "CVectorKernels"]),
        // The process-wide settings (OpenBLAS core and threads, allocator) the executables opt into;
        // nothing below it can reach it, so no kernel or layer changes its host process.
        .target(name: "FinetuneRuntime", dependencies: ["CBLAS"]),
        // Layer protocol, layers, VGG16, freeze policies, losses, metrics, optimizers.
        .target(name: "FinetuneNN", dependencies: ["FinetuneCore"]),
        // DataSource, image decoding, resize, flow_from_directory, augmentation, prefetch.
        .target(name: "FinetuneData", dependencies: ["FinetuneCore", "CJPEG", "CPNG", "CImageDecoding"],
                ),
        // zstd checkpoints and Keras HDF5 weights.
        .target(name: "FinetuneIO", dependencies: ["FinetuneCore", "FinetuneNN", "CZstd", "CHDF5"],
                ),
        // Trainer, callbacks, history, smoothing, plots.
        .target(name: "FinetuneTraining",
                dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO"]),
        // ONNX export of a trained Sequential (opset 13). Outside the umbrella (swift-protobuf is
        // only built by what exports); the tools depend on it directly.
        .target(name: "FinetuneONNX",
                dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData",
                               .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Umbrella: re-exports everything above, for other packages. Targets of this package list
        // the modules they use themselves: SwiftPM recompiles a target when a module it declares
        // changes, not when a module re-exported through the umbrella does (a stale target keeps
        // the old struct layouts and corrupts memory; PackageDependencyTests checks the lists).
        .target(name: "Finetune",
                dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO",
                               "FinetuneTraining", "FinetuneRuntime"]),

        // DataParallel: sharded batches, one MPI_Allreduce of the trainable gradients a step.
        .target(name: "FinetuneDistributed",
                dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneTraining",
                               .target(name: "CMPI", condition: .when(traits: ["MPI"]))]),

        // The `finetune` command line: train / predict / evaluate / … as testable code of this
        // package (no product: its declarations are `package`, for the executables and tests only).
        .target(name: "FinetuneCommandLine",
                dependencies: ["Finetune", "FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO", "FinetuneTraining",
                               "FinetuneDistributed", "FinetuneRuntime", "FinetuneONNX",
                               .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .executableTarget(name: "finetune", dependencies: ["FinetuneCommandLine", "FinetuneRuntime"]),
        // Chollet's cats-vs-dogs recipe as a preset of `finetune train`'s workflow.
        .executableTarget(name: "demo-catsdogs",
                          dependencies: ["FinetuneCommandLine", "Finetune", "FinetuneCore", "FinetuneNN", "FinetuneData",
                                         "FinetuneIO", "FinetuneTraining", "FinetuneRuntime",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "finetune-bench",
                          dependencies: ["Finetune", "FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO",
                                         "FinetuneTraining", "FinetuneRuntime", "CBLAS", "CVectorKernels",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          exclude: ["Peers", "Profile"]),
        // Runs under mpirun: equivalence and failure checks (.ci/mpi) and the scaling benchmark.
        .executableTarget(name: "finetune-mpi",
                          dependencies: ["Finetune", "FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO",
                                         "FinetuneTraining", "FinetuneDistributed", "FinetuneRuntime",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .plugin(name: "RegenerateGoldens",
                capability: .command(
                    intent: .custom(verb: "regenerate-goldens",
                                    description: "Re-run the pinned Keras/NumPy reference scripts in Goldens/"),
                    permissions: [.writeToPackageDirectory(reason: "Rewrites the golden files under Goldens/")])),

        // Shared test helpers: golden loading, tolerance checks with useful failure messages.
        .target(name: "FinetuneTestSupport", dependencies: ["FinetuneCore"], path: "Tests/FinetuneTestSupport"),
        .testTarget(name: "FinetuneCoreTests", dependencies: ["CBLAS", "FinetuneCore", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneNNTests", dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneDataTests", dependencies: ["FinetuneCore", "FinetuneData", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneIOTests",
                    dependencies: ["FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneIO", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneONNXTests",
                    dependencies: ["FinetuneONNX", "FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneTestSupport",
                                   .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .testTarget(name: "FinetuneCommandLineTests",
                    dependencies: ["FinetuneCommandLine", "Finetune", "FinetuneCore", "FinetuneNN", "FinetuneData",
                                   "FinetuneIO", "FinetuneTraining", "FinetuneRuntime", "FinetuneTestSupport"]),
        .testTarget(name: "FinetuneTrainingTests",
                    dependencies: ["CBLAS", "FinetuneCore", "FinetuneNN", "FinetuneData", "FinetuneTraining", "FinetuneIO",
                                   "FinetuneTestSupport"]),
        // Runs the built demo-catsdogs as a user would (bad flags, bad data) and checks each
        // message and exit code; `swift build --build-tests` (and so `swift test`) builds it.
        .testTarget(name: "DemoCatsDogsTests", dependencies: ["FinetuneData", "FinetuneTestSupport"]),
    ]
)
