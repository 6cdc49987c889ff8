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
///
/// Names are read as bytes: a class folder, sub-folder or image file whose name is not valid UTF-8
/// throws ``DataError/invalidName(path:)`` with the bad bytes shown as `\xNN` (Python would carry
/// such names as surrogate escapes; Finetune refuses them rather than drop or mangle them).
public struct DirectoryListing: Sendable, Hashable {
    /// Keras' `white_list_formats`.
    package static let acceptedExtensions = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"]

    package let root: String
    /// Class names in label order.
    public let classNames: [String]
    /// Paths relative to `root` ("cats/cat.1.jpg"), in Keras' order.
    package let relativePaths: [String]
    /// Class index of each file.
    package let labels: [Int]
    /// Class folders that hold no image (only possible when empty classes are allowed).
    package let emptyClasses: [String]

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
            names = try entries(of: root).compactMap { entry -> String? in
                guard !entry.isHidden, entry.isDirectory(in: root) else { return nil }
                return try entry.validName(in: root)
            }.sorted(by: byteOrder)
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
                let files = try entries(of: folder).filter { !$0.isDirectory(in: folder) && Self.accepts($0.bytes) }
                    .map { try $0.validName(in: folder) }
                for file in files.sorted(by: byteOrder) {
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
    package static func accepts(_ name: String) -> Bool {
        let lower = name.lowercased()
        return acceptedExtensions.contains { lower.hasSuffix($0) }
    }

    /// ``accepts(_:)`` on a raw file name (extensions are ASCII, so no decoding is needed).
    static func accepts(_ name: [UInt8]) -> Bool {
        let lower = name.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        return acceptedExtensions.contains { lower.reversed().starts(with: $0.utf8.reversed()) }
    }
}

/// Python's string order = Unicode code point order = UTF-8 byte order.
func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }

private func isDirectory(_ path: String) -> Bool { isDirectoryAt(path) }

private func isDirectoryAt(_ path: UnsafePointer<CChar>) -> Bool {
    var s = stat()
    return stat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR
}

private func isLinkAt(_ path: UnsafePointer<CChar>) -> Bool {
    var s = stat()
    return lstat(path, &s) == 0 && (s.st_mode & S_IFMT) == S_IFLNK
}

/// `os.walk(top, followlinks=False)`: top and every sub-folder reached without entering links.
private func walk(_ folder: String, into folders: inout [String]) throws {
    folders.append(folder)
    for entry in try entries(of: folder) where entry.isDirectory(in: folder) && !entry.isLink(in: folder) {
        try walk(join(folder, try entry.validName(in: folder)), into: &folders)
    }
}

/// One name of a folder, as the bytes `readdir` returned.
private struct Entry {
    let bytes: [UInt8]

    var isHidden: Bool { bytes.first == UInt8(ascii: ".") }

    /// The name, or ``DataError/invalidName(path:)`` when it is not valid UTF-8.
    func validName(in folder: String) throws -> String {
        if let name = String(validating: bytes, as: UTF8.self) { return name }
        let escaped = bytes.map { $0 < 0x80 ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }
        throw DataError.invalidName(path: join(folder, escaped.joined()))
    }

    func isDirectory(in folder: String) -> Bool { withPath(in: folder) { isDirectoryAt($0) } }
    func isLink(in folder: String) -> Bool { withPath(in: folder) { isLinkAt($0) } }

    /// Calls `body` with the NUL-terminated bytes of `folder/name`, valid UTF-8 or not.
    private func withPath<T>(in folder: String, _ body: (UnsafePointer<CChar>) -> T) -> T {
        var path = Array(folder.utf8)
        if path.last != UInt8(ascii: "/") { path.append(UInt8(ascii: "/")) }
        path += bytes
        path.append(0)
        return path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
    }
}

private func entries(of folder: String) throws -> [Entry] {
    guard let dir = opendir(folder) else {
        throw DataError.unreadable(path: folder, reason: String(cString: strerror(errno)))
    }
    defer { closedir(dir) }
    var result: [Entry] = []
    while let entry = readdir(dir) {
        let bytes = entryName(entry)
        if bytes != [0x2E] && bytes != [0x2E, 0x2E] { result.append(Entry(bytes: bytes)) }
    }
    return result
}

/// The name of a directory entry, read in place up to its NUL.
///
/// `readdir` hands out entries packed `d_reclen` bytes apart in its buffer, so a short name's
/// 256-byte `d_name` array may run past the buffer's end. Reading `entry.pointee.d_name` as a
/// Swift value copies the whole array — up to 256 bytes past the end of glibc's heap block for
/// the last entries of a large folder (valgrind: "invalid read … after a block of size 32,816
/// alloc'd by opendir"). Only the bytes up to the NUL belong to the entry.
func entryName(_ entry: UnsafePointer<dirent>) -> [UInt8] {
    // `d_name` is a stored field of the imported C struct, so its offset is always known.
    let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? MemoryLayout<dirent>.size
    let name = UnsafeRawPointer(entry) + offset
    // The name is NUL-terminated inside `d_name`, which ends with the struct.
    let length = strnlen(name.assumingMemoryBound(to: CChar.self), MemoryLayout<dirent>.size - offset)
    return Array(UnsafeRawBufferPointer(start: name, count: length))
}
