// bench-apply: writes a randomly initialised generator checkpoint (reference init, N(0, 0.02)) for
// the `translate apply` benchmark (bench/sections/30-apply.sh), which loads the same weights into
// PyTorch through their reference state-dict keys.
//
//   bench-apply [--netG resnet_9blocks] [--ngf 64] [--norm instance] [--seed 1] OUT.safetensors
import Foundation
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
    default:
        if argument.hasPrefix("-") || output != nil { fail("unexpected argument \(argument)") }
        output = argument
    }
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
