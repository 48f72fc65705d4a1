// bench-apply: writes a randomly initialised generator checkpoint (reference init, N(0, 0.02)) for
// the `translate apply` benchmark (bench/sections/30-apply.sh), which loads the same weights into
// PyTorch through their reference state-dict keys.
//
//   bench-apply [--netG resnet_9blocks] [--ngf 64] [--norm instance] [--seed 1] OUT.safetensors
//   bench-apply --profile 256 | 864x1152 [--netG …] [--ngf …]   (times each layer of the inference plan)
import Foundation
import Inference
import Layers
import Networks
import Tensors

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-apply: \(message)\n".utf8))
    exit(2)
}

var kind = GeneratorKind.resnet9
var baseFilters = 64
var norm: NormKind?
var seed: UInt64 = 1
var output: String?
var profileSize: (height: Int, width: Int)?
/// The value after `flag`, parsed by `make`; exits with a message when missing or malformed.
func value<T>(after flag: String, _ arguments: inout ArraySlice<String>, _ make: (String) -> T?) -> T {
    guard let text = arguments.popFirst(), let parsed = make(text) else { fail("\(flag) needs a valid value") }
    return parsed
}

var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--netG": kind = value(after: argument, &arguments) { GeneratorKind(rawValue: $0) }
    case "--ngf": baseFilters = value(after: argument, &arguments) { Int($0) }
    case "--norm": norm = value(after: argument, &arguments) { NormKind(rawValue: $0) }
    case "--seed": seed = value(after: argument, &arguments) { UInt64($0) }
    case "--profile": profileSize = value(after: argument, &arguments) { text in
        let sides = text.split(separator: "x").compactMap { Int($0) }
        return sides.count == 2 ? (sides[0], sides[1]) : Int(text).map { ($0, $0) }
    }
    default:
        if argument.hasPrefix("-") || output != nil { fail("unexpected argument \(argument)") }
        output = argument
    }
}
if let size = profileSize {
    profile(kind: kind, baseFilters: baseFilters, size: size)
    exit(0)
}
guard let output else { fail("usage: bench-apply [--netG kind] [--ngf n] [--norm n] [--seed s] OUT.safetensors") }
let spec = norm.map { NetworkSpec.generator(kind, baseFilters: baseFilters, norm: $0) }
    ?? NetworkSpec.generator(kind, baseFilters: baseFilters)
let network = spec.makeNetwork()
var generator = SeededGenerator(seed: seed)
initializeWeights(network, using: &generator)
do {
    try Checkpoint(network: network, spec: spec).write(to: URL(fileURLWithPath: output))
} catch {
    fail("\(error)")
}
print("\(spec): \(network.parameterCount) parameters → \(output)")

/// Times each layer of a generator's top-level Sequential (and the residual blocks together) on one
/// `size` image (HxW): where a forward pass spends its time.
func profile(kind: GeneratorKind, baseFilters: Int, size: (height: Int, width: Int)) {
    Tensor.configureRuntime()
    let spec = NetworkSpec.generator(kind, baseFilters: baseFilters)
    let network = spec.makeNetwork()
    var generator = SeededGenerator(seed: 1)
    initializeWeights(network, using: &generator)
    network.setRequiresGradient(false)
    guard let resnet = network as? ResNetGenerator else { fail("--profile supports ResNet generators") }
    let input = Tensor.randomUniform(shape: [1, 3, size.height, size.width], low: -1, high: 1, using: &generator)
    var totals: [String: Double] = [:]
    guard case .sequence(let steps) = InferenceForward.step(for: resnet) else { fail("unexpected plan") }
    for round in 0..<3 {
        var x = input
        for (index, step) in steps.enumerated() {
            let start = DispatchTime.now().uptimeNanoseconds
            x = InferenceForward.run(step, x)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var name: String
            switch step {
            case .layer(let layer): name = "\(index) \(type(of: layer))"
            case .sameSize3x3: name = "\(index) same-size 3×3"
            case .fewOutputs: name = "\(index) direct few-output conv"
            case .residual, .scaledResidual: name = "residual blocks"
            case .dense: name = "\(index) dense block"
            case .operation: name = "\(index) operation"
            case .sequence: name = "\(index) sequence"
            }
            if round > 0 { totals[name, default: 0] += seconds / 2 }
        }
    }
    for (name, seconds) in totals.sorted(by: { $0.value > $1.value }) {
        print(String(format: "%8.1f ms  %@", seconds * 1000, name))
    }
    print(String(format: "%8.1f ms  total", totals.values.reduce(0, +) * 1000))
}
