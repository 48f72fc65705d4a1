/// The dimensions of a tensor, outermost first. Image batches are `[N, C, H, W]`.
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible, RandomAccessCollection {
    public var dimensions: [Int]

    public init(_ dimensions: [Int]) {
        precondition(dimensions.allSatisfy { $0 >= 0 }, "shape has a negative dimension: \(dimensions)")
        self.dimensions = dimensions
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Number of elements: the product of the dimensions (1 for a scalar).
    public var elementCount: Int { dimensions.reduce(1, *) }
    public var rank: Int { dimensions.count }

    public var startIndex: Int { 0 }
    public var endIndex: Int { dimensions.count }
    public subscript(index: Int) -> Int {
        get { dimensions[index] }
        set { dimensions[index] = newValue }
    }

    public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }

    /// `(n, c, h, w)` of a rank-4 shape.
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(rank == 4, "expected an [N, C, H, W] tensor, got shape \(self)")
        return (dimensions[0], dimensions[1], dimensions[2], dimensions[3])
    }
}
