import Foundation
import Kernels
import Testing
import Tensors
import TestSupport

/// Compares the ops with PyTorch values stored in Tests/Fixtures/torch/conv.safetensors (made by
/// scripts/make_conv_fixtures.py: float32 inputs, float64 reference, see the script).
@Suite struct TorchFixtureTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch/conv.safetensors")

    /// Runs `op` with gradient tracking on the stored inputs, seeds the stored output gradient and
    /// checks the output and every stored input gradient to 1e-4.
    func check(_ name: String, inputs: [String], _ op: ([Tensor]) -> Tensor) throws {
        let contents = try SafeTensors.read(contentsOf: Self.fixtureURL)
        func load(_ key: String) throws -> Tensor {
            try #require(contents["\(name).\(key)"], "missing \(name).\(key) in the fixture")
        }
        let parameters = try inputs.map { Parameter(try load($0)) }
        let y = op(parameters.map(\.tracked))
        let expected = try load("y")
        #expect(y.shape == expected.shape, "\(name): output shape")
        guard y.shape == expected.shape else { return }
        #expect(y.maxAbsoluteDifference(expected) < 1e-4, "\(name): output")
        y.backward(gradient: try load("gy"))
        for (input, parameter) in zip(inputs, parameters) {
            let gradient = try #require(parameter.gradient, "\(name): no gradient for \(input)")
            #expect(gradient.maxAbsoluteDifference(try load("g\(input)")) < 1e-4, "\(name): gradient of \(input)")
        }
    }

    @Test(arguments: ConvolutionPath.allCases)
    func conv2DMatchesPyTorch(_ path: ConvolutionPath) throws {
        try ConvolutionPath.$override.withValue(path) { try conv2DMatchesPyTorch() }
    }

    func conv2DMatchesPyTorch() throws {
        try check("conv_k3s1p1", inputs: ["x", "w", "b"]) { t in
            t[0].conv2d(weight: t[1], bias: t[2], stride: 1, padding: 1)
        }
        try check("conv_k4s2p1", inputs: ["x", "w", "b"]) { t in
            t[0].conv2d(weight: t[1], bias: t[2], stride: 2, padding: 1)
        }
    }

    @Test(arguments: ConvolutionPath.allCases)
    func convTransposed2DMatchesPyTorch(_ path: ConvolutionPath) throws {
        try ConvolutionPath.$override.withValue(path) { try convTransposed2DMatchesPyTorch() }
    }

    func convTransposed2DMatchesPyTorch() throws {
        try check("convT_k4s2p1", inputs: ["x", "w", "b"]) { t in
            t[0].convTransposed2d(weight: t[1], bias: t[2], stride: 2, padding: 1)
        }
        try check("convT_k3s2p1op1", inputs: ["x", "w", "b"]) { t in
            t[0].convTransposed2d(weight: t[1], bias: t[2], stride: 2, padding: 1, outputPadding: 1)
        }
    }

    @Test func reflectionPaddingMatchesPyTorch() throws {
        try check("reflect_pad", inputs: ["x"]) { t in
            t[0].padded(top: 3, bottom: 0, left: 2, right: 1, mode: .reflect)
        }
    }

    @Test(arguments: [("bilinear", ResizeMethod.bilinear), ("bicubic", .bicubic)])
    func resizeMatchesPyTorch(_ method: (name: String, value: ResizeMethod)) throws {
        try check("\(method.name)_up", inputs: ["x"]) { t in t[0].resized(height: 9, width: 11, method: method.value) }
        try check("\(method.name)_down", inputs: ["x"]) { t in t[0].resized(height: 3, width: 2, method: method.value) }
    }
}
