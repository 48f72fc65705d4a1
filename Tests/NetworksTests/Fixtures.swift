import Foundation
import Layers
import Networks
import Tensors

/// Files under Tests/Fixtures/torch, made by scripts/make_network_fixtures.py (see its header).
enum TorchFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/torch")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    struct Case {
        var name: String
        var pth: String
        var spec: NetworkSpec
        var inputShape: Shape
        var key: String?
        /// "training" or "inference" when the fixture holds gradients, computed in that phase.
        var gradients: String?
    }

    /// The cases listed in manifest.json.
    static func cases() throws -> [String: Case] {
        let data = try Data(contentsOf: url("manifest.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var result: [String: Case] = [:]
        for item in object["cases"] as! [[String: Any]] {
            let specData = try JSONSerialization.data(withJSONObject: item["spec"]!, options: [.sortedKeys])
            let name = item["name"] as! String
            result[name] = Case(name: name, pth: item["pth"] as! String,
                                spec: try NetworkSpec(json: String(decoding: specData, as: UTF8.self)),
                                inputShape: Shape(item["input_shape"] as! [Int]), key: item["key"] as? String,
                                gradients: item["gradients"] as? String)
        }
        return result
    }

    /// The script's loss weights: Σ cos(0.11·i)·y[i] over the flattened output.
    static func lossWeights(_ shape: Shape) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.elementCount).map { Float(cos(0.11 * Double($0))) })
    }

    /// The script's input: x[i] = 0.8·sin(0.37·i + 0.1) over the flattened NCHW tensor.
    static func input(_ shape: Shape) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.elementCount).map { Float(0.8 * sin(0.37 * Double($0) + 0.1)) })
    }
}
