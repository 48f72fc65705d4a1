import Foundation
import Testing
import Training
import Yams

@Suite struct RecipeTests {
    let text = """
    name: tiny
    description: a test recipe
    dataset: datasets/samples/labels2scenes
    model: pix2pix
    options:
      netG: unet_128
      crop-size: 128
      load_size: 128
      n_epochs: 2
    evaluation:
      split: test
    inference:
      - input: test
        output: translated
    """

    @Test func parsesAndResolvesWithOverrides() throws {
        let recipe = try Recipe.parse(text)
        #expect(recipe.name == "tiny" && recipe.model == .pix2pix && recipe.evaluationSplit == "test")
        #expect(recipe.inference == [Recipe.InferenceStep(input: "test", output: "translated")])
        let options = try recipe.resolve(overrides: [("n_epochs", "5")], datasetRoot: "/data/x")
        #expect(options.netG == "unet_128" && options.cropSize == 128 && options.nEpochs == 5)
        #expect(options.norm == "batch" && options.lambdaL1 == 100)  // pix2pix defaults survive
        #expect(options.dataroot == "/data/x" && options.name == "tiny")
    }

    @Test func resolvedYAMLIsValidAndComplete() throws {
        let recipe = try Recipe.parse(text)
        let options = try recipe.resolve(overrides: [], datasetRoot: "datasets/samples/labels2scenes")
        let yaml = Recipe.resolvedYAML(recipe: recipe, options: options)
        let parsed = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let resolved = try #require(parsed["options"] as? [String: Any])
        #expect(resolved["netg"] as? String == "unet_128")
        #expect(resolved["crop_size"] as? Int == 128)
        #expect(resolved["lambda_l1"] as? Double == 100)
    }

    @Test func mistakesNameTheProblem() {
        #expect(throws: OptionError.self) { try Recipe.parse("name: x\nmodel: pix2pix\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: x\ndataset: d\nmodel: stylegan\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\nepochs: 3\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: [unclosed\n") }
        let bad = try? Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\noptions: {crop_size: huge}\n")
            .resolve(overrides: [], datasetRoot: "d")
        #expect(bad == nil)
    }
}
