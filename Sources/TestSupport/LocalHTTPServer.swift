import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) for download tests: GET only, one
/// connection at a time, `Connection: close`, byte ranges (`Range: bytes=N-`), and responses that
/// can be cut short to test resuming. It stops by itself after `lifetime` seconds or `maxConnections`
/// connections, so a failing test cannot leave it running.
public final class LocalHTTPServer: @unchecked Sendable {
    /// What one path serves.
    public struct Route: Sendable {
        public var body: Data
        /// 200 serves `body`; any other status is sent with an empty body.
        public var status: Int
        /// False: answer a Range request with the whole body (200), as servers without range support do.
        public var honorsRange: Bool
        /// Send only this many body bytes of the first response, then close the connection.
        public var cutFirstResponseAfter: Int?

        public init(body: Data, status: Int = 200, honorsRange: Bool = true, cutFirstResponseAfter: Int? = nil) {
            self.body = body
            self.status = status
            self.honorsRange = honorsRange
            self.cutFirstResponseAfter = cutFirstResponseAfter
        }
    }

    /// One request as received.
    public struct Request: Sendable, Equatable {
        public var path: String
        /// The Range header's value, if any.
        public var range: String?
    }

    public let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var routes: [String: Route]
    private var cutDone: Set<String> = []
    private var received: [Request] = []
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests served so far.
    public var requests: [Request] { lock.withLock { received } }

    /// Starts listening. `routes` maps a path ("/horse2zebra.zip") to what it serves; others get 404.
    public init(routes: [String: Route], lifetime: TimeInterval = 30, maxConnections: Int = 64) throws {
        self.routes = routes
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(fd, sa, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let deadline = Date().addingTimeInterval(lifetime)
        let thread = Thread { [self] in
            serve(until: deadline, maxConnections: maxConnections)
            finished.signal()
        }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting and waits for the serving thread to end.
    public func stop() {
        let wasStopped = lock.withLock { () -> Bool in
            let was = stopped
            stopped = true
            return was
        }
        if !wasStopped { finished.wait() }
    }

    private func serve(until deadline: Date, maxConnections: Int) {
        defer { close(listener) }
        var connections = 0
        while connections < maxConnections && Date() < deadline && !lock.withLock({ stopped }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            connections += 1
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Read the request head.
        var head = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while head.count < 65536 {
            let n = recv(client, &chunk, chunk.count, 0)
            if n <= 0 { return }
            head.append(contentsOf: chunk[0..<n])
            if head.count >= 4 && String(decoding: head, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2 else { return }
        let path = String(parts[1])
        var range: String?
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "range" {
                range = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        let route: Route? = lock.withLock {
            received.append(Request(path: path, range: range))
            return routes[path]
        }
        guard let route else {
            send(client, head: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", body: Data())
            return
        }
        guard route.status == 200 else {
            send(client, head: "HTTP/1.1 \(route.status) Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                 body: Data())
            return
        }
        let total = route.body.count
        var start = 0
        var status = "200 OK"
        var extra = ""
        if route.honorsRange, let range, range.hasPrefix("bytes="),
           let first = Int(range.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false).first ?? "") {
            guard first < total else {
                send(client, head: "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(total)\r\n"
                     + "Content-Length: 0\r\nConnection: close\r\n\r\n", body: Data())
                return
            }
            start = first
            status = "206 Partial Content"
            extra = "Content-Range: bytes \(first)-\(total - 1)/\(total)\r\n"
        }
        var body = route.body.subdata(in: start..<total)
        let length = body.count
        let cut = lock.withLock { () -> Bool in
            guard route.cutFirstResponseAfter != nil, !cutDone.contains(path) else { return false }
            cutDone.insert(path)
            return true
        }
        if cut, let keep = route.cutFirstResponseAfter { body = body.prefix(keep) }
        send(client, head: "HTTP/1.1 \(status)\r\nContent-Length: \(length)\r\nAccept-Ranges: bytes\r\n\(extra)"
             + "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n", body: body)
    }

    private func send(_ client: Int32, head: String, body: Data) {
        var bytes = [UInt8](head.utf8)
        bytes.append(contentsOf: body)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return }
            offset += n
        }
        shutdown(client, Int32(SHUT_WR))
    }
}
