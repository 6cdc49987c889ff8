/// Why TensorBoard logs could not be written; each case names the file and what to do.
public enum TensorBoardError: Error, CustomStringConvertible {
    /// A log folder or event file could not be created or written.
    case unwritable(path: String, reason: String)
    /// An image to log is not a PNG file.
    case notPNG(path: String)

    public var description: String {
        switch self {
        case let .unwritable(path, reason):
            return "cannot write TensorBoard logs at '\(path)': \(reason); pass a writable folder to --tensorboard / TensorBoardLogger"
        case let .notPNG(path):
            return "'\(path)' is not a PNG file; TensorBoard images are logged from PNG files"
        }
    }
}
