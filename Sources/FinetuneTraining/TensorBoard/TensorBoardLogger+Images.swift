import Foundation
import FinetuneData

extension TensorBoardLogger {
    /// Writes a PNG image (its bytes as they are; TensorBoard decodes them in the browser).
    /// Throws ``TensorBoardError/notPNG(path:)`` when `png` is not one.
    package func logImage(_ tag: String, png: [UInt8], step: Int, run: Run = .train) throws {
        guard let size = Self.pngSize(png) else { throw TensorBoardError.notPNG(path: tag) }
        try log([TensorBoardValue(tag: tag, .image(png: png, width: size.width, height: size.height))], step: step, run: run)
    }

    /// Writes the PNG file at `url` (a plot, a Grad-CAM overlay, a confusion matrix).
    package func logImage(_ tag: String, pngFile url: URL, step: Int, run: Run = .train) throws {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw TensorBoardError.unwritable(path: url.path, reason: "cannot read the image: \(error.localizedDescription)")
        }
        guard Self.pngSize(bytes) != nil else { throw TensorBoardError.notPNG(path: url.path) }
        try logImage(tag, png: bytes, step: step, run: run)
    }

    /// Writes `rows × columns` augmented versions of `image` as one image tagged
    /// `augmented_samples` at step 0: what the training loop sees, drawn by
    /// ``/FinetuneData/Augmentation/writeGrid(of:rows:columns:seed:to:)``. Returns the PNG's bytes.
    @discardableResult
    package func logAugmentedSamples(_ augmentation: Augmentation, of image: RGBImage, rows: Int = 3,
                                    columns: Int = 4, seed: Int = 0) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("finetune-tensorboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("augmented_samples.png")
        try augmentation.writeGrid(of: image, rows: rows, columns: columns, seed: seed, to: url)
        let png = Array(try Data(contentsOf: url))
        try logImage("augmented_samples", png: png, step: 0)
        try flush()
        return png
    }

    /// Width and height from a PNG's `IHDR` chunk, or `nil` when `bytes` is not a PNG.
    static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func u32(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (u32(16), u32(20))
    }
}
