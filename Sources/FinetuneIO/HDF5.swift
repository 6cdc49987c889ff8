import CHDF5
import Foundation
import FinetuneCore

/// A thin, typed layer over libhdf5's C API: just what Keras weight files need (groups, string
/// attributes, float datasets). Every call runs under one process-wide lock with libhdf5's
/// automatic error printing silenced; failures become ``HDF5/Failure`` carrying libhdf5's error
/// stack as text.
enum HDF5 {
    /// A failed libhdf5 call: what was attempted and the messages on libhdf5's error stack.
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var messages: [String]
        var description: String {
            messages.isEmpty ? operation : operation + " (libhdf5: " + messages.joined(separator: "; ") + ")"
        }
    }

    private static let lock = NSLock()

    /// Runs `body` holding the HDF5 lock, with automatic error printing off and a clean error stack.
    static func withLibrary<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        _ = ft_h5_silence_errors()
        _ = H5Eclear2(ft_h5e_default())
        return try body()
    }

    /// Runs `body` holding the HDF5 lock and nothing else: the command-line tools fork their
    /// trial-read child inside it, so that the child never starts with the lock held by a thread
    /// that does not exist there.
    static func holdingLock<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Throws a ``Failure`` for `operation` with the current error stack when `status < 0`.
    @discardableResult
    static func check<T: BinaryInteger>(_ status: T, _ operation: @autoclosure () -> String) throws -> T {
        if status < 0 { throw Failure(operation: operation(), messages: errorStack()) }
        return status
    }

    /// libhdf5's error stack on this thread, innermost call first, then cleared.
    static func errorStack() -> [String] {
        final class Collector { var lines: [String] = [] }
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        // `context` is an unretained pointer to `collector`: keep the collector alive while
        // libhdf5 calls back with it.
        _ = withExtendedLifetime(collector) { H5Ewalk2(ft_h5e_default(), H5E_WALK_UPWARD, { _, error, data in
            guard let error, let data else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
            let description = error.pointee.desc.map { String(cString: $0) } ?? ""
            let function = error.pointee.func_name.map { String(cString: $0) } ?? "?"
            var minor = [CChar](repeating: 0, count: 256)
            var type = H5E_MINOR
            _ = H5Eget_msg(error.pointee.min_num, &type, &minor, minor.count)
            let reason = cString(minor)
            collector.lines.append("\(function): \(description)" + (reason.isEmpty ? "" : " [\(reason)]"))
            return 0
        }, context) }
        _ = H5Eclear2(ft_h5e_default())
        return collector.lines
    }

    /// An open HDF5 identifier (file, group, dataset, attribute, dataspace, datatype), closed
    /// when the last reference goes away.
    final class Handle {
        let id: hid_t
        private let close: (hid_t) -> herr_t
        init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
            self.id = id
            self.close = close
        }
        deinit { _ = close(id) }
    }

    // MARK: Files

    /// Whether `path` is an HDF5 file (`nil` when it cannot be opened at all).
    static func isHDF5(_ path: String) -> Bool? {
        let status = H5Fis_hdf5(path)
        _ = H5Eclear2(ft_h5e_default())
        return status < 0 ? nil : status > 0
    }

    static func openReadOnly(_ path: String) throws -> Handle {
        let id = try check(H5Fopen(path, ft_h5f_acc_rdonly(), ft_h5p_default()), "open \(path)")
        return Handle(id) { H5Fclose($0) }
    }

    /// Creates (truncating) a file for writing.
    static func create(_ path: String) throws -> Handle {
        let id = try check(H5Fcreate(path, ft_h5f_acc_trunc(), ft_h5p_default(), ft_h5p_default()), "create \(path)")
        return Handle(id) { H5Fclose($0) }
    }

    // MARK: Groups and links

    /// Whether `name` (a path relative to `location`) names an existing link.
    static func exists(_ location: Handle, _ name: String) -> Bool {
        // H5Lexists checks only the last component; walk the path so missing parents are no error.
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if H5Lexists(location.id, prefix, ft_h5p_default()) <= 0 { _ = H5Eclear2(ft_h5e_default()); return false }
        }
        return true
    }

    enum ObjectKind { case group, dataset, other }

    static func kind(_ location: Handle, _ name: String) throws -> ObjectKind {
        let id = try check(H5Oopen(location.id, name, ft_h5p_default()), "open object '\(name)'")
        defer { _ = H5Oclose(id) }
        switch H5Iget_type(id) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    static func openGroup(_ location: Handle, _ name: String) throws -> Handle {
        let id = try check(H5Gopen2(location.id, name, ft_h5p_default()), "open group '\(name)'")
        return Handle(id) { H5Gclose($0) }
    }

    static func createGroup(_ location: Handle, _ name: String) throws -> Handle {
        let id = try check(H5Gcreate2(location.id, name, ft_h5p_default(), ft_h5p_default(), ft_h5p_default()),
                           "create group '\(name)'")
        return Handle(id) { H5Gclose($0) }
    }

    /// Names of the links in `group`, in HDF5's name order (byte order, as h5py lists them).
    static func childNames(_ group: Handle) throws -> [String] {
        var info = H5G_info_t()
        try check(H5Gget_info(group.id, &info), "list a group")
        var names: [String] = []
        for i in 0..<info.nlinks {
            let size = try check(H5Lget_name_by_idx(group.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, ft_h5p_default()),
                                 "read a link name")
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            try check(H5Lget_name_by_idx(group.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, ft_h5p_default()),
                      "read a link name")
            names.append(cString(buffer))
        }
        return names
    }

    // MARK: Attributes

    static func hasAttribute(_ object: Handle, _ name: String) -> Bool {
        let status = H5Aexists(object.id, name)
        if status < 0 { _ = H5Eclear2(ft_h5e_default()) }
        return status > 0
    }

    /// A string attribute (scalar or 1-D; fixed-length as Keras 2 writes with NumPy `S` arrays,
    /// or variable-length as h5py writes Python `str`), as an array of strings.
    static func stringsAttribute(_ object: Handle, _ name: String) throws -> [String] {
        let attribute = Handle(try check(H5Aopen(object.id, name, ft_h5p_default()), "open attribute '\(name)'")) { H5Aclose($0) }
        let space = Handle(try check(H5Aget_space(attribute.id), "read the shape of attribute '\(name)'")) { H5Sclose($0) }
        let count = Int(try check(H5Sget_simple_extent_npoints(space.id), "count attribute '\(name)'"))
        // Keras 2 stores an empty list (a layer without weights) as an empty float64 array.
        if count == 0 { return [] }
        let type = Handle(try check(H5Aget_type(attribute.id), "read the type of attribute '\(name)'")) { H5Tclose($0) }
        guard H5Tget_class(type.id) == H5T_STRING else {
            throw Failure(operation: "attribute '\(name)' is not a string attribute", messages: [])
        }
        if H5Tis_variable_str(type.id) > 0 {
            let memory = Handle(H5Tcopy(ft_h5t_c_s1())) { H5Tclose($0) }
            try check(H5Tset_size(memory.id, ft_h5t_variable()), "variable string type")
            try check(H5Tset_cset(memory.id, H5Tget_cset(type.id)), "string character set")
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            try check(H5Aread(attribute.id, memory.id, &pointers), "read attribute '\(name)'")
            defer { for p in pointers where p != nil { H5free_memory(p) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let width = H5Tget_size(type.id)
        guard width > 0 else { return [String](repeating: "", count: count) }
        let memory = Handle(H5Tcopy(ft_h5t_c_s1())) { H5Tclose($0) }
        try check(H5Tset_size(memory.id, width), "fixed string type")
        try check(H5Tset_strpad(memory.id, H5T_STR_NULLPAD), "string padding")
        var bytes = [UInt8](repeating: 0, count: width * count)
        try check(H5Aread(attribute.id, memory.id, &bytes), "read attribute '\(name)'")
        return (0..<count).map { i in
            let slice = bytes[(i * width)..<((i + 1) * width)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
        }
    }

    /// Writes a scalar variable-length UTF-8 string attribute (what h5py writes for a `str`).
    static func writeStringAttribute(_ object: Handle, _ name: String, _ value: String) throws {
        let type = Handle(H5Tcopy(ft_h5t_c_s1())) { H5Tclose($0) }
        try check(H5Tset_size(type.id, ft_h5t_variable()), "variable string type")
        try check(H5Tset_cset(type.id, H5T_CSET_UTF8), "UTF-8 string type")
        let space = Handle(try check(H5Screate(H5S_SCALAR), "scalar dataspace")) { H5Sclose($0) }
        let attribute = Handle(try check(H5Acreate2(object.id, name, type.id, space.id, ft_h5p_default(), ft_h5p_default()),
                                         "create attribute '\(name)'")) { H5Aclose($0) }
        try value.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            try check(H5Awrite(attribute.id, type.id, &pointer), "write attribute '\(name)'")
        }
    }

    // MARK: Datasets

    /// Reads a floating-point dataset as float32 (libhdf5 converts float64/float16 files).
    static func readFloats(_ location: Handle, _ name: String) throws -> Tensor {
        let dataset = Handle(try check(H5Dopen2(location.id, name, ft_h5p_default()), "open dataset '\(name)'")) { H5Dclose($0) }
        let type = Handle(try check(H5Dget_type(dataset.id), "read the type of '\(name)'")) { H5Tclose($0) }
        guard H5Tget_class(type.id) == H5T_FLOAT else {
            throw Failure(operation: "dataset '\(name)' does not hold floating-point numbers (HDF5 type class \(H5Tget_class(type.id).rawValue))",
                          messages: [])
        }
        let space = Handle(try check(H5Dget_space(dataset.id), "read the shape of '\(name)'")) { H5Sclose($0) }
        let rank = Int(try check(H5Sget_simple_extent_ndims(space.id), "read the rank of '\(name)'"))
        var dims = [hsize_t](repeating: 0, count: rank)
        if rank > 0 { try check(H5Sget_simple_extent_dims(space.id, &dims, nil), "read the dimensions of '\(name)'") }
        try checkStorage(dataset, type, dims, name)
        let shape = Shape(dims.map { Int($0) })
        var failure: Failure?
        let tensor = Tensor(shape: shape) { out in
            if out.count == 0 { return }
            if H5Dread(dataset.id, ft_h5t_native_float(), ft_h5s_all(), ft_h5s_all(), ft_h5p_default(), out.baseAddress) < 0 {
                failure = Failure(operation: "read dataset '\(name)'", messages: errorStack())
                out.initialize(repeating: 0)
            }
        }
        if let failure { throw failure }
        return tensor
    }

    /// Throws unless the dataset's dimensions multiply to a size that fits in memory and its bytes
    /// are really in the file (the storage it claims, capped at the file's size). The dimensions come from the file: a damaged one would otherwise
    /// make ``readFloats(_:_:)`` allocate terabytes (found by fuzzing) or overflow `Int`. Without a
    /// filter the file must store every element; with one (deflate, …) at most 1100 elements'
    /// bytes per stored byte (deflate's ceiling is 1032).
    private static func checkStorage(_ dataset: Handle, _ type: Handle, _ dims: [hsize_t], _ name: String) throws {
        var count: UInt64 = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw Failure(operation: "dataset '\(name)' has dimensions \(dims) whose product overflows", messages: [])
            }
            count = product
        }
        if count == 0 { return }
        let elementBytes = UInt64(max(H5Tget_size(type.id), 1))
        let (needed, overflow) = count.multipliedReportingOverflow(by: max(elementBytes, 4))
        guard !overflow, needed <= UInt64(Int.max / 2) else {
            throw Failure(operation: "dataset '\(name)' has dimensions \(dims), too large to hold in memory", messages: [])
        }
        // The storage size is a field of the file too: a damaged one can claim gigabytes in a file
        // of kilobytes (found by fuzzing). No dataset stores more bytes than the file holds.
        var stored = H5Dget_storage_size(dataset.id)
        let file = H5Iget_file_id(dataset.id)
        if file >= 0 {
            var fileSize: hsize_t = 0
            if H5Fget_filesize(file, &fileSize) >= 0 { stored = min(stored, fileSize) }
            H5Fclose(file)
        }
        let plist = Handle(try check(H5Dget_create_plist(dataset.id), "read the storage of '\(name)'")) { H5Pclose($0) }
        let filters = H5Pget_nfilters(plist.id)
        let scaled = stored.multipliedReportingOverflow(by: 1100)
        let limit = filters > 0 ? (scaled.overflow ? UInt64.max : scaled.partialValue) : stored
        guard count * elementBytes <= limit else {
            throw Failure(operation: "dataset '\(name)' has dimensions \(dims) (\(count * elementBytes) bytes) but the file "
                + "stores \(stored) bytes for it", messages: [])
        }
    }

    /// Writes `tensor` as a contiguous little-endian float32 dataset (what h5py writes for a
    /// float32 NumPy array).
    static func writeFloats(_ location: Handle, _ name: String, _ tensor: Tensor) throws {
        let dims = tensor.shape.dimensions.map { hsize_t($0) }
        let spaceID = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil)
        let space = Handle(try check(spaceID, "dataspace \(tensor.shape)")) { H5Sclose($0) }
        let dataset = Handle(try check(H5Dcreate2(location.id, name, ft_h5t_ieee_f32le(), space.id, ft_h5p_default(),
                                                  ft_h5p_default(), ft_h5p_default()), "create dataset '\(name)'")) { H5Dclose($0) }
        if tensor.scalarCount == 0 { return }
        _ = try tensor.withUnsafeBufferPointer { buffer in
            try check(H5Dwrite(dataset.id, ft_h5t_native_float(), ft_h5s_all(), ft_h5s_all(), ft_h5p_default(), buffer.baseAddress),
                      "write dataset '\(name)'")
        }
    }
}

/// The text of a NUL-terminated C string held in an array.
private func cString(_ chars: [CChar]) -> String {
    let end = chars.firstIndex(of: 0) ?? chars.endIndex
    return String(decoding: chars[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension KerasWeights {
    /// Runs `body` holding the lock every libhdf5 call of this process takes (see `HDF5`), for code
    /// that must not run while another thread is inside libhdf5: the tools' trial-read fork.
    package static func holdingHDF5Lock<R>(_ body: () -> R) -> R { HDF5.holdingLock(body) }
}
