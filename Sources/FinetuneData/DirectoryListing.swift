#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files of a `flow_from_directory` folder, listed as Keras lists them.
///
/// Classes: the sub-folders of `root` (symbolic links to folders count), sorted by code point
/// (UTF-8 byte order, Python's `sorted`); unlike Keras, folders whose name starts with "." are not
/// classes (Keras would turn `.ipynb_checkpoints` into a class). Files: each class folder is walked
/// recursively without following linked sub-folders (`os.walk`), folders in order of their full
/// path, files sorted by name within a folder; a file is kept when its lower-cased name ends with
/// png, jpg, jpeg, bmp, ppm, tif or tiff (Keras tests `endswith` without the dot).
public struct DirectoryListing: Sendable, Hashable {
    /// Keras' `white_list_formats`.
    public static let acceptedExtensions = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"]

    public let root: String
    /// Class names in label order.
    public let classNames: [String]
    /// Paths relative to `root` ("cats/cat.1.jpg"), in Keras' order.
    public let relativePaths: [String]
    /// Class index of each file.
    public let labels: [Int]
    /// Class folders that hold no image (only possible when empty classes are allowed).
    public let emptyClasses: [String]

    /// Lists `root`. Throws when it is missing, has no class folder, has no image at all, or
    /// (unless `allowEmptyClasses`) when a class folder is empty.
    public init(root: String, classes: [String]? = nil, allowEmptyClasses: Bool = false) throws {
        guard isDirectory(root) else { throw DataError.missingDirectory(path: root) }
        let names: [String]
        if let classes {
            names = classes
            for c in classes where !isDirectory(join(root, c)) {
                throw DataError.missingDirectory(path: join(root, c))
            }
        } else {
            names = try entries(of: root).filter { !$0.hasPrefix(".") && isDirectory(join(root, $0)) }.sorted(by: byteOrder)
        }
        guard !names.isEmpty else { throw DataError.noClassFolders(path: root) }
        var paths: [String] = [], labels: [Int] = [], empty: [String] = []
        for (label, name) in names.enumerated() {
            let top = join(root, name)
            var folders: [String] = []
            try walk(top, into: &folders)
            folders.sort(by: byteOrder)
            var count = 0
            for folder in folders {
                let files = try entries(of: folder).filter { !isDirectory(join(folder, $0)) }
                for file in files.sorted(by: byteOrder) where Self.accepts(file) {
                    let relative = name + String(join(folder, file).dropFirst(top.count))
                    paths.append(relative)
                    labels.append(label)
                    count += 1
                }
            }
            if count == 0 {
                guard allowEmptyClasses else {
                    throw DataError.emptyClassFolder(path: top, extensions: Self.acceptedExtensions)
                }
                empty.append(name)
            }
        }
        guard !paths.isEmpty else { throw DataError.noImages(path: root, extensions: Self.acceptedExtensions) }
        self.root = root
        self.classNames = names
        self.relativePaths = paths
        self.labels = labels
        self.emptyClasses = empty
    }

    /// A listing of the given files of `root` (a part of a folder's listing).
    init(root: String, classNames: [String], relativePaths: [String], labels: [Int], emptyClasses: [String]) {
        self.root = root
        self.classNames = classNames
        self.relativePaths = relativePaths
        self.labels = labels
        self.emptyClasses = emptyClasses
    }

    /// Full paths, `root/relative`.
    public var paths: [String] { relativePaths.map { join(root, $0) } }

    /// Keras' extension test: the lower-cased name ends with an accepted extension (no dot needed).
    public static func accepts(_ name: String) -> Bool {
        let lower = name.lowercased()
        return acceptedExtensions.contains { lower.hasSuffix($0) }
    }
}

/// Python's string order = Unicode code point order = UTF-8 byte order.
func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }

private func isDirectory(_ path: String) -> Bool {
    var s = stat()
    return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
}

private func isLink(_ path: String) -> Bool {
    var s = stat()
    return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFLNK
}

/// `os.walk(top, followlinks=False)`: top and every sub-folder reached without entering links.
private func walk(_ folder: String, into folders: inout [String]) throws {
    folders.append(folder)
    for name in try entries(of: folder) {
        let path = join(folder, name)
        if isDirectory(path) && !isLink(path) { try walk(path, into: &folders) }
    }
}

private func entries(of folder: String) throws -> [String] {
    guard let dir = opendir(folder) else {
        throw DataError.unreadable(path: folder, reason: String(cString: strerror(errno)))
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
