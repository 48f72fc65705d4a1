import CDNNL
import Foundation

/// Convolutions through oneDNN (Debian's `libdnnl-dev`, OpenMP runtime). The only file that imports `CDNNL`.
///
/// Tensors stay plain NCHW (weights OIHW) in and out. oneDNN picks its own (blocked) layouts for each
/// primitive (`format_tag::any`), and a reorder runs before/after the primitive when its choice differs
/// from the plain layout, as PyTorch does (PERF-NOTES, "kernel choice by CPU"). Primitives and their
/// reorders are built once per geometry and pass and cached for the life of the process.
///
/// A failing oneDNN call stops the program with a message naming the call and oneDNN's status.
package enum DNNL {
    /// The three passes of a convolution.
    package enum Pass: Hashable, Sendable, CaseIterable {
        case forward, backwardData, backwardWeights
    }

    /// oneDNN's convolution algorithm.
    package enum Algorithm: Hashable, Sendable {
        /// Direct convolution (oneDNN's jit kernels, or its gemm fallback).
        case direct
        /// Winograd (forward only; oneDNN offers it for 3×3 stride 1 on AVX-512 machines).
        case winograd
    }

    // MARK: - Convolution

    /// `y = w ⋆ x (+ bias)` for `g` (NCHW `x`/`y`, OIHW `w`). Overwrites `y`.
    /// - Parameter inference: build the primitive for inference (no backward pass will follow).
    package static func convolutionForward(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, algorithm: Algorithm = .direct, inference: Bool = false
    ) {
        let key = Key(g, pass: .forward, hasBias: bias != nil, algorithm: algorithm, inference: inference)
        guard let primitive = primitive(key) else {
            preconditionFailure("oneDNN offers no \(algorithm) convolution for \(key.geometry); "
                                + "check DNNL.supports(_:algorithm:) first")
        }
        var buffers: [Int32: UnsafeRawPointer] = [translate_dnnl_arg_src: UnsafeRawPointer(x),
                                                  translate_dnnl_arg_weights: UnsafeRawPointer(w),
                                                  translate_dnnl_arg_dst: UnsafeRawPointer(y)]
        if let bias { buffers[translate_dnnl_arg_bias] = UnsafeRawPointer(bias) }
        primitive.execute(buffers)
    }

    /// `convolutionForward` with a weight reordered once into the primitive's layout (inference).
    package static func convolutionForward(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, prepared: PreparedWeights, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, algorithm: Algorithm = .direct
    ) {
        let key = Key(g, pass: .forward, hasBias: bias != nil, algorithm: algorithm, inference: true)
        guard let primitive = primitive(key) else {
            preconditionFailure("oneDNN offers no \(algorithm) convolution for \(key.geometry); "
                                + "check DNNL.supports(_:algorithm:) first")
        }
        let (weights, isReordered) = prepared.weights(for: primitive, key: key)
        var buffers: [Int32: UnsafeRawPointer] = [translate_dnnl_arg_src: UnsafeRawPointer(x),
                                                  translate_dnnl_arg_weights: weights,
                                                  translate_dnnl_arg_dst: UnsafeRawPointer(y)]
        if let bias { buffers[translate_dnnl_arg_bias] = UnsafeRawPointer(bias) }
        primitive.execute(buffers, inChosenLayout: isReordered ? [translate_dnnl_arg_weights] : [])
    }

    /// A convolution weight (plain OIHW) with copies in the layouts oneDNN's inference primitives want,
    /// each reordered once, on first use. The owner keeps the plain weight alive and unchanged.
    package final class PreparedWeights: @unchecked Sendable {
        let plain: UnsafePointer<Float>
        private let lock = NSLock()
        private var reordered: [Key: UnsafeMutablePointer<Float>] = [:]

        /// - Parameter plain: `[O, C, kh, kw]`, alive and unchanged while this object is used.
        package init(_ plain: UnsafePointer<Float>) { self.plain = plain }

        deinit { for buffer in reordered.values { AlignedMemory.deallocate(buffer) } }

        /// The weight in `primitive`'s layout, and whether that differs from the plain one.
        func weights(for primitive: ConvPrimitive, key: Key) -> (UnsafeRawPointer, Bool) {
            lock.lock()
            defer { lock.unlock() }
            if let buffer = reordered[key] { return (UnsafeRawPointer(buffer), true) }
            guard let buffer = primitive.reorderedInput(translate_dnnl_arg_weights, from: plain) else {
                return (UnsafeRawPointer(plain), false)
            }
            reordered[key] = buffer
            return (UnsafeRawPointer(buffer), true)
        }
    }

    /// `dx`, the gradient of `convolutionForward` with respect to `x`. Overwrites `dx`.
    package static func convolutionBackwardData(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
    ) {
        let primitive = primitive(Key(g, pass: .backwardData, hasBias: false, algorithm: .direct, inference: false))!
        primitive.execute([translate_dnnl_arg_diff_dst: UnsafeRawPointer(dy),
                           translate_dnnl_arg_weights: UnsafeRawPointer(w),
                           translate_dnnl_arg_diff_src: UnsafeRawPointer(dx)])
    }

    /// `dw` (and `db` when given), the gradients of `convolutionForward` with respect to the weight and
    /// bias, summed over the batch. Overwrites `dw` and `db`.
    package static func convolutionBackwardWeights(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>,
        db: UnsafeMutablePointer<Float>? = nil
    ) {
        let key = Key(g, pass: .backwardWeights, hasBias: db != nil, algorithm: .direct, inference: false)
        var buffers: [Int32: UnsafeRawPointer] = [translate_dnnl_arg_diff_dst: UnsafeRawPointer(dy),
                                                  translate_dnnl_arg_src: UnsafeRawPointer(x),
                                                  translate_dnnl_arg_diff_weights: UnsafeRawPointer(dw)]
        if let db { buffers[translate_dnnl_arg_diff_bias] = UnsafeRawPointer(db) }
        primitive(key)!.execute(buffers)
    }

    /// True when oneDNN implements `algorithm` for the forward pass of `g` on this CPU.
    package static func supports(_ g: Conv2DGeometry, algorithm: Algorithm, inference: Bool = true) -> Bool {
        primitive(Key(g, pass: .forward, hasBias: false, algorithm: algorithm, inference: inference)) != nil
    }

    /// The name of the implementation oneDNN picked for a pass of `g` ("jit:avx512_core", "gemm:jit", …),
    /// or nil when it has none (only possible for `.winograd`).
    package static func implementation(
        _ g: Conv2DGeometry, pass: Pass, algorithm: Algorithm = .direct, inference: Bool = false
    ) -> String? {
        primitive(Key(g, pass: pass, hasBias: false, algorithm: algorithm, inference: inference))?.implementation
    }

    // MARK: - Library facts

    /// "2.6.3" and the CPU runtime.
    package static var version: String {
        guard let v = dnnl_version()?.pointee else { return "unknown" }
        let runtime = v.cpu_runtime == UInt32(DNNL_RUNTIME_OMP) ? "OpenMP"
            : v.cpu_runtime == UInt32(DNNL_RUNTIME_SEQ) ? "sequential" : "runtime \(v.cpu_runtime)"
        return "\(v.major).\(v.minor).\(v.patch) (\(runtime))"
    }

    /// The instruction set oneDNN's jit kernels use on this CPU ("avx512_core", "avx2", …).
    package static var isa: String {
        switch dnnl_get_effective_cpu_isa() {
        case dnnl_cpu_isa_sse41: return "sse41"
        case dnnl_cpu_isa_avx: return "avx"
        case dnnl_cpu_isa_avx2: return "avx2"
        case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
        case dnnl_cpu_isa_avx512_mic: return "avx512_mic"
        case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops"
        case dnnl_cpu_isa_avx512_core: return "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
        case let other: return "isa 0x\(String(other.rawValue, radix: 16))"
        }
    }

    /// Sets the OpenMP thread count of the calling thread (OpenMP keeps it per thread, so it is set
    /// before every primitive runs: `Parallel.threadCount` is the one setting).
    static func setThreadCount(_ count: Int) {
        omp_set_num_threads(Int32(max(1, count)))
    }

    // MARK: - Cache

    struct Key: Hashable {
        var geometry: Conv2DGeometry
        var pass: Pass
        var hasBias: Bool
        var algorithm: Algorithm
        var inference: Bool

        init(_ g: Conv2DGeometry, pass: Pass, hasBias: Bool, algorithm: Algorithm, inference: Bool) {
            var g = g
            g.tuning = Conv2DTuning()  // our tiling knobs do not change oneDNN's primitive
            geometry = g
            self.pass = pass
            self.hasBias = hasBias
            self.algorithm = algorithm
            self.inference = pass == .forward && inference
        }
    }

    private static let lock = NSLock()
    /// nil for a key oneDNN has no implementation of.
    nonisolated(unsafe) private static var cache: [Key: ConvPrimitive?] = [:]

    /// Primitive attributes asking for a caller-provided scratchpad: each execution gets its own, so
    /// threads (tests, `apply --jobs`) may run the same cached primitive at once. oneDNN's default global
    /// scratchpad is shared and gave wrong Winograd results under concurrent calls.
    nonisolated(unsafe) static let attributes: dnnl_primitive_attr_t = {
        var attributes: dnnl_primitive_attr_t?
        check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
        check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
              "dnnl_primitive_attr_set_scratchpad_mode")
        return attributes!
    }()

    static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create(cpu)")
        return engine!
    }()

    private static func primitive(_ key: Key) -> ConvPrimitive? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[key] { return cached }
        let made = ConvPrimitive.make(key)
        cache[key] = .some(made)
        return made
    }

    /// Stops with oneDNN's status text when `status` is not success.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        guard status != dnnl_success else { return }
        preconditionFailure("oneDNN: \(what()) failed: \(String(cString: dnnl_status2str(status)))")
    }
}

/// A primitive with the scratchpad each execution must provide (user scratchpad mode).
struct Runnable {
    let primitive: dnnl_primitive_t
    var scratchpad: dnnl_memory_desc_t
    let scratchpadBytes: Int

    /// Creates the primitive of `descriptor` (made with `DNNL.attributes`).
    init(_ descriptor: dnnl_primitive_desc_t, _ what: @autoclosure () -> String) {
        var made: dnnl_primitive_t?
        DNNL.check(dnnl_primitive_create(&made, descriptor), what())
        primitive = made!
        if let md = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0) {
            scratchpad = md.pointee
        } else {
            scratchpad = dnnl_memory_desc_t()
        }
        scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
    }

    /// Executes with `arguments` plus a scratchpad of its own.
    func execute(_ arguments: [dnnl_exec_arg_t], stream: dnnl_stream_t?, _ what: @autoclosure () -> String) {
        var arguments = arguments
        var buffer: UnsafeMutablePointer<Float>?
        var memory: dnnl_memory_t?
        if scratchpadBytes > 0 {
            buffer = AlignedMemory.allocate(count: (scratchpadBytes + 3) / 4)
            var md = scratchpad
            DNNL.check(dnnl_memory_create(&memory, &md, DNNL.engine, buffer), "scratchpad memory")
            arguments.append(dnnl_exec_arg_t(arg: translate_dnnl_arg_scratchpad, memory: memory))
        }
        defer {
            if let memory { dnnl_memory_destroy(memory) }
            if let buffer { AlignedMemory.deallocate(buffer) }
        }
        DNNL.check(dnnl_primitive_execute(primitive, stream, Int32(arguments.count), arguments), what())
        // The scratchpad is freed on return, so the work must be done.
        DNNL.check(dnnl_stream_wait(stream), "dnnl_stream_wait")
    }
}

/// One oneDNN convolution primitive with the reorders between its layouts and plain NCHW/OIHW.
final class ConvPrimitive: @unchecked Sendable {
    /// One memory argument of the primitive.
    struct Argument {
        let id: Int32
        /// The layout the primitive wants.
        var chosen: dnnl_memory_desc_t
        /// The plain layout of the caller's buffer.
        var user: dnnl_memory_desc_t
        /// user → chosen (inputs) or chosen → user (outputs); nil when the two are equal.
        let reorder: Runnable?
        let isOutput: Bool
        let bytes: Int
    }

    let primitive: Runnable
    let arguments: [Argument]
    let implementation: String

    private init(primitive: Runnable, arguments: [Argument], implementation: String) {
        self.primitive = primitive
        self.arguments = arguments
        self.implementation = implementation
    }

    /// Builds the primitive for `key`; nil when oneDNN has no implementation for it.
    static func make(_ key: DNNL.Key) -> ConvPrimitive? {
        let g = key.geometry
        let (N, C, O, H, W) = (Int64(g.batch), Int64(g.inputChannels), Int64(g.outputChannels),
                               Int64(g.height), Int64(g.width))
        let (Ho, Wo, kh, kw) = (Int64(g.outputHeight), Int64(g.outputWidth), Int64(g.kernelHeight),
                                Int64(g.kernelWidth))
        let (s, p) = (Int64(g.stride), Int64(g.padding))
        // Right/bottom padding that makes oneDNN's size rule exact for PyTorch's floor: the last window
        // starts at (Ho − 1)·s − p.
        let padBottom = (Ho - 1) * s + kh - H - p, padRight = (Wo - 1) * s + kw - W - p

        func md(_ d0: Int64, _ d1: Int64, _ d2: Int64, _ d3: Int64, _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
            var m = dnnl_memory_desc_t()
            DNNL.check(translate_dnnl_md(&m, d0, d1, d2, d3, tag), "memory descriptor \([d0, d1, d2, d3])")
            return m
        }
        let userSrc = md(N, C, H, W, dnnl_nchw), userWeights = md(O, C, kh, kw, dnnl_oihw)
        let userBias = md(O, 0, 0, 0, dnnl_a), userDst = md(N, O, Ho, Wo, dnnl_nchw)
        var anySrc = md(N, C, H, W, dnnl_format_tag_any), anyWeights = md(O, C, kh, kw, dnnl_format_tag_any)
        var anyBias = md(O, 0, 0, 0, dnnl_format_tag_any), anyDst = md(N, O, Ho, Wo, dnnl_format_tag_any)
        let alg = key.algorithm == .winograd ? dnnl_convolution_winograd : dnnl_convolution_direct

        /// A primitive descriptor, or nil with the status when oneDNN has no implementation.
        func descriptor(kind: Int32, prop: dnnl_prop_kind_t, bias: Bool, hint: dnnl_primitive_desc_t?)
            -> (dnnl_primitive_desc_t?, dnnl_status_t)
        {
            var desc = dnnl_convolution_desc_t()
            DNNL.check(withUnsafePointer(to: &anyBias) { b in
                translate_dnnl_conv_desc(&desc, kind, prop, alg, &anySrc, &anyWeights, bias ? b : nil, &anyDst,
                                         s, p, p, padBottom, padRight)
            }, "convolution descriptor for \(g)")
            var pd: dnnl_primitive_desc_t?
            let status = dnnl_primitive_desc_create(&pd, &desc, DNNL.attributes, DNNL.engine, hint)
            return (status == dnnl_success ? pd : nil, status)
        }
        func required(_ result: (dnnl_primitive_desc_t?, dnnl_status_t), _ what: String) -> dnnl_primitive_desc_t {
            DNNL.check(result.1, "\(what) primitive for \(g)")
            return result.0!
        }

        let pd: dnnl_primitive_desc_t
        var specs: [(id: Int32, query: dnnl_query_t, index: Int32, user: dnnl_memory_desc_t, isOutput: Bool)]
        switch key.pass {
        case .forward:
            let result = descriptor(kind: 0, prop: key.inference ? dnnl_forward_inference : dnnl_forward_training,
                                    bias: key.hasBias, hint: nil)
            if key.algorithm == .winograd {
                guard let made = result.0 else { return nil }
                pd = made
            } else {
                pd = required(result, "forward convolution")
            }
            specs = [(translate_dnnl_arg_src, dnnl_query_src_md, 0, userSrc, false),
                     (translate_dnnl_arg_weights, dnnl_query_weights_md, 0, userWeights, false),
                     (translate_dnnl_arg_dst, dnnl_query_dst_md, 0, userDst, true)]
            if key.hasBias { specs.append((translate_dnnl_arg_bias, dnnl_query_weights_md, 1, userBias, false)) }
        case .backwardData:
            let hint = required(descriptor(kind: 0, prop: dnnl_forward_training, bias: false, hint: nil),
                                "forward convolution (hint)")
            defer { dnnl_primitive_desc_destroy(hint) }
            pd = required(descriptor(kind: 1, prop: dnnl_backward_data, bias: false, hint: hint),
                          "backward-data convolution")
            specs = [(translate_dnnl_arg_diff_dst, dnnl_query_diff_dst_md, 0, userDst, false),
                     (translate_dnnl_arg_weights, dnnl_query_weights_md, 0, userWeights, false),
                     (translate_dnnl_arg_diff_src, dnnl_query_diff_src_md, 0, userSrc, true)]
        case .backwardWeights:
            let hint = required(descriptor(kind: 0, prop: dnnl_forward_training, bias: key.hasBias, hint: nil),
                                "forward convolution (hint)")
            defer { dnnl_primitive_desc_destroy(hint) }
            pd = required(descriptor(kind: 2, prop: dnnl_backward_weights, bias: key.hasBias, hint: hint),
                          "backward-weights convolution")
            specs = [(translate_dnnl_arg_diff_dst, dnnl_query_diff_dst_md, 0, userDst, false),
                     (translate_dnnl_arg_src, dnnl_query_src_md, 0, userSrc, false),
                     (translate_dnnl_arg_diff_weights, dnnl_query_diff_weights_md, 0, userWeights, true)]
            if key.hasBias {
                specs.append((translate_dnnl_arg_diff_bias, dnnl_query_diff_weights_md, 1, userBias, true))
            }
        }
        defer { dnnl_primitive_desc_destroy(pd) }

        var arguments: [Argument] = []
        for spec in specs {
            guard let queried = dnnl_primitive_desc_query_md(pd, spec.query, spec.index) else {
                preconditionFailure("oneDNN: no memory descriptor for argument \(spec.id) of \(g)")
            }
            var chosen = queried.pointee, user = spec.user
            var reorder: Runnable?
            if dnnl_memory_desc_equal(&chosen, &user) == 0 {
                var reorderDescriptor: dnnl_primitive_desc_t?
                let attributes = DNNL.attributes
                let status = spec.isOutput
                    ? dnnl_reorder_primitive_desc_create(&reorderDescriptor, &chosen, DNNL.engine, &user, DNNL.engine,
                                                         attributes)
                    : dnnl_reorder_primitive_desc_create(&reorderDescriptor, &user, DNNL.engine, &chosen, DNNL.engine,
                                                         attributes)
                DNNL.check(status, "reorder for argument \(spec.id) of \(g)")
                reorder = Runnable(reorderDescriptor!, "reorder primitive")
                dnnl_primitive_desc_destroy(reorderDescriptor)
            }
            arguments.append(Argument(id: spec.id, chosen: chosen, user: user, reorder: reorder,
                                      isOutput: spec.isOutput, bytes: dnnl_memory_desc_get_size(&chosen)))
        }
        var implementation = "unknown"
        var name: UnsafePointer<CChar>?
        if dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name {
            implementation = String(cString: name)
        }
        return ConvPrimitive(primitive: Runnable(pd, "convolution primitive for \(g)"), arguments: arguments,
                             implementation: implementation)
    }

    /// A new buffer (owned by the caller, `AlignedMemory`) holding input `id` reordered from the plain
    /// layout into the primitive's, or nil when the two layouts are the same.
    func reorderedInput(_ id: Int32, from plain: UnsafeRawPointer) -> UnsafeMutablePointer<Float>? {
        guard var argument = arguments.first(where: { $0.id == id }), let reorder = argument.reorder else { return nil }
        let buffer = AlignedMemory.allocate(count: (argument.bytes + 3) / 4)
        DNNL.setThreadCount(Parallel.threadCount)
        var stream: dnnl_stream_t?, from: dnnl_memory_t?, to: dnnl_memory_t?
        DNNL.check(dnnl_stream_create(&stream, DNNL.engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        DNNL.check(dnnl_memory_create(&from, &argument.user, DNNL.engine, UnsafeMutableRawPointer(mutating: plain)),
                   "dnnl_memory_create")
        DNNL.check(dnnl_memory_create(&to, &argument.chosen, DNNL.engine, buffer), "dnnl_memory_create")
        Self.run(reorder, from: from!, to: to!, stream: stream)
        dnnl_memory_destroy(from)
        dnnl_memory_destroy(to)
        dnnl_stream_destroy(stream)
        return buffer
    }

    /// Runs the primitive on the caller's plain buffers (keyed by argument id), reordering through
    /// temporary buffers where the primitive wants another layout; the arguments in `inChosenLayout` are
    /// already in the primitive's layout.
    func execute(_ buffers: [Int32: UnsafeRawPointer], inChosenLayout: Set<Int32> = []) {
        DNNL.setThreadCount(Parallel.threadCount)
        var stream: dnnl_stream_t?
        DNNL.check(dnnl_stream_create(&stream, DNNL.engine, dnnl_stream_default_flags.rawValue), "dnnl_stream_create")
        defer { dnnl_stream_destroy(stream) }

        var memories: [dnnl_memory_t?] = []
        var temporaries: [UnsafeMutablePointer<Float>] = []
        var execArguments: [dnnl_exec_arg_t] = []
        var outputReorders: [(Runnable, dnnl_memory_t, dnnl_memory_t)] = []
        defer {
            for memory in memories { dnnl_memory_destroy(memory) }
            for buffer in temporaries { AlignedMemory.deallocate(buffer) }
        }
        for var argument in arguments {
            guard let pointer = buffers[argument.id] else {
                preconditionFailure("oneDNN: argument \(argument.id) missing for \(implementation)")
            }
            let handle = UnsafeMutableRawPointer(mutating: pointer)
            var memory: dnnl_memory_t?
            guard let reorder = argument.reorder, !inChosenLayout.contains(argument.id) else {
                DNNL.check(dnnl_memory_create(&memory, &argument.chosen, DNNL.engine, handle), "dnnl_memory_create")
                memories.append(memory)
                execArguments.append(dnnl_exec_arg_t(arg: argument.id, memory: memory))
                continue
            }
            let temporary = AlignedMemory.allocate(count: (argument.bytes + 3) / 4)
            temporaries.append(temporary)
            var user: dnnl_memory_t?
            DNNL.check(dnnl_memory_create(&memory, &argument.chosen, DNNL.engine, temporary), "dnnl_memory_create")
            DNNL.check(dnnl_memory_create(&user, &argument.user, DNNL.engine, handle), "dnnl_memory_create")
            memories.append(memory)
            memories.append(user)
            execArguments.append(dnnl_exec_arg_t(arg: argument.id, memory: memory))
            if argument.isOutput {
                outputReorders.append((reorder, memory!, user!))
            } else {
                Self.run(reorder, from: user!, to: memory!, stream: stream)
            }
        }
        primitive.execute(execArguments, stream: stream, "executing \(implementation)")
        for (reorder, from, to) in outputReorders { Self.run(reorder, from: from, to: to, stream: stream) }
    }

    private static func run(_ reorder: Runnable, from: dnnl_memory_t, to: dnnl_memory_t, stream: dnnl_stream_t?) {
        reorder.execute([dnnl_exec_arg_t(arg: translate_dnnl_arg_from, memory: from),
                         dnnl_exec_arg_t(arg: translate_dnnl_arg_to, memory: to)], stream: stream, "executing a reorder")
    }
}
