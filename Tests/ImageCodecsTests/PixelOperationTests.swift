import ImageCodecs
import Testing

@Suite struct PixelOperationTests {
    static func source() throws -> PixelBuffer {
        try ImageDecoder.decode(contentsOf: CodecFixtures.referencePath("resize_source.png")).pixels
    }

    // MARK: - Resize parity with Pillow

    @Test(arguments: CodecFixtures.manifest.references.resize)
    func resizeMatchesPillow(_ reference: CodecFixtures.Resize) throws {
        let filter = try #require(ResampleFilter(rawValue: reference.filter))
        var input = try Self.source()
        if reference.channels == 1 {
            input = try ImageDecoder.decode(contentsOf: CodecFixtures.referencePath("gray_from_source.png")).pixels
        }
        let ours = input.resized(width: reference.width, height: reference.height, filter: filter)
        let pillow = try ImageDecoder.decode(contentsOf: CodecFixtures.referencePath(reference.name)).pixels
        #expect(ours.width == pillow.width && ours.height == pillow.height && ours.channels == pillow.channels)
        let differences = zip(ours.bytes, pillow.bytes).map { abs(Int($0) - Int($1)) }
        // The brief allows ±1 level; the fixed-point arithmetic is Pillow's, so expect exact.
        #expect(differences.max() ?? 0 <= 1, "\(reference.name): max difference \(differences.max() ?? 0)")
        #expect(
            differences.filter { $0 != 0 }.count == 0,
            "\(reference.name): \(differences.filter { $0 != 0 }.count) samples off by one")
    }

    @Test func resizeToSameSizeIsIdentity() throws {
        let input = try Self.source()
        #expect(input.resized(width: input.width, height: input.height) == input)
    }

    @Test func sixteenBitResizeAgreesWithEightBit() throws {
        // A 16-bit image whose values are 257·v resizes (in double) to within one 8-bit level.
        let input = try Self.source()
        let deep = input.convertedTo16Bit().resized(width: 20, height: 15).convertedTo8Bit()
        let shallow = input.resized(width: 20, height: 15)
        let worst = zip(deep.bytes, shallow.bytes).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1)
    }

    @Test func areaResizeOfWholeFactorIsTheBlockMean() {
        // 4×2 gray → 2×1: each output is the mean of a 2×2 block.
        let input = PixelBuffer(width: 4, height: 2, channels: 1, bytes: [10, 20, 100, 200, 30, 40, 0, 100])
        let output = input.resized(width: 2, height: 1, filter: .area)
        #expect(output.bytes == [25, 100])
    }

    // MARK: - Colour

    @Test func grayConversionMatchesPillow() throws {
        let gray = try Self.source().converted(toChannels: 1)
        let pillow = try ImageDecoder.decode(contentsOf: CodecFixtures.referencePath("gray_from_source.png")).pixels
        #expect(gray == pillow)
    }

    @Test func channelConversionsFollowPillow() {
        let rgba = PixelBuffer(width: 2, height: 1, channels: 4, bytes: [255, 0, 0, 7, 10, 20, 30, 200])
        #expect(rgba.converted(toChannels: 3).bytes == [255, 0, 0, 10, 20, 30])
        // L = (19595 R + 38470 G + 7471 B + 32768) >> 16: pure red → 76.
        #expect(rgba.converted(toChannels: 1).bytes == [76, 18])
        #expect(rgba.converted(toChannels: 2).bytes == [76, 7, 18, 200])
        let gray = PixelBuffer(width: 1, height: 1, channels: 1, bytes: [9])
        #expect(gray.converted(toChannels: 3).bytes == [9, 9, 9])
        #expect(gray.converted(toChannels: 4).bytes == [9, 9, 9, 255])
    }

    @Test func labMatchesScikitImage() throws {
        let source = try Self.source()
        let ours = ColorConversion.rgbToLab(source)
        let reference = try CodecFixtures.floats("lab_of_source.f32")
        #expect(ours.count == reference.count)
        let worst = zip(ours, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-3, "max |Lab difference| \(worst)")
    }

    @Test func labToRGBMatchesScikitImage() throws {
        let grid = try CodecFixtures.floats("lab_grid.f32")
        let reference = try CodecFixtures.floats("rgb_of_lab_grid.f32")
        let ours = ColorConversion.labToRGB(grid)
        #expect(grid.count == CodecFixtures.manifest.references.lab.gridCount * 3)
        let worst = zip(ours, reference).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-3, "max |RGB difference| \(worst)")
    }

    @Test func labRoundTripReturnsThePixels() throws {
        let source = try Self.source()
        let back = ColorConversion.labToPixels(
            ColorConversion.rgbToLab(source), width: source.width, height: source.height)
        #expect(back == source)
    }

    @Test func lumaIsBT601WithMATLABRange() {
        let pixels = PixelBuffer(
            width: 4, height: 1, channels: 3, bytes: [0, 0, 0, 255, 255, 255, 255, 0, 0, 10, 200, 30])
        let y = ColorConversion.rgbToY(pixels)
        #expect(abs(y[0] - 16) < 1e-4)
        #expect(abs(y[1] - 235) < 1e-4)
        #expect(abs(y[2] - (16 + 65.481)) < 1e-4)
        let expected: Double = 16 + (65.481 * 10 + 128.553 * 200 + 24.966 * 30) / 255
        #expect(abs(Double(y[3]) - expected) < 1e-4)
    }

    // MARK: - Geometry

    /// 3×2 RGB image whose pixels are numbered 0…5 in the red channel.
    static let numbered: PixelBuffer = {
        var bytes: [UInt8] = []
        for i in 0..<6 { bytes += [UInt8(i), UInt8(10 + i), UInt8(20 + i)] }
        return PixelBuffer(width: 3, height: 2, channels: 3, bytes: bytes)
    }()

    static func reds(_ pixels: PixelBuffer) -> [Int] {
        (0..<pixels.height).flatMap { y in (0..<pixels.width).map { x in pixels[x, y, 0] } }
    }

    @Test func flipsAndCrop() {
        let p = Self.numbered  // 0 1 2 / 3 4 5
        #expect(Self.reds(p.flippedHorizontally()) == [2, 1, 0, 5, 4, 3])
        #expect(Self.reds(p.flippedVertically()) == [3, 4, 5, 0, 1, 2])
        let crop = p.cropped(to: PixelRect(x: 1, y: 0, width: 2, height: 2))
        #expect(Self.reds(crop) == [1, 2, 4, 5])
        #expect(crop[0, 0, 1] == 11 && crop[0, 0, 2] == 21)
    }

    /// Each EXIF orientation as display grids of the stored 0 1 2 / 3 4 5.
    @Test(arguments: [
        (1, 3, [0, 1, 2, 3, 4, 5]), (2, 3, [2, 1, 0, 5, 4, 3]), (3, 3, [5, 4, 3, 2, 1, 0]),
        (4, 3, [3, 4, 5, 0, 1, 2]), (5, 2, [0, 3, 1, 4, 2, 5]), (6, 2, [3, 0, 4, 1, 5, 2]),
        (7, 2, [5, 2, 4, 1, 3, 0]), (8, 2, [2, 5, 1, 4, 0, 3]),
    ])
    func orientationTransforms(value: Int, width: Int, expected: [Int]) throws {
        let orientation = try #require(ImageOrientation(rawValue: value))
        let shown = Self.numbered.oriented(orientation)
        #expect(shown.width == width)
        #expect(Self.reds(shown) == expected)
    }

    @Test func sixteenBitSamplesSurviveGeometry() {
        let deep = PixelBuffer(width: 2, height: 1, channels: 1, words: [1000, 65535])
        #expect(deep.flippedHorizontally().words == [65535, 1000])
        #expect(deep.convertedTo8Bit().bytes == [4, 255])
        #expect(deep.converted(toChannels: 3).words == [1000, 1000, 1000, 65535, 65535, 65535])
    }
}
