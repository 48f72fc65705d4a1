import CZlib
import Foundation

/// A source of bytes read in chunks (an archive stream).
package protocol ByteSource: AnyObject {
    /// Up to `maxCount` next bytes; empty at the end.
    func read(upTo maxCount: Int) throws -> Data
}

/// The bytes of a file, in chunks.
package final class FileByteSource: ByteSource {
    private let handle: FileHandle
    private let path: String

    package init(url: URL) throws {
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw DatasetError(.io, "cannot open: \(error.localizedDescription)", path: url.path)
        }
        path = url.path
    }

    deinit { try? handle.close() }

    package func read(upTo maxCount: Int) throws -> Data {
        do { return try handle.read(upToCount: maxCount) ?? Data() } catch {
            throw DatasetError(.io, "cannot read: \(error.localizedDescription)", path: path)
        }
    }
}

/// Decompresses a gzip stream (RFC 1952, concatenated members allowed) with zlib, chunk by chunk.
/// This file and its writer twin are the only users of zlib; the pointers stay inside them.
package final class GzipReader: ByteSource {
    private let source: ByteSource
    private let path: String
    private var stream = z_stream()
    private var input = Data()
    private var inputOffset = 0
    private var finished = false
    private var sourceEnded = false
    /// True once at least one gzip member ended cleanly.
    private var memberEnded = false

    /// - Parameter path: names the archive in errors.
    package init(source: ByteSource, path: String) throws {
        self.source = source
        self.path = path
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        let status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw DatasetError(.io, "zlib inflateInit2 failed (\(status))", path: path) }
    }

    deinit { inflateEnd(&stream) }

    package func read(upTo maxCount: Int) throws -> Data {
        precondition(maxCount > 0, "GzipReader.read: maxCount must be positive, got \(maxCount)")
        var output = Data(count: maxCount)
        var produced = 0
        while produced == 0 && !finished {
            if inputOffset == input.count && !sourceEnded {
                input = try source.read(upTo: 1 << 16)
                inputOffset = 0
                if input.isEmpty { sourceEnded = true }
            }
            if inputOffset == input.count && sourceEnded {
                // No more compressed bytes: fine after a complete member, truncation otherwise.
                guard memberEnded else { throw DatasetError(.corrupt, "the gzip stream is truncated", path: path) }
                finished = true
                break
            }
            let available = input.count - inputOffset
            var status: Int32 = Z_OK
            var consumed = 0
            input.withUnsafeMutableBytes { (inBytes: UnsafeMutableRawBufferPointer) in
                output.withUnsafeMutableBytes { (outBytes: UnsafeMutableRawBufferPointer) in
                    stream.next_in = inBytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + inputOffset
                    stream.avail_in = uInt(available)
                    stream.next_out = outBytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                    stream.avail_out = uInt(maxCount - produced)
                    status = inflate(&stream, Z_NO_FLUSH)
                    consumed = available - Int(stream.avail_in)
                    produced = maxCount - Int(stream.avail_out)
                }
            }
            inputOffset += consumed
            switch status {
            case Z_OK:
                memberEnded = false
            case Z_STREAM_END:
                memberEnded = true
                // Another member may follow (`cat a.gz b.gz`); trailing zero padding ends the stream.
                if inputOffset == input.count && !sourceEnded {
                    input = try source.read(upTo: 1 << 16)
                    inputOffset = 0
                    if input.isEmpty { sourceEnded = true }
                }
                if inputOffset < input.count && input[input.startIndex + inputOffset] == 0x1f {
                    inflateReset(&stream)
                } else {
                    finished = true
                }
            case Z_BUF_ERROR where consumed == 0 && produced == 0:
                throw DatasetError(.corrupt, "the gzip stream is damaged (no progress)", path: path)
            case Z_BUF_ERROR:
                break
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                throw DatasetError(.corrupt, "not a valid gzip stream: \(reason)", path: path)
            }
        }
        output.count = produced
        return output
    }
}

/// gzip compression of a whole buffer (tests write tar.gz archives with it).
package enum Gzip {
    /// `data` as one gzip member at compression `level` (1-9).
    package static func compress(_ data: Data, level: Int32 = 6) -> Data {
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                       Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "Gzip.compress: deflateInit2 failed (\(initStatus))")
        defer { deflateEnd(&stream) }
        var source = data
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        var produced = 0
        source.withUnsafeMutableBytes { (inBytes: UnsafeMutableRawBufferPointer) in
            output.withUnsafeMutableBytes { (outBytes: UnsafeMutableRawBufferPointer) in
                stream.next_in = inBytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(inBytes.count)
                stream.next_out = outBytes.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outBytes.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "Gzip.compress: deflate returned \(status)")
                produced = outBytes.count - Int(stream.avail_out)
            }
        }
        output.count = produced
        return output
    }
}
