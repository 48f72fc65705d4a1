import Foundation

/// A FIFO between pipeline stages that holds back its producers: `push` waits while the queued
/// items' cost would pass `costLimit` (an empty queue always takes one item, however large), and
/// `pop` waits while it is empty until `close()`. Cost is what the items weigh in memory, e.g. pixels.
package final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [(element: Element, cost: Int)] = []
    private var head = 0
    private var queuedCost = 0
    private var closed = false
    private let condition = NSCondition()
    package let costLimit: Int

    package init(costLimit: Int) {
        precondition(costLimit > 0, "BoundedQueue: cost limit must be positive, got \(costLimit)")
        self.costLimit = costLimit
    }

    /// Producers currently held back in `push`.
    private var waitingProducersCount = 0

    /// Number of producers held back in `push` right now.
    package var waitingProducers: Int {
        get {
            condition.lock()
            defer { condition.unlock() }
            return waitingProducersCount
        }
    }

    /// Waits until at least `count` producers are held back in `push` (tests use it instead of sleeping).
    package func waitForWaitingProducers(_ count: Int) {
        condition.lock()
        while waitingProducersCount < count { condition.wait() }
        condition.unlock()
    }

    /// Number of items waiting.
    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count - head
    }

    /// Appends `element`, first waiting while the queue is non-empty and `cost` would overfill it.
    package func push(_ element: Element, cost: Int) {
        condition.lock()
        if head < items.count && queuedCost + cost > costLimit {
            // Announce the wait once (not per wake-up, which would ping-pong between waiting producers).
            waitingProducersCount += 1
            condition.broadcast()
            while head < items.count && queuedCost + cost > costLimit { condition.wait() }
            waitingProducersCount -= 1
        }
        items.append((element, cost))
        queuedCost += cost
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest item, waiting for one; nil once the queue is closed and empty.
    package func pop() -> Element? { popBatch(limit: 1) { _, _ in false }.first }

    /// The oldest item (waiting for one) and up to `limit − 1` more already queued that `joins`
    /// the first; the others keep their order. Empty once the queue is closed and drained.
    package func popBatch(limit: Int, joins: (Element, Element) -> Bool) -> [Element] {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return [] }
        let first = items[head]
        head += 1
        queuedCost -= first.cost
        var batch = [first.element]
        if limit > 1 {
            var kept: [(element: Element, cost: Int)] = []
            for item in items[head...] {
                if batch.count < limit && joins(first.element, item.element) {
                    batch.append(item.element)
                    queuedCost -= item.cost
                } else {
                    kept.append(item)
                }
            }
            items = kept
            head = 0
        } else if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return batch
    }

    /// No more pushes: consumers drain what is left, then get nil.
    package func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
