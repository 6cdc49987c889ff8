import Foundation
import Finetune

/// The image files named on a command line: files as given, folders searched recursively for
/// files Keras would read (png, jpg, jpeg, bmp, ppm, tif, tiff), sorted by path.
enum ImageFiles {
    static func collect(_ arguments: [String], argument: String = "IMAGE") throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for item in arguments {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: item, isDirectory: &isDirectory) else {
                throw CommandLineError.missingFile(flag: argument, path: item)
            }
            guard isDirectory.boolValue else { files.append(item); continue }
            var found: [String] = []
            let base = URL(fileURLWithPath: item)
            if let walker = fm.enumerator(atPath: item) {
                for case let relative as String in walker where DirectoryListing.accepts(relative) {
                    found.append(base.appendingPathComponent(relative).path)
                }
            }
            guard !found.isEmpty else { throw CommandLineError.noImages(path: item) }
            files += found.sorted()
        }
        guard !files.isEmpty else { throw CommandLineError.noImages(path: arguments.joined(separator: " ")) }
        return files
    }
}
