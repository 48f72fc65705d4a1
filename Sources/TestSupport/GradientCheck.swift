import Tensors

/// Finite-difference gradient checking for ops: compares the gradients that `backward()` computes
/// with central differences accumulated in `Double`.
public enum GradientCheck {
    /// The result of one check: the worst mismatch over all inputs and elements.
    public struct Report: CustomStringConvertible {
        /// max |analytic − numeric| / max(1, |numeric|) over every checked element.
        public var maxError: Double
        public var worst: String
        public var description: String { "max error \(maxError) at \(worst)" }
    }

    /// Checks `function` at `inputs`. The scalar objective is Σ wᵢ·f(x)ᵢ with fixed pseudo-random
    /// weights, so every output element contributes.
    /// - Parameters:
    ///   - step: the central-difference step.
    ///   - checkedInputs: indices of inputs to check (default: all).
    public static func check(
        inputs: [Tensor], step: Float = 1e-2, checkedInputs: [Int]? = nil, seed: UInt64 = 7,
        _ function: ([Tensor]) -> Tensor
    ) -> Report {
        let parameters = inputs.map { Parameter($0) }
        let probe = function(inputs)
        var generator = SeededGenerator(seed: seed)
        let weights = Tensor.randomUniform(shape: probe.shape, low: -1, high: 1, using: &generator)
        let weightValues = weights.scalars.map(Double.init)

        func objective(_ values: [Tensor]) -> Double {
            let output = function(values).scalars
            var total = 0.0
            for i in 0..<output.count { total += Double(output[i]) * weightValues[i] }
            return total
        }

        // Analytic gradients.
        let output = function(parameters.map(\.tracked))
        output.multiplying(weights).sum().backward()

        var report = Report(maxError: 0, worst: "-")
        for index in checkedInputs ?? Array(inputs.indices) {
            let analytic = parameters[index].gradient?.scalars ?? [Float](repeating: 0, count: inputs[index].scalarCount)
            var values = inputs[index].scalars
            for element in 0..<values.count {
                let original = values[element]
                var perturbed = inputs
                values[element] = original + step
                perturbed[index] = Tensor(shape: inputs[index].shape, scalars: values)
                let plus = objective(perturbed)
                values[element] = original - step
                perturbed[index] = Tensor(shape: inputs[index].shape, scalars: values)
                let minus = objective(perturbed)
                values[element] = original
                let numeric = (plus - minus) / (2 * Double(step))
                let error = Swift.abs(Double(analytic[element]) - numeric) / Swift.max(1, Swift.abs(numeric))
                if error > report.maxError {
                    report.maxError = error
                    report.worst = "input \(index) element \(element): analytic \(analytic[element]), numeric \(numeric)"
                }
            }
        }
        return report
    }
}
