import Distributed
import Foundation
import Tensors
import Testing
import Training

/// `DataParallel` against a stand-in second rank inside the test: gradient buckets, the mean, the
/// loss/stop agreement and the weight check (the real two-process runs are in CLITests).
@Suite struct DataParallelUnitTests {
    /// Rank 0 of 2 whose peer contributes `peerValue` to every summed float and double, and
    /// `peerHash` to every max.
    final class PeerGroup: ProcessGroup {
        var rank: Int { 0 }
        var size: Int { 2 }
        var summary: String { "stand-in, 2 ranks" }
        let peerValue: Float
        var peerHash: UInt64?
        private(set) var floatCalls: [Int] = []
        init(peerValue: Float, peerHash: UInt64? = nil) {
            self.peerValue = peerValue
            self.peerHash = peerHash
        }
        func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
            floatCalls.append(count)
            for i in 0..<count { buffer[i] += peerValue }
        }
        func allreduceSum(_ values: inout [Double]) throws { values = values.map { $0 + Double(peerValue) } }
        func allreduceMax(_ values: inout [UInt64]) throws {
            // The peer sends (h, ~h) of its own hash; without one it agrees with this rank.
            guard let peerHash else { return }
            values = [max(values[0], peerHash), max(values[1], ~peerHash)]
        }
        func broadcast(_ data: inout Data, root: Int) throws {}
        func abort(code: Int32) -> Never { fatalError("abort \(code)") }
        func finish() {}
    }

    static func parameter(_ values: [Float]) -> Parameter {
        let parameter = Parameter(Tensor(shape: [values.count], scalars: values))
        parameter.gradient = Tensor(shape: [values.count], scalars: values.map { $0 * 10 })
        return parameter
    }

    @Test func gradientsAreAveragedInBuckets() throws {
        let group = PeerGroup(peerValue: 1)
        let parallel = DataParallel(group: group, bucketElements: 5)
        let sizes = [3, 4, 12, 2]
        let parameters = sizes.enumerated().map { ("p\($0.offset)", Self.parameter((0..<$0.element).map { Float($0) })) }
        let untouched = Parameter(Tensor(zeros: [7]))
        try parallel.averageGradients(parameters + [("none", untouched)])
        // 3 | 4 | 12 alone (larger than a bucket) | 2: each float summed once, in order.
        #expect(group.floatCalls == [3, 4, 12, 2])
        for (_, parameter) in parameters {
            let expected = (0..<parameter.shape.elementCount).map { (Float($0) * 10 + 1) / 2 }
            #expect(parameter.gradient?.scalars == expected)
        }
        #expect(untouched.gradient == nil)
        #expect(parallel.gradientBytes == 4 * sizes.reduce(0, +) && parallel.allreduceCalls == 1)
    }

    @Test func anOptimizerAttachedAveragesBeforeItSteps() throws {
        let group = PeerGroup(peerValue: 0)
        let parallel = DataParallel(group: group)
        let weight = Self.parameter([1, 2])
        let sgd = SGD(parameters: [("w", weight)], learningRate: 0.1, momentum: 0)
        parallel.attach(to: [sgd])
        sgd.step()
        // The peer's gradient is 0, so the mean is half of ours (10, 20) → (5, 10); w − 0.1·g.
        #expect(weight.value.scalars == [0.5, 1.0])
        #expect(group.floatCalls == [2])
    }

    @Test func lossesAreTheRanksMeanAndAnyStopStopsAll() throws {
        let parallel = DataParallel(group: PeerGroup(peerValue: 3))
        let (losses, stop) = try parallel.averageLosses([("G", 1), ("D", 5)], stop: false)
        #expect(losses.map(\.value) == [2, 4] && losses.map(\.name) == ["G", "D"])
        // The stand-in peer adds 3 to the stop flag too: it asked to stop.
        #expect(stop)
        let quiet = DataParallel(group: PeerGroup(peerValue: 0))
        #expect(try quiet.averageLosses([("G", 1)], stop: false).stop == false)
        #expect(try quiet.averageLosses([("G", 1)], stop: true).stop)
    }

    @Test func differentWeightsOnAnotherRankStopTheRun() throws {
        let networks = [(name: "G", parameters: [(name: "w", parameter: Self.parameter([1, 2, 3]))])]
        let hash = DataParallel.checksum(networks)
        try DataParallel(group: PeerGroup(peerValue: 0, peerHash: hash)).verifyIdenticalWeights(networks, iteration: 7)
        let other = DataParallel(group: PeerGroup(peerValue: 0, peerHash: hash &+ 1))
        #expect {
            try other.verifyIdenticalWeights(networks, iteration: 7)
        } throws: { error in
            "\(error)".contains("hold different weights at iteration 7")
        }
        // The checksum sees a one-ulp change.
        let changed = [(name: "G", parameters: [(name: "w", parameter: Self.parameter([1, 2, 3.0000002]))])]
        #expect(DataParallel.checksum(changed) != hash)
    }

    @Test func ranksGetTheirOwnRandomStreams() {
        let base = SeededGenerator(seed: 42)
        #expect(DataParallel.stream(base, rank: 0) == base)
        var one = DataParallel.stream(base, rank: 1), two = DataParallel.stream(base, rank: 2)
        #expect(one.next() != two.next())
    }
}
