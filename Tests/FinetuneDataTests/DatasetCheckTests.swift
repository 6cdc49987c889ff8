import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneData

@Suite("DatasetCheck")
struct DatasetCheckTests {
    /// train/validation/test, each with the given class folders holding one image.
    static func dataset(_ classes: [String: [String]]) throws -> ScratchFolder {
        let folder = try ScratchFolder("dataset-check")
        for (split, names) in classes {
            for name in names { try folder.copy("rgb8.png", to: "\(split)/\(name)/a.png") }
        }
        return folder
    }

    @Test("identical classes in every split pass")
    func identical() throws {
        let folder = try Self.dataset(["train": ["cats", "dogs"], "validation": ["cats", "dogs"], "test": ["cats", "dogs"]])
        let check = try DatasetCheck(root: folder.path)
        try check.validateClasses(for: .binary)
        #expect(check.sampleCounts == [2, 2, 2])
    }

    @Test("lists every split's missing and extra classes")
    func differences() throws {
        let folder = try Self.dataset(["train": ["birds", "cats", "dogs"], "validation": ["cats", "dogs"], "test": ["cats", "fish"]])
        #expect(throws: DataError.classesDiffer(reference: "train", classes: ["birds", "cats", "dogs"], differences: [
            ClassDifference(split: "validation", missing: ["birds"], extra: []),
            ClassDifference(split: "test", missing: ["birds", "dogs"], extra: ["fish"]),
        ])) { try DatasetCheck(root: folder.path).validateClasses(for: .categorical) }
    }

    @Test("binary labels need exactly two classes")
    func binaryNeedsTwo() throws {
        let folder = try Self.dataset(["train": ["cats"], "validation": ["cats"], "test": ["cats"]])
        #expect(throws: DataError.wrongClassCount(path: folder.path + "/train", classes: ["cats"], expected: 2, mode: "binary")) {
            try DatasetCheck(root: folder.path).validateClasses(for: .binary)
        }
        try DatasetCheck(root: folder.path).validateClasses(for: .categorical)
    }

    @Test("every class of every split needs an image, counting only the usable ones")
    func emptyClass() throws {
        let folder = try Self.dataset(["train": ["cats", "dogs"], "validation": ["cats", "dogs"], "test": ["cats", "dogs"]])
        let check = try DatasetCheck(root: folder.path)
        #expect(throws: DataError.emptyClassFolder(path: folder.path + "/test/dogs", extensions: DirectoryListing.acceptedExtensions)) {
            try check.validateClasses(for: .binary, excluding: [folder.path + "/test/dogs/a.png"])
        }
    }

    @Test("names that are not UTF-8 are refused with their bytes shown, never dropped")
    func invalidNames() throws {
        let folder = try Self.dataset(["train": ["cats", "dogs"], "validation": ["cats", "dogs"], "test": ["cats", "dogs"]])
        func rawPath(_ prefix: String, _ bytes: [UInt8]) -> [CChar] {
            (Array(prefix.utf8) + bytes + [0]).map { CChar(bitPattern: $0) }
        }
        // A file with an accepted extension.
        let file = rawPath(folder.path + "/train/cats/", [0x63, 0xFF] + Array(".jpg".utf8))
        #expect(rename(folder.path + "/train/cats/a.png", file) == 0)
        #expect(throws: DataError.invalidName(path: folder.path + "/train/cats/c\\xFF.jpg")) {
            try DirectoryListing(root: folder.path + "/train")
        }
        // A class folder.
        #expect(rename(file, folder.path + "/train/cats/a.png") == 0)
        #expect(rename(folder.path + "/validation/dogs", rawPath(folder.path + "/validation/", [0x64, 0xF6, 0x67])) == 0)
        #expect(throws: DataError.invalidName(path: folder.path + "/validation/d\\xF6g")) {
            try DirectoryListing(root: folder.path + "/validation")
        }
        // Hidden entries and files that are not images stay ignored, whatever their names.
        #expect(rename(rawPath(folder.path + "/validation/", [0x64, 0xF6, 0x67]), folder.path + "/validation/dogs") == 0)
        let hidden = open(rawPath(folder.path + "/test/cats/", [0x2E, 0xFF]), O_CREAT | O_WRONLY, 0o644)
        #expect(hidden >= 0)
        close(hidden)
        #expect(try DirectoryListing(root: folder.path + "/test").relativePaths == ["cats/a.png", "dogs/a.png"])
    }
}

@Suite("Out-of-range settings are typed errors, not traps")
struct SettingsValidationTests {
    @Test("augmentation ranges: NaN, infinite, negative, a zoom reaching 0", arguments: [
        Augmentation(zoom: .nan), Augmentation(zoom: .infinity), Augmentation(zoom: 1.5), Augmentation(zoom: -1),
        Augmentation(rotationRange: -1), Augmentation(widthShiftRange: .infinity), Augmentation(shearRange: .nan),
    ])
    func augmentation(_ a: Augmentation) {
        #expect(throws: DataError.self) { try a.validate() }
    }

    @Test("a batch too large to allocate")
    func hugeBatch() throws {
        let folder = try ScratchFolder("huge-batch")
        try folder.copy("rgb8.png", to: "a/x.png")
        #expect(throws: DataError.self) {
            try DirectorySource(directory: folder.path, targetSize: (1_000_000, 1_000_000), batchSize: 20)
        }
    }
}
