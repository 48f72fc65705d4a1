import Foundation
import Runs
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
        let flags = OptionSource(origin: "command line", entries: [("--n-epochs", "5")], isCommandLine: true)
        let options = try recipe.resolve(overrides: flags, datasetRoot: "/data/x")
        #expect(options.netG == .unet128 && options.cropSize == 128 && options.nEpochs == 5)
        #expect(options.norm == .batch && options.lambdaL1 == 100)  // pix2pix defaults survive
        #expect(options.dataroot == "/data/x" && options.name == "tiny")
    }

    @Test func resolvedYAMLSpellsKeysAsTheReference() throws {
        let recipe = try Recipe.parse(text)
        let options = try recipe.resolve(datasetRoot: "datasets/samples/labels2scenes")
        let yaml = Recipe.resolvedYAML(recipe: recipe, options: options)
        let parsed = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let resolved = try #require(parsed["options"] as? [String: Any])
        #expect(resolved["netG"] as? String == "unet_128")
        #expect(resolved["netD"] as? String == "basic")
        #expect(resolved["n_layers_D"] as? Int == 3)
        #expect(resolved["crop_size"] as? Int == 128)
        #expect(resolved["lambda_L1"] as? Double == 100)
        #expect(resolved["netg"] == nil)
        // The stored recipe is itself a recipe that resolves to the same options.
        let again = try Recipe.parse(yaml)
        #expect(try again.resolve(datasetRoot: options.dataroot) == options)
    }

    @Test func mistakesNameTheProblem() {
        #expect(throws: OptionError("<recipe>: missing 'dataset' (a folder)")) { try Recipe.parse("name: x\nmodel: pix2pix\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: x\ndataset: d\nmodel: stylegan\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\nepochs: 3\n") }
        #expect(throws: OptionError.self) { try Recipe.parse("name: [unclosed\n") }
        #expect(throws: OptionError("recipe x: crop_size: 'huge' is not a valid integer")) {
            try Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\noptions: {crop_size: huge}\n").resolve(datasetRoot: "d")
        }
        #expect(throws: OptionError("recipe x: unknown option 'lamda_L1'; did you mean 'lambda_L1'?")) {
            try Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\noptions: {lamda_L1: 3}\n").resolve(datasetRoot: "d")
        }
        #expect(throws: OptionError("recipe x: pool_size is not used by model pix2pix (only by cycle_gan); remove it")) {
            try Recipe.parse("name: x\ndataset: d\nmodel: pix2pix\noptions: {pool_size: 3}\n").resolve(datasetRoot: "d")
        }
    }

    @Test func cycleGANAliasInARecipe() throws {
        let recipe = try Recipe.parse("name: x\ndataset: d\nmodel: CycleGAN\n")
        #expect(recipe.model == .cycle_gan)
        #expect(try recipe.resolve(datasetRoot: "d").netG == .resnet9)
    }
}
