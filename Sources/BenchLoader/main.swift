// bench-loader: input-pipeline throughput (decode + random crop + flip + normalize into
// [N, C, H, W] batches) for `make bench` (bench/sections/20-loader.sh).
//
//   bench-loader generate DIR [--count N] [--width W] [--height H] [--seed S]
//       writes N synthetic photo-like JPEGs (quality 90, 4:2:0) into DIR
//   bench-loader stages DIR [--crop C]
//       CPU time per image of each stage (read, header, decode, crop+flip+normalize, collate)
//   bench-loader measure DIR --crop C [--workers 1,2] [--batch-size B] [--min-seconds T] [--label L]
//       prints one tab-separated line per pipeline and worker count:
//       label, pipeline, workers, images/s, cpu/wall, images
//
// Pipelines: "loader" is BatchLoader + SingleFolderDataset with --preprocess crop (a JPEG
// decodes only the crop); "loader-full-decode" decodes whole images first (as PIL does) and
// then crops, to show what the region decode is worth.

import BenchSupport
import Foundation
import ImageCodecs
import ImageDatasets
import Tensors

// MARK: - Arguments

var arguments = Array(CommandLine.arguments.dropFirst())
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-loader: \(message)\n".utf8))
    exit(2)
}
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name) else { return nil }
    guard index + 1 < arguments.count else { fail("\(name) needs a value") }
    let value = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
    return value
}
func intOption(_ name: String, default value: Int) -> Int {
    guard let text = option(name) else { return value }
    guard let number = Int(text), number > 0 else { fail("\(name) must be a positive integer, got \(text)") }
    return number
}

guard let mode = arguments.first else { fail("usage: bench-loader generate|measure DIR [options]") }
arguments.removeFirst()

// MARK: - generate

/// A photo-like picture: smooth illumination, a few soft shapes, texture and sensor noise, so the
/// JPEG has a realistic size (about 0.3 bytes per pixel at quality 90).
func photo(width: Int, height: Int, seed: UInt64) -> PixelBuffer {
    var rng = SeededGenerator(seed: seed)
    var bytes = [UInt8](repeating: 0, count: width * height * 3)
    let blobs = (0..<6).map { _ in
        (
            x: Float(rng.nextUniform()) * Float(width), y: Float(rng.nextUniform()) * Float(height),
            r: (0.1 + 0.3 * rng.nextUniform()) * Float(min(width, height)),
            color: (rng.nextUniform() * 255, rng.nextUniform() * 255, rng.nextUniform() * 255)
        )
    }
    let tilt = (rng.nextUniform(), rng.nextUniform(), rng.nextUniform())
    for y in 0..<height {
        for x in 0..<width {
            let u = Float(x) / Float(width), v = Float(y) / Float(height)
            var r = 60 + 140 * tilt.0 * u + 40 * v, g = 70 + 120 * tilt.1 * v, b = 90 + 100 * tilt.2 * (1 - u)
            for blob in blobs {
                let dx = Float(x) - blob.x, dy = Float(y) - blob.y
                let weight = max(0, 1 - (dx * dx + dy * dy).squareRoot() / blob.r)
                r += weight * (blob.color.0 - r)
                g += weight * (blob.color.1 - g)
                b += weight * (blob.color.2 - b)
            }
            let texture = 12 * sin(Float(x) * 0.31 + Float(y) * 0.17) * sin(Float(y) * 0.23)
            let i = (y * width + x) * 3
            bytes[i] = UInt8(max(0, min(255, r + texture + 6 * rng.nextNormal())))
            bytes[i + 1] = UInt8(max(0, min(255, g + texture + 6 * rng.nextNormal())))
            bytes[i + 2] = UInt8(max(0, min(255, b + texture + 6 * rng.nextNormal())))
        }
    }
    return PixelBuffer(width: width, height: height, channels: 3, bytes: bytes)
}

func generate() {
    guard let directory = arguments.first else { fail("generate: give the output folder") }
    arguments.removeFirst()
    let count = intOption("--count", default: 256)
    let width = intOption("--width", default: 256)
    let height = intOption("--height", default: 256)
    let seed = UInt64(intOption("--seed", default: 1))
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A handful of distinct pictures, repeated: decoding cost depends on size and content
        // statistics, not on every file being unique.
        let distinct = min(count, 16)
        var encoded: [[UInt8]] = []
        for i in 0..<distinct {
            encoded.append(
                try ImageEncoder.encode(
                    photo(width: width, height: height, seed: seed &+ UInt64(i)), as: .jpeg,
                    jpeg: JPEGEncodeOptions(quality: 90)))
        }
        var total = 0
        for i in 0..<count {
            let bytes = encoded[i % distinct]
            total += bytes.count
            try ImageFile.writeAtomically(bytes, to: directory + "/" + String(format: "img%05d.jpg", i))
        }
        print("generated \(count) JPEGs of \(width)×\(height), \(total / count) bytes on average, in \(directory)")
    } catch {
        fail("\(error)")
    }
}

// MARK: - measure

/// Whole-image decode, then the same crop, flip and conversion: PIL's way, for comparison.
struct FullDecodeDataset: ImageDataset {
    let files: [String]
    let options: DatasetOptions
    var count: Int { files.count }

    func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> ImageSample {
        let pixels = try ImageDecoder.decode(contentsOf: files[index]).pixels
        let plan = try options.drawPlan(width: pixels.width, height: pixels.height, path: files[index], using: &rng)
        return ImageSample(image: plan.tensor(from: pixels), path: files[index])
    }
}

/// Runs whole epochs (after one warm-up epoch) until `minSeconds` have passed.
func measure<D: ImageDataset>(_ dataset: D, batchSize: Int, workers: Int, minSeconds: Double) throws
    -> (imagesPerSecond: Double, cpuPerWall: Double, images: Int)
{
    let loader = BatchLoader(dataset: dataset, batchSize: batchSize, dropLast: true, seed: 1, workers: workers)
    func runEpoch(_ number: Int) throws -> Int {
        var images = 0
        let epoch = loader.epoch(number)
        while let batch = try epoch.next() {
            images += batchCount(batch)
        }
        return images
    }
    _ = try runEpoch(0)
    let start = Date(), cpuStart = cpuSeconds()
    var images = 0, epoch = 1
    repeat {
        images += try runEpoch(epoch)
        epoch += 1
    } while Date().timeIntervalSince(start) < minSeconds
    let wall = Date().timeIntervalSince(start)
    return (Double(images) / wall, (cpuSeconds() - cpuStart) / wall, images)
}

func batchCount<B>(_ batch: B) -> Int {
    if let batch = batch as? ImageBatch { return batch.images.shape[0] }
    fail("unexpected batch type \(B.self)")
}

func runMeasure() {
    guard let directory = arguments.first else { fail("measure: give the image folder") }
    arguments.removeFirst()
    let crop = intOption("--crop", default: 224)
    let batchSize = intOption("--batch-size", default: 32)
    let minSeconds = Double(intOption("--min-seconds", default: 3))
    let label = option("--label") ?? directory
    let workerCounts = (option("--workers") ?? "1,2").split(separator: ",").compactMap { Int($0) }
    var options = DatasetOptions()
    options.preprocess = .crop
    options.cropSize = crop
    do {
        let dataset = try SingleFolderDataset(directory: directory, options: options)
        let full = FullDecodeDataset(files: dataset.files, options: options)
        for workers in workerCounts {
            let result = try measure(dataset, batchSize: batchSize, workers: workers, minSeconds: minSeconds)
            print(
                [
                    label, "loader", "\(workers)", String(format: "%.0f", result.imagesPerSecond),
                    String(format: "%.2f", result.cpuPerWall), "\(result.images)",
                ].joined(separator: "\t"))
            let baseline = try measure(full, batchSize: batchSize, workers: workers, minSeconds: minSeconds)
            print(
                [
                    label, "loader-full-decode", "\(workers)", String(format: "%.0f", baseline.imagesPerSecond),
                    String(format: "%.2f", baseline.cpuPerWall), "\(baseline.images)",
                ].joined(separator: "\t"))
        }
    } catch {
        fail("\(error)")
    }
}

// MARK: - stages

/// CPU time per image of each stage, single-threaded, to see where the time goes.
func runStages() {
    guard let directory = arguments.first else { fail("stages: give the image folder") }
    arguments.removeFirst()
    let crop = intOption("--crop", default: 224)
    do {
        let files = try ImageFolder.scan(directory).files
        let bytes = try files.map { try ImageFile.readBytes($0) }
        func time(_ name: String, _ body: (Int) throws -> Void) rethrows {
            let start = cpuSeconds()
            var count = 0
            repeat {
                for i in 0..<bytes.count { try body(i) }
                count += bytes.count
            } while cpuSeconds() - start < 1
            print(
                String(format: "%-28@ %8.1f µs/image", name as NSString, (cpuSeconds() - start) / Double(count) * 1e6))
        }
        let decoded = try bytes.map { try ImageDecoder.decode($0).pixels }
        let rect = PixelRect(x: 7, y: 5, width: crop, height: crop)
        try time("read file") { _ = try ImageFile.readBytes(files[$0]) }
        try time("read header") { _ = try ImageDecoder.readInfo(bytes[$0]) }
        try time("decode whole") { _ = try ImageDecoder.decode(bytes[$0]) }
        try time("decode crop region") { _ = try ImageDecoder.decode(bytes[$0], region: rect) }
        time("crop+flip+normalize") { _ = PixelTensor.tensor(from: decoded[$0], crop: rect, flipHorizontally: true) }
        let tensors = decoded.map { PixelTensor.tensor(from: $0, crop: rect) }
        try time("collate (per image, N=32)") { i in
            if i % 32 == 0 { _ = try ImageSample.collate(tensors[0..<32].map { ImageSample(image: $0, path: "") }) }
        }
    } catch {
        fail("\(error)")
    }
}

// Keep freed tensor memory warm (no page faults per batch), as the CLI does.
Tensor.configureRuntime()

switch mode {
case "generate": generate()
case "measure": runMeasure()
case "stages": runStages()
default: fail("unknown mode \(mode); use generate or measure")
}
