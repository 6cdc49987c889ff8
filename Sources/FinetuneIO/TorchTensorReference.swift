/// A storage as a persistent id names it: `("storage", torch.FloatStorage, key, location, count)`
/// (the legacy format adds a sixth item, the pre-1.0 view metadata, always `None` since).
struct TorchStorageReference: Equatable, Sendable {
    /// `data/<key>` in a zip archive; an entry of the key list in the legacy stream.
    var key: String
    var type: TorchStorageType
    /// Elements, not bytes.
    var count: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TorchTensorReference: Equatable, Sendable {
    var storage: TorchStorageReference
    var offset: Int
    var sizes: [Int]
    var strides: [Int]
}
