import Kernels
import Testing

@Suite(.serialized) struct BlockCacheTests {
    // An unusual size, so allocations of other tests never take these blocks.
    static let count = (BlockCache.minimumBytes + 3 * 4096) / 4

    @Test func freedBlocksAreReusedOnlyWhileEnabled() {
        BlockCache.setLimit(64 << 20)
        defer { BlockCache.setLimit(0) }
        let first = AlignedMemory.allocate(count: Self.count)
        first[Self.count - 1] = 42
        AlignedMemory.deallocate(first)
        #expect(BlockCache.keptBytes >= Self.count * 4)
        let second = AlignedMemory.allocate(count: Self.count)
        #expect(second == first)  // the kept block, pages already mapped
        #expect(Int(bitPattern: second) % AlignedMemory.alignment == 0)
        AlignedMemory.deallocate(second)
        BlockCache.setLimit(0)
        #expect(BlockCache.keptBytes == 0)
    }

    @Test func theLimitEvictsTheOldestBlocks() {
        let bytes = Self.count * 4
        BlockCache.setLimit(bytes * 2)
        defer { BlockCache.setLimit(0) }
        let blocks = (0..<3).map { _ in AlignedMemory.allocate(count: Self.count) }
        for block in blocks { AlignedMemory.deallocate(block) }
        #expect(BlockCache.keptBytes == 2 * bytes)  // the first was freed to make room
        // Small blocks are never kept.
        let small = AlignedMemory.allocate(count: 1000)
        AlignedMemory.deallocate(small)
        #expect(BlockCache.keptBytes == 2 * bytes)
    }
}
