import ArgumentParser

/// How `--distributed` runs reduce their gradients: the bucket size and whether buckets start
/// during the backward pass (`DataParallel`'s two settings), shared by `finetune train` and the demo.
package struct DistributedOptions: ParsableArguments {
    @Option(name: .customLong("bucket-mib"),
            help: ArgumentHelp("With --distributed: the gradients are summed over the ranks in buckets of at most this many MiB (default 4).",
                               valueName: "MiB"))
    package var bucketMiB: Int?

    @Flag(name: .customLong("overlap-backward"),
          help: "With --distributed: start each bucket's sum during the backward pass, as soon as its gradients are ready (off by default: measured no faster over shared memory; try it across machines).")
    package var overlapBackward = false

    package init() {}

    /// Sets the configuration's bucket size and overlap; refuses them without `--distributed`.
    package func apply(to c: inout TrainConfiguration) throws {
        if !c.distributed, bucketMiB != nil || overlapBackward {
            throw ValidationError("--bucket-mib and --overlap-backward only apply with --distributed: add --distributed (under mpirun), or drop them")
        }
        if let bucketMiB {
            guard bucketMiB >= 1, bucketMiB <= 2048 else {
                throw ValidationError("--bucket-mib must be between 1 and 2048, got \(bucketMiB)")
            }
            c.bucketBytes = bucketMiB << 20
        }
        c.overlapsBackward = overlapBackward
    }
}
