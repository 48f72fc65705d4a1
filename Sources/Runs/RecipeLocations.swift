import Foundation

/// Where recipes and the paths inside them are looked up.
public enum RecipeLocations {
    /// `./pipelines`, then the `pipelines` folder of the checkout the binary was built in
    /// (`<repo>/.build/<config>/translate` → `<repo>/pipelines`).
    public static func folders(executable: String = CommandLine.arguments[0]) -> [URL] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var result = [cwd.appendingPathComponent("pipelines")]
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("pipelines")
            if candidate.path != result[0].path && FileManager.default.fileExists(atPath: candidate.path) {
                result.append(candidate)
                break
            }
            folder = folder.deletingLastPathComponent()
        }
        return result
    }

    /// A path from a recipe: absolute, else relative to the current folder if it exists there, else
    /// relative to the folder above the recipe's `pipelines/` folder (the repository root).
    public static func resolve(_ path: String, relativeTo recipe: URL?) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        if let recipe {
            let root = recipe.deletingLastPathComponent().deletingLastPathComponent()
            let candidate = root.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }
}
