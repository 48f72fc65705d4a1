import ArgumentParser
import Distributed
import Foundation
import Runs
import Training

extension Tool {
    /// `translate train`: trains from a recipe in pipelines/ or from flags with the reference names.
    /// The option flags are not declared here: they are read against `TrainOptions.table`, and their
    /// help below is generated from it.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model (CycleGAN, pix2pix, colorization) from a recipe or from flags.",
            usage: "translate train [<recipe>] [--threads <threads>] [--seed <seed>] [--verbose] [--<option> <value> ...]",
            discussion: """
            With a RECIPE (a name in pipelines/ such as labels2scenes, or a path to a .yaml file) the recipe's \
            dataset, model and options are used; flags override recipe keys. Without one, --dataroot is required. \
            The model is chosen first (--model, else the recipe's, else pix2pix); then its defaults, the recipe's \
            options and the flags apply in that order. Option names are those of pytorch-CycleGAN-and-pix2pix \
            with - for _ (--netG, --crop-size, --lambda-L1); any spelling of a name works (--lambda_L1, \
            --lambdaL1) and so do the reference's old names (--fineSize, --niter, --which_direction). An option \
            the chosen model does not use is an error. A run folder <checkpoints_dir>/<name>/ receives \
            checkpoints, loss_log.jsonl, train_opt.yaml and report.html. Rerunning the same command resumes \
            from its latest checkpoint; Ctrl-C saves and stops. Exit status: 0 done, 1 failure, 2 usage error.

            Data parallel: `mpirun -np N translate train …` (Open MPI; on several hosts add --hostfile FILE) runs N \
            ranks that each take --batch-size images of every global batch and average their gradients; rank 0 \
            writes the run folder. Batch norm keeps per-rank statistics; image pools are per rank. A run resumes \
            with the same or another N. See "Data parallel" below.

            """ + TrainOptions.helpText())

        @OptionGroup var shared: SharedOptions

        @Argument(parsing: .allUnrecognized,
                  help: ArgumentHelp("A recipe name in pipelines/ or a path to a recipe .yaml file, and the option flags below.",
                                     valueName: "recipe-and-options"))
        var arguments: [String] = []

        /// The recipe and the option flags, read against the table; `--seed` (shared) is an option too.
        func parsedArguments() throws -> (recipe: String?, flags: OptionSource) {
            do {
                var (flags, positional) = try OptionSource.commandLine(arguments)
                if positional.count > 1 {
                    throw OptionError("expected at most one recipe, got \(positional.map { "'\($0)'" }.joined(separator: ", "))")
                }
                if let seed = shared.seed { flags.entries.append(("--seed", String(seed))) }
                return (positional.first, flags)
            } catch let error as OptionError {
                throw ValidationError(error.message)
            }
        }

        /// Resolves once here, so that usage errors print this command's usage line.
        func validate() throws { _ = try resolve() }

        /// Resolves options from the recipe and flags; usage problems become `ValidationError` (exit 2).
        func resolve() throws -> TrainingRun {
            let (recipe, flags) = try parsedArguments()
            do { return try TrainingRun.resolve(recipe: recipe, flags: flags) } catch let error as OptionError {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            shared.apply()
            var run = try resolve()
            // Launched by mpirun: join the other ranks (loads Open MPI only then).
            let group: any ProcessGroup
            do { group = try ProcessGroups.shared() } catch { throw ValidationError("\(error)") }
            run.group = group
            guard group.size > 1 else {
                defer { group.finish() }
                do { try run.execute() } catch let error as OptionError { throw ValidationError(error.message) }
                return
            }
            do {
                try run.execute()
                group.finish()
            } catch {
                // One rank failing must end every rank (the others would wait in the next allreduce).
                let usage = error is OptionError
                let text = (error as? OptionError)?.message ?? "\(error)"
                FileHandle.standardError.write(Data("Error (rank \(group.rank) of \(group.size)): \(text)\n".utf8))
                group.abort(code: usage ? Tool.usageErrorStatus : 1)
            }
        }
    }
}
