import Tensors

/// The reference's history buffer of generated images (`util/image_pool.py`, after Shrivastava et
/// al. 2017): the discriminator is shown a mix of the newest fakes and older ones, which damps
/// oscillation. Per image of a batch: while the pool is not full, store it and return it; once
/// full, with probability 0.5 return a random stored image and store the new one in its place,
/// otherwise return the new one. A pool of capacity 0 returns its input unchanged.
public final class ImagePool {
    /// What a full pool does with one new image: `nil` returns the new image; an index returns the
    /// image stored there and stores the new one in its place.
    public typealias Decision = Int?

    /// `pool_size`: how many images the pool holds once full.
    public let capacity: Int
    /// Stored images, each `[1, C, H, W]` and detached, in slot order.
    public private(set) var images: [Tensor] = []
    /// Where the decisions of a full pool come from (`capacity` in, decision out). By default the
    /// reference's draws from `random`: `uniform(0, 1) > 0.5`, then a uniform slot. Tests replace it
    /// to replay the reference's recorded draws.
    public var decide: (_ capacity: Int) -> Decision

    /// - Parameter random: the trainer's seeded source (saved in checkpoints so a resumed run draws the same).
    public init(capacity: Int, random: RandomSource) {
        precondition(capacity >= 0, "ImagePool: capacity must be non-negative, got \(capacity)")
        self.capacity = capacity
        decide = { capacity in
            guard random.generator.nextUniform() > 0.5 else { return nil }
            return Int(random.generator.next() % UInt64(capacity))
        }
    }

    /// The images D is shown for the generated batch `images` (`[N, C, H, W]`); the result has the
    /// same shape and carries no gradient.
    public func query(_ images: Tensor) -> Tensor {
        let batch = images.detached()
        guard capacity > 0 else { return batch }
        var returned: [Tensor] = []
        for image in batch.unstackedBatch() {
            if self.images.count < capacity {
                self.images.append(image)
                returned.append(image)
            } else if let slot = decide(capacity) {
                precondition(slot >= 0 && slot < capacity, "ImagePool: decision \(slot) outside 0..<\(capacity)")
                returned.append(self.images[slot])
                self.images[slot] = image
            } else {
                returned.append(image)
            }
        }
        return Tensor.concatenate(returned, alongAxis: 0)
    }

    // MARK: - Checkpoint state

    /// The pool for a training-state file: `<prefix>.count` (`[1]`) and, when not empty,
    /// `<prefix>.images` (`[count, C, H, W]`).
    public func state(prefix: String) -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = [("\(prefix).count", Tensor(shape: [1], scalars: [Float(images.count)]))]
        if !images.isEmpty { result.append(("\(prefix).images", Tensor.concatenate(images, alongAxis: 0).copied())) }
        return result
    }

    /// Restores what `state(prefix:)` wrote. A state without the pool's entries leaves it empty.
    /// - Throws: `TrainingError` when the count and the images disagree or exceed the capacity.
    public func loadState(_ tensors: [String: Tensor], prefix: String) throws {
        guard let countTensor = tensors["\(prefix).count"] else {
            images = []
            return
        }
        let count = Int(countTensor.scalars.first ?? -1)
        guard count >= 0, count <= capacity else {
            throw TrainingError("image pool \(prefix) holds \(count) images but --pool-size is \(capacity)")
        }
        guard count > 0 else {
            images = []
            return
        }
        guard let stacked = tensors["\(prefix).images"], stacked.shape.rank == 4, stacked.shape[0] == count else {
            throw TrainingError("image pool \(prefix): its images are missing or do not match its count \(count)")
        }
        images = stacked.copied().unstackedBatch()
    }
}
