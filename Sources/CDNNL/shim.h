// oneDNN's C API (libdnnl-dev 2.6, OpenMP runtime) plus a few helpers that hide its fixed-size
// C arrays (dnnl_dims_t) and argument macros from Swift.
#include <stdint.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

// libgomp (oneDNN's CPU runtime here); omp.h is not on clang's default include path.
void omp_set_num_threads(int);
int omp_get_max_threads(void);

static const int translate_dnnl_arg_src = DNNL_ARG_SRC;
static const int translate_dnnl_arg_dst = DNNL_ARG_DST;
static const int translate_dnnl_arg_weights = DNNL_ARG_WEIGHTS;
static const int translate_dnnl_arg_bias = DNNL_ARG_BIAS;
static const int translate_dnnl_arg_diff_src = DNNL_ARG_DIFF_SRC;
static const int translate_dnnl_arg_diff_dst = DNNL_ARG_DIFF_DST;
static const int translate_dnnl_arg_diff_weights = DNNL_ARG_DIFF_WEIGHTS;
static const int translate_dnnl_arg_diff_bias = DNNL_ARG_DIFF_BIAS;
static const int translate_dnnl_arg_from = DNNL_ARG_FROM;
static const int translate_dnnl_arg_to = DNNL_ARG_TO;
static const int translate_dnnl_arg_scratchpad = DNNL_ARG_SCRATCHPAD;

/// A 4-D (or, with d1..d3 = 0, 1-D) f32 memory descriptor.
static inline dnnl_status_t translate_dnnl_md(dnnl_memory_desc_t *md, int64_t d0, int64_t d1, int64_t d2,
                                              int64_t d3, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {d0, d1, d2, d3};
    return dnnl_memory_desc_init_by_tag(md, d1 == 0 ? 1 : 4, dims, dnnl_f32, tag);
}

/// 0 forward, 1 backward data, 2 backward weights. Square strides; padding top/left and bottom/right.
static inline dnnl_status_t translate_dnnl_conv_desc(
    dnnl_convolution_desc_t *desc, int kind, dnnl_prop_kind_t prop, dnnl_alg_kind_t alg,
    const dnnl_memory_desc_t *src, const dnnl_memory_desc_t *weights, const dnnl_memory_desc_t *bias,
    const dnnl_memory_desc_t *dst, int64_t stride, int64_t padTop, int64_t padLeft, int64_t padBottom,
    int64_t padRight) {
    dnnl_dims_t strides = {stride, stride};
    dnnl_dims_t padL = {padTop, padLeft};
    dnnl_dims_t padR = {padBottom, padRight};
    switch (kind) {
    case 0: return dnnl_convolution_forward_desc_init(desc, prop, alg, src, weights, bias, dst, strides, padL, padR);
    case 1: return dnnl_convolution_backward_data_desc_init(desc, alg, src, weights, dst, strides, padL, padR);
    default: return dnnl_convolution_backward_weights_desc_init(desc, alg, src, weights, bias, dst, strides, padL, padR);
    }
}
