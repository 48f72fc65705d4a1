import Foundation
import ImageCodecs
import Inference
import Networks
import Testing

@Suite struct BatchEngineTests {
    @Test func engineTranslatesATreeWithSeveralJobsAndBatches() throws {
        let root = try TestImages.temporaryFolder("engine")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for index in 0..<12 {
            // Three sizes, so batches form among equal sizes only.
            let width = [16, 24, 40][index % 3]
            try TestImages.write(TestImages.pattern(width: width, height: 12, channels: 3, seed: index),
                                 to: root + "/in/\(index % 2)/\(index).png")
        }
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: URL(fileURLWithPath: root + "/in/bad.jpg"))
        let (spec, network) = TestImages.generator()
        let transform = try ImageTransform(spec: spec, preprocessing: Preprocessing(), mode: .translate)
        let plan = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions())
        var lines: [String] = []
        let lock = NSLock()
        func engine(jobs: Int, maxBatch: Int) -> BatchEngine {
            BatchEngine(transform: transform, runner: GeneratorRunner(spec: spec, network: network, tileSize: 0),
                        output: OutputOptions(), options: BatchOptions(jobs: jobs, maxBatch: maxBatch))
        }
        let summary = engine(jobs: 3, maxBatch: 4).run(plan) { line in
            lock.lock()
            lines.append(line)
            lock.unlock()
        }
        #expect(summary.done == 12 && summary.skipped == 0 && summary.failed == 1)
        #expect(summary.failures.first?.path == "bad.jpg")
        #expect(lines.count == 1 && lines[0].hasPrefix("failed: bad.jpg: "))
        #expect(TestImages.files(under: root + "/out").count == 12)

        // One job, no batching: the same bytes.
        let single = try FilePlan.make(input: root + "/in", output: root + "/single", options: OutputOptions())
        let again = engine(jobs: 1, maxBatch: 1).run(single)
        #expect(again.done == 12)
        for name in TestImages.files(under: root + "/out") {
            let a = try Data(contentsOf: URL(fileURLWithPath: root + "/out/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: root + "/single/" + name))
            #expect(a == b, "\(name)")
        }
    }

    @Test func queueBatchesMatchingItemsAndKeepsTheRestInOrder() {
        let queue = BoundedQueue<Int>(costLimit: 100)
        for value in [2, 5, 4, 7, 6, 9] { queue.push(value, cost: 1) }
        // Even numbers join the first (even) item, up to 3 of them.
        #expect(queue.popBatch(limit: 3) { $0 % 2 == $1 % 2 } == [2, 4, 6])
        #expect(queue.pop() == 5)
        #expect(queue.count == 2)
        queue.close()
        #expect(queue.pop() == 7 && queue.pop() == 9 && queue.pop() == nil)
    }

    @Test func queueHoldsBackProducersBeyondItsCost() {
        let queue = BoundedQueue<Int>(costLimit: 10)
        queue.push(1, cost: 50)  // an empty queue takes anything
        let done = BoundedQueue<Bool>(costLimit: 10)
        let thread = Thread {
            queue.push(2, cost: 5)
            done.push(true, cost: 1)
        }
        thread.start()
        // Returns once the producer is blocked inside push (no sleeping, no timing assumption).
        queue.waitForWaitingProducers(1)
        #expect(queue.waitingProducers == 1 && done.count == 0)  // still waiting: 50 + 5 > 10
        #expect(queue.count == 1)
        #expect(queue.pop() == 1)
        #expect(done.pop() == true)
        #expect(queue.waitingProducers == 0)
        #expect(queue.pop() == 2)
    }

    @Test func summaryReadsAsOneLine() {
        var summary = BatchSummary()
        summary.done = 12
        summary.skipped = 3
        summary.failures = [("a.jpg", "corrupt")]
        summary.ignored = 5
        summary.seconds = 41
        #expect(summary.description == "12 done, 3 skipped (up to date), 1 failed in 00:41 (0.32 images/s); 5 other files ignored")
    }
}
