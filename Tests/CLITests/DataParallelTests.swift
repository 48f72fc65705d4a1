import Distributed
import Foundation
import Tensors
import Testing

/// `mpirun -np 2 translate train …` on 127.0.0.1 (Open MPI from `make test`'s packages): two ranks
/// with batch b train as one process with batch 2b, resume with another rank count, and a killed
/// rank ends the job without harming the last checkpoint.
@Suite(.serialized) struct DataParallelTests {
    static let binary = repositoryRoot.appendingPathComponent(".build/release/translate")
    static let labels = repositoryRoot.appendingPathComponent("datasets/samples/labels2scenes").path
    static let horses = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra").path

    /// Tiny pix2pix with instance norm (so two half batches are exactly one whole batch), no dropout.
    static let pix2pix = ["train", "--dataroot", labels, "--netG", "resnet_6blocks", "--ngf", "4", "--ndf", "4", "--norm", "instance",
                          "--no-dropout", "--load-size", "32", "--crop-size", "32", "--n-epochs", "5", "--n-epochs-decay", "0",
                          "--print-freq", "1", "--sync-check-freq", "1"]
    static let cycleGAN = ["train", "--model", "cycle_gan", "--dataroot", horses, "--netG", "resnet_6blocks", "--ngf", "4", "--ndf", "4",
                           "--load-size", "32", "--crop-size", "32", "--n-epochs", "5", "--n-epochs-decay", "0",
                           "--print-freq", "1", "--sync-check-freq", "1"]

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `translate ARGS` alone, or under `mpirun -np ranks` on 127.0.0.1 (TCP over loopback,
    /// root allowed, more ranks than cores allowed), with one thread per rank.
    static func launch(_ arguments: [String], ranks: Int?, environment extra: [String: String] = [:]) throws -> Process {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the binary first: swift build -c release")
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment["TRANSLATE_THREADS"] = "1"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment.removeValue(forKey: "OMPI_COMM_WORLD_SIZE")
        environment.merge(extra) { $1 }
        process.environment = environment
        if let ranks {
            let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }
            let path = try #require(mpirun, "Open MPI's mpirun is missing: install openmpi-bin (make deps does)")
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), "--host", "127.0.0.1:\(ranks)",
                                 "--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
                                 binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(getpid())-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        logs[process.processIdentifier] = log
        return process
    }

    nonisolated(unsafe) static var logs: [Int32: URL] = [:]

    static func run(_ arguments: [String], ranks: Int? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = try launch(arguments, ranks: ranks, environment: environment)
        process.waitUntilExit()
        let log = logs[process.processIdentifier]!
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: log)
        return Result(status: process.terminationStatus, output: output)
    }

    static func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    static func state(_ run: URL) throws -> SafeTensors.Contents {
        try SafeTensors.read(contentsOf: run.appendingPathComponent("latest.safetensors"))
    }

    /// Every network tensor of `a` within 1e-5 of `b` relative to its norm, except the biases of
    /// convolutions that feed an instance norm: their true gradient is 0 (the norm removes any
    /// per-channel constant), so each engine moves them only by rounding noise that Adam scales to
    /// about lr per step; for those only that bound is checked (2 · steps · lr).
    static func expectSameWeights(_ a: SafeTensors.Contents, _ b: SafeTensors.Contents, steps: Int, lr: Float = 2e-4,
                                  zeroGradientBias: (String) -> Bool) throws {
        var compared = 0
        for (name, tensor) in a.tensors where name.hasPrefix("net.") {
            let other = try #require(b[name], "\(name) missing")
            let x = tensor.scalars, y = other.scalars
            var difference = 0.0, norm = 0.0, largest: Float = 0
            for i in x.indices {
                difference += Double(x[i] - y[i]) * Double(x[i] - y[i])
                norm += Double(y[i]) * Double(y[i])
                largest = max(largest, abs(x[i] - y[i]))
            }
            if zeroGradientBias(name) {
                #expect(largest <= 2 * Float(steps) * lr, "\(name): moved \(largest) apart")
            } else {
                let relative = (difference / max(norm, 1e-30)).squareRoot()
                #expect(relative <= 1e-5, "\(name): relative difference \(relative)")
                compared += 1
            }
        }
        #expect(compared > 20)
    }

    /// The module index after "model." (net.G.model.10.conv_block.1.bias → 10).
    static func moduleIndex(_ name: String) -> Int {
        guard let range = name.range(of: ".model.") else { return -1 }
        return Int(name[range.upperBound...].prefix { $0.isNumber }) ?? -1
    }

    /// Resnet G: every conv but the last feeds a norm. Basic D: all but the first and the last.
    static func biasBeforeNorm(_ name: String, generators: [String], discriminators: [String], last: [String: Int]) -> Bool {
        guard name.hasSuffix(".bias") else { return false }
        let network = name.split(separator: ".")[1]
        let index = moduleIndex(name)
        if generators.contains(String(network)) { return index != last[String(network)] }
        if discriminators.contains(String(network)) { return index != 0 && index != last[String(network)] }
        return false
    }

    static func lastIndices(_ contents: SafeTensors.Contents) -> [String: Int] {
        var result: [String: Int] = [:]
        for (name, _) in contents.tensors where name.hasPrefix("net.") {
            let network = String(name.split(separator: ".")[1])
            result[network] = max(result[network] ?? -1, moduleIndex(name))
        }
        return result
    }

    static func losses(_ run: URL) throws -> [String: Float] {
        let text = try String(contentsOf: run.appendingPathComponent("loss_log.jsonl"), encoding: .utf8)
        let last = try #require(text.split(separator: "\n").last)
        let record = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
        return ((record?["losses"] as? [String: Double]) ?? [:]).mapValues { Float($0) }
    }

    /// Trains `steps` steps in one process with batch 2b and with 2 ranks of batch b; returns the
    /// run root (runs "one" and "two") after checking the weights, the metadata and the loss log.
    func expectTwoRanksEqualOneProcess(_ arguments: [String], tag: String, batch: Int, steps: Int,
                                       generators: [String], discriminators: [String]) throws -> URL {
        let root = Self.folder(tag)
        let one = try Self.run(arguments + ["--name", "one", "--checkpoints-dir", root.path, "--batch-size", "\(2 * batch)",
                                            "--max-steps", "\(steps)"])
        #expect(one.status == 0, "\(one.output)")
        let two = try Self.run(arguments + ["--name", "two", "--checkpoints-dir", root.path, "--batch-size", "\(batch)",
                                            "--max-steps", "\(steps)"], ranks: 2)
        #expect(two.status == 0, "\(two.output)")
        #expect(two.output.contains("data parallel: ") && two.output.contains("2 ranks, global batch \(2 * batch) (\(batch) per rank)"))
        let a = try Self.state(root.appendingPathComponent("two")), b = try Self.state(root.appendingPathComponent("one"))
        #expect(a.metadata["iteration"] == "\(steps)" && a.metadata["global_batch"] == "\(2 * batch)" && a.metadata["ranks"] == "2")
        let last = Self.lastIndices(b)
        try Self.expectSameWeights(a, b, steps: steps) {
            Self.biasBeforeNorm($0, generators: generators, discriminators: discriminators, last: last)
        }
        // The logged losses are the ranks' mean: the whole batch's losses; rank 0 alone wrote the
        // run folder (one loss line per iteration, not two).
        let lossesTwo = try Self.losses(root.appendingPathComponent("two")), lossesOne = try Self.losses(root.appendingPathComponent("one"))
        #expect(!lossesOne.isEmpty && Set(lossesOne.keys) == Set(lossesTwo.keys))
        for (name, value) in lossesOne {
            #expect(abs(value - lossesTwo[name]!) <= 1e-5 * max(1, abs(value)), "\(name): \(value) vs \(lossesTwo[name]!)")
        }
        let lines = try String(contentsOf: root.appendingPathComponent("two/loss_log.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == steps)
        return root
    }

    @Test func twoRanksOfPix2PixEqualOneProcessWithTheDoubledBatch() throws {
        let root = try expectTwoRanksEqualOneProcess(Self.pix2pix, tag: "pix2pix", batch: 2, steps: 4, generators: ["G"],
                                                     discriminators: ["D"])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func twoRanksOfCycleGANEqualOneProcessWithTheDoubledBatch() throws {
        let root = try expectTwoRanksEqualOneProcess(Self.cycleGAN, tag: "cyclegan", batch: 1, steps: 3, generators: ["G_A", "G_B"],
                                                     discriminators: ["D_A", "D_B"])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func aTwoRankRunResumesWithOneRank() throws {
        let root = Self.folder("resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let started = try Self.run(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--batch-size", "2",
                                                   "--max-steps", "3"], ranks: 2)
        #expect(started.status == 0, "\(started.output)")
        // Same global batch (4) in one process: continues at iteration 3 and equals an uninterrupted run.
        let resumed = try Self.run(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--batch-size", "4",
                                                   "--max-steps", "6"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("iteration 3 from"))
        let straight = try Self.run(Self.pix2pix + ["--name", "straight", "--checkpoints-dir", root.path, "--batch-size", "4",
                                                    "--max-steps", "6"])
        #expect(straight.status == 0)
        let a = try Self.state(root.appendingPathComponent("run")), b = try Self.state(root.appendingPathComponent("straight"))
        #expect(a.metadata["iteration"] == "6" && a.metadata["ranks"] == "1")
        let last = Self.lastIndices(b)
        try Self.expectSameWeights(a, b, steps: 6) { Self.biasBeforeNorm($0, generators: ["G"], discriminators: ["D"], last: last) }
        // Another global batch (2): the epoch goes on from the first sample not yet seen (12 → batch 6 of 2).
        let other = try Self.run(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--batch-size", "2",
                                                 "--max-steps", "8"])
        #expect(other.status == 0, "\(other.output)")
        #expect(other.output.contains("continues at sample 24 of its order (batch 12), iteration 6"), "\(other.output)")
        #expect(try Self.state(root.appendingPathComponent("run")).metadata["iteration"] == "8")
    }

    @Test func killingOneRankEndsTheJobAndKeepsTheCheckpoint() throws {
        let root = Self.folder("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let job = try Self.launch(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--batch-size", "2",
                                                  "--n-epochs", "100", "--save-latest-freq", "2"], ranks: 2)
        let state = root.appendingPathComponent("run/latest.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: state.path) && Date() < deadline && job.isRunning { usleep(100_000) }
        try #require(FileManager.default.fileExists(atPath: state.path), "no checkpoint appeared")
        let ranks = Self.children(of: job.processIdentifier)
        try #require(ranks.count == 2, "mpirun's children: \(ranks)")
        kill(ranks[1], SIGKILL)
        job.waitUntilExit()
        #expect(job.terminationStatus != 0)
        // The checkpoint is whole (written atomically) and the run continues from it in one process.
        let saved = try Self.state(root.appendingPathComponent("run"))
        let iteration = try #require(saved.metadata["iteration"].flatMap(Int.init))
        #expect(iteration >= 2)
        let resumed = try Self.run(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--batch-size", "4",
                                                   "--n-epochs", "100", "--max-steps", "\(iteration + 1)"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(try Self.state(root.appendingPathComponent("run")).metadata["iteration"] == "\(iteration + 1)")
    }

    /// Processes whose parent is `parent` (from /proc/PID/stat).
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.range(of: ") ", options: .backwards) else { return false }
            let fields = stat[close.upperBound...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }.sorted()
    }

    /// Started by mpirun without a loadable Open MPI: a usage error saying what to install, no run folder.
    @Test func aMissingOpenMPIIsExplained() throws {
        let root = Self.folder("missing")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Self.run(Self.pix2pix + ["--name", "run", "--checkpoints-dir", root.path, "--max-steps", "1"],
                                  environment: ["OMPI_COMM_WORLD_SIZE": "2", "TRANSLATE_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        #expect(result.status == 2)
        #expect(result.output.contains("Open MPI's library could not be loaded") && result.output.contains("apt-get install openmpi-bin"),
                "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    /// Other commands are not split over ranks: started by mpirun with 2 ranks they refuse (exit 2).
    @Test func onlyTrainingRunsUnderMpirun() throws {
        let result = try Self.run(["models"], environment: ["OMPI_COMM_WORLD_SIZE": "2"])
        #expect(result.status == 2 && result.output.contains("only `translate train` runs across mpirun's ranks"), "\(result.output)")
    }

    @Test func launchIsReadFromTheEnvironment() {
        #expect(ProcessGroups.Launch(environment: [:]) == .single)
        #expect(ProcessGroups.Launch(environment: ["OMPI_COMM_WORLD_SIZE": "4"]) == .openMPI(size: 4))
        #expect(ProcessGroups.Launch(environment: ["PMI_SIZE": "2"]) == .unsupported(variable: "PMI_SIZE=2"))
        #expect(ProcessGroups.Launch(environment: ["PMI_SIZE": "1"]) == .single)
    }
}
