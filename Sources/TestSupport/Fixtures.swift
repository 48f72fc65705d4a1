import Foundation
import Tensors

/// Committed test fixtures under `Tests/Fixtures/` (made by the scripts in `scripts/`).
public enum Fixtures {
    /// The repository root, found from this source file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relativePath>`.
    public static func url(_ relativePath: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }

    /// Loads a safetensors fixture.
    public static func safetensors(_ relativePath: String) throws -> SafeTensors.Contents {
        try SafeTensors.read(contentsOf: url(relativePath))
    }
}

extension SafeTensors.Contents {
    /// The tensor called `name`; fails the calling test through a thrown error when missing.
    public func require(_ name: String) throws -> Tensor {
        guard let tensor = self[name] else { throw SafeTensorsError("fixture has no tensor \(name)") }
        return tensor
    }
}
