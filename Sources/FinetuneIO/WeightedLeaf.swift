import FinetuneCore
import FinetuneNN

/// A leaf layer (no ``FinetuneNN/Layer/sublayers``) that has parameters, with the kind that
/// decides how Keras weights map onto it: a `.kernel` of rank 4 is a convolution, of rank 2 dense;
/// gamma, beta, moving mean and moving variance are a batch normalization.
struct WeightedLeaf {
    var name: String
    var parameters: [(key: String, value: Tensor)]
    var kind: KerasLayerKind?

    /// The weighted leaves of `model`, depth first, in ``FinetuneNN/Layer/sublayers`` order.
    static func leaves(of model: any Layer) -> [WeightedLeaf] {
        let children = model.sublayers
        if children.isEmpty {
            let parameters = model.parameters
            guard !parameters.isEmpty else { return [] }
            return [WeightedLeaf(name: model.name, parameters: parameters, kind: kind(of: parameters))]
        }
        return children.flatMap { leaves(of: $0) }
    }

    static func kind(of parameters: [(key: String, value: Tensor)]) -> KerasLayerKind? {
        let batchNorm = [".gamma", ".beta", ".moving_mean", ".moving_variance"]
        if parameters.count == 4, zip(parameters, batchNorm).allSatisfy({ $0.key.hasSuffix($1) && $0.value.rank == 1 }) {
            return .batchNormalization
        }
        guard let kernel = parameters.first(where: { $0.key.hasSuffix(".kernel") })?.value else { return nil }
        switch kernel.rank {
        case 4: return .convolution
        case 2: return .dense
        default: return nil
        }
    }
}
