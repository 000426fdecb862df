/*
 * test_ops_conv_expected.h — expected outputs for test_ops_conv.c, computed independently of
 * the engine with numpy: conv and pooling by /work/shared/tools/tfl_ref.py's conv()/pool()
 * (explicit padding and strided slices, float64), FULLY_CONNECTED as x @ w.T + b, MEAN with
 * ndarray.mean, TRANSPOSE_CONV as M^T x where M is the matrix of the forward conv from the
 * output shape to the input shape (TFLite's definition of the op). Inputs come from
 * pat(n, a, m, off, scale)[i] = ((i*a) % m - off) * scale, fill_pat() in the test. Generated
 * by this script (run with /usr/bin/python3; the show() printer wraps the literals):
 *
 * # Independent expected values for tests/engine/test_ops_conv.c, from the reference numpy
 * # interpreter's conv/pool (/work/shared/tools/tfl_ref.py) and plain numpy.
 * import sys
 * sys.path.insert(0, '/work/shared/tools')
 * import numpy as np
 * import tfl_ref as R
 *
 * def pat(n, a, m, off, scale):
 *     i = np.arange(n)
 *     return (((i * a) % m) - off) * scale
 *
 * def fmt(v):
 *     t = '%.9g' % v
 *     if '.' not in t and 'e' not in t and 'n' not in t: t += '.0'
 *     return t + 'f'
 *
 * def show(name, y):
 *     y = np.asarray(y, np.float64).reshape(-1)
 *     s = ', '.join(fmt(v) for v in y)
 *     import textwrap
 *     body = textwrap.fill(s, 96, initial_indent='    ', subsequent_indent='    ')
 *     print('static const float %s[%d] = {\n%s};' % (name, len(y), body))
 *
 * # A: conv 5x5 stride 2 SAME, no bias
 * x = pat(25, 7, 11, 5, 0.25).reshape(1, 5, 5, 1)
 * w = pat(18, 5, 7, 3, 0.5).reshape(2, 3, 3, 1)
 * show('exp_conv5_s2_same', R.conv(x, w, None, 2, 2, 1, 1, True))
 * # B: conv 7x6x2 stride 2 VALID with bias, and SAME without bias
 * x = pat(84, 3, 13, 6, 0.25).reshape(1, 7, 6, 2)
 * w = pat(54, 5, 11, 5, 0.5).reshape(3, 3, 3, 2)
 * b = np.array([0.5, -1, 2])
 * show('exp_conv76_s2_valid', R.conv(x, w, b, 2, 2, 1, 1, False))
 * show('exp_conv76_s2_same', R.conv(x, w, None, 2, 2, 1, 1, True))
 * # C: conv dilation 2 VALID
 * x = pat(25, 7, 11, 5, 0.25).reshape(1, 5, 5, 1)
 * w = np.array([1, 2, 3, 4.]).reshape(1, 2, 2, 1)
 * show('exp_conv_dil2', R.conv(x, w, None, 1, 1, 2, 2, False))
 * # D: depthwise multiplier 2, SAME stride 1, bias
 * x = pat(32, 3, 7, 3, 0.5).reshape(1, 4, 4, 2)
 * w = pat(36, 5, 11, 5, 0.25).reshape(1, 3, 3, 4)
 * b = np.array([1, 0, -1, 0.5])
 * show('exp_dw_mult2', R.conv(x, w, b, 1, 1, 1, 1, True, depthwise=True, mult=2))
 * # D2: depthwise stride 2 dilation 2 SAME, relu6
 * x = pat(50, 7, 11, 5, 0.25).reshape(1, 5, 5, 2)
 * w = pat(18, 3, 7, 3, 0.5).reshape(1, 3, 3, 2)
 * show('exp_dw_s2_dil2_relu6', R.act(R.conv(x, w, None, 2, 2, 2, 2, True, depthwise=True), 3))
 * # E: grouped conv, 2 groups, VALID
 * x = pat(36, 5, 13, 6, 0.25).reshape(1, 3, 3, 4)
 * w = pat(32, 3, 7, 3, 0.5).reshape(4, 2, 2, 2)
 * y0 = R.conv(x[..., 0:2], w[0:2], None, 1, 1, 1, 1, False)
 * y1 = R.conv(x[..., 2:4], w[2:4], None, 1, 1, 1, 1, False)
 * show('exp_grouped', np.concatenate([y0, y1], axis=3))
 * # F: activation TANH values
 * show('exp_tanh', np.tanh(np.array([-8, -0.5, 0.5, 3, 8.])))
 * # G: fully connected
 * x = pat(24, 7, 11, 5, 0.25).reshape(6, 4)
 * w = pat(20, 3, 7, 3, 0.5).reshape(5, 4)
 * b = np.array([0, 1, -1, 2, -2.])
 * show('exp_fc', x @ w.T + b)
 * # H: average pool 3x3 stride 1 SAME on 1x4x5x2, and stride 2 SAME 2x2 on 1x5x5x1
 * x = pat(40, 7, 11, 5, 0.25).reshape(1, 4, 5, 2)
 * show('exp_avg3_same', R.pool(x, 3, 3, 1, 1, True, 'avg'))
 * x = pat(25, 3, 13, 6, 0.25).reshape(1, 5, 5, 1)
 * show('exp_avg2_s2_same', R.pool(x, 2, 2, 2, 2, True, 'avg'))
 * show('exp_max3_s2_valid', R.pool(x, 3, 3, 2, 2, False, 'max'))
 * # J: mean
 * x = pat(12, 7, 11, 5, 0.25).reshape(1, 2, 3, 2)
 * show('exp_mean_12', x.mean(axis=(1, 2)))
 * show('exp_mean_last', x.mean(axis=-1))
 * # L: transpose conv as the adjoint of the forward conv (TFLite's definition)
 * def tconv(y, w, stride, same, out_hw):
 *     # forward conv maps [1,H,W,O] -> [1,IH,IW,I] with weights wf[i,ky,kx,o] = w[o,ky,kx,i]
 *     O = w.shape[0]
 *     wf = np.transpose(w, (3, 1, 2, 0))
 *     H, W = out_hw
 *     n = H * W * O
 *     cols = []
 *     for k in range(n):
 *         e = np.zeros(n); e[k] = 1
 *         cols.append(R.conv(e.reshape(1, H, W, O), wf, None, stride, stride, 1, 1, same).reshape(-1))
 *     M = np.stack(cols, axis=1)  # [IH*IW*I, H*W*O]
 *     assert M.shape[0] == y.size, (M.shape, y.shape)
 *     return (M.T @ y.reshape(-1)).reshape(1, H, W, O)
 * x = pat(18, 7, 11, 5, 0.25).reshape(1, 3, 3, 2)
 * w = pat(54, 5, 11, 5, 0.5).reshape(3, 3, 3, 2)
 * b = np.array([0.5, 0, -0.5])
 * show('exp_tconv_same', tconv(x, w, 2, True, (6, 6)) + b)
 * show('exp_tconv_valid', tconv(x, w, 2, False, (7, 7)))
 */
#ifndef ECNN_TEST_OPS_CONV_EXPECTED_H
#define ECNN_TEST_OPS_CONV_EXPECTED_H

static const float exp_conv5_s2_same[18] = {0.5f,    -1.125f, -2.125f, 0.625f,  -1.5f,  -0.5f,
                                            -2.875f, 5.0f,    -0.875f, -2.375f, 6.125f, -1.625f,
                                            1.25f,   -1.375f, 0.75f,   -1.25f,  -2.25f, 1.5f};
static const float exp_conv76_s2_valid[18] = {10.375f, -1.0f,  -3.75f,  -4.75f,  -5.375f, 1.25f,
                                              -0.75f,  -1.25f, -1.375f, -2.875f, -10.5f,  -1.25f,
                                              12.5f,   11.5f,  2.625f,  10.375f, -1.0f,   -3.75f};
static const float exp_conv76_s2_same[36] = {
    -1.25f,  7.0f,    7.0f,    11.375f, 8.0f,    -2.25f,  5.5f,    1.125f, -3.25f,
    -9.5f,   -3.375f, 2.75f,   -0.25f,  -1.25f,  -3.625f, 0.125f,  2.25f,  -2.5f,
    -4.375f, -5.25f,  3.5f,    0.0f,    9.875f,  10.125f, 9.375f,  2.0f,   -2.625f,
    -4.75f,  -7.0f,   -2.375f, -7.375f, -6.625f, 1.0f,    -1.875f, 5.875f, -0.125f};
static const float exp_conv_dil2[9] = {-1.0f, -2.75f, 6.5f,  4.0f,  -3.25f,
                                       0.5f,  -2.0f,  -1.0f, -2.75f};
static const float exp_dw_mult2[64] = {
    0.125f,  -0.125f, 0.375f,  0.25f,   -1.375f, 1.125f,  2.625f, -0.875f, -1.75f, 5.5f,   3.0f,
    -1.5f,   -1.625f, 3.0f,    0.875f,  -1.5f,   2.125f,  -3.25f, -3.75f,  1.125f, 8.875f, -4.125f,
    -4.375f, 3.5f,    4.0f,    -3.375f, -5.125f, 8.375f,  1.625f, -2.75f,  -4.25f, 1.625f, -1.625f,
    3.5f,    2.5f,    -2.5f,   -2.75f,  6.75f,   5.75f,   -3.25f, -2.375f, 3.125f, 0.625f, -2.75f,
    0.0f,    0.625f,  -1.375f, 0.125f,  4.25f,   -2.375f, -3.0f,  2.625f,  2.375f, -2.75f, -3.375f,
    4.5f,    -0.5f,   -2.25f,  -2.5f,   0.5f,    -0.375f, -0.75f, -1.375f, -0.5f};
static const float exp_dw_s2_dil2_relu6[18] = {0.0f,  0.0f,   1.375f, 0.0f,   0.0f,   2.875f,
                                               0.0f,  1.125f, 3.375f, 1.75f,  0.0f,   0.0f,
                                               1.25f, 0.0f,   0.0f,   0.875f, 1.625f, 0.0f};
static const float exp_grouped[16] = {3.0f,   1.25f, -1.625f, 2.25f,  -1.25f, 2.875f,
                                      4.25f,  -3.5f, -1.625f, -2.0f,  3.0f,   1.25f,
                                      3.875f, -2.0f, -0.875f, -2.875f};
static const float exp_tanh[5] = {-0.999999775f, -0.462117157f, 0.462117157f, 0.995054754f,
                                  0.999999775f};
static const float exp_fc[30] = {
    0.5f,   -2.875f, 1.25f, 4.25f, -5.875f, 1.125f, 2.5f,   -2.625f, -0.125f, -0.25f,
    1.75f,  1.0f,    -1.0f, 3.75f, -2.875f, 1.0f,   2.25f,  -2.125f, -0.625f, 0.0f,
    1.625f, 0.75f,   -0.5f, 3.25f, -2.625f, -3.25f, 0.625f, -0.25f,  3.0f,    -2.5f};
static const float exp_avg3_same[40] = {
    -0.375f,       0.0f,          0.0f,          -0.0833333333f, 0.291666667f,   0.208333333f,
    0.125f,        0.0416666667f, -0.1875f,      0.1875f,        -0.333333333f,  0.0416666667f,
    -0.111111111f, 0.111111111f,  0.0277777778f, 0.25f,          0.166666667f,   0.0833333333f,
    0.0833333333f, 0.0f,          -0.25f,        -0.333333333f,  -0.0277777778f, -0.111111111f,
    0.111111111f,  0.0277777778f, 0.25f,         0.166666667f,   0.166666667f,   0.0833333333f,
    -0.4375f,      -0.0625f,      -0.291666667f, 0.0833333333f,  0.0f,           -0.0833333333f,
    0.291666667f,  0.208333333f,  0.4375f,       0.125f};
static const float exp_avg2_s2_same[9] = {-0.875f, 0.625f, 0.125f,  0.125f, 0.0f,
                                          -0.5f,   0.875f, -0.875f, 0.25f};
static const float exp_max3_s2_valid[4] = {1.0f, 1.5f, 1.5f, 1.5f};
static const float exp_mean_12[2] = {-0.291666667f, 0.0833333333f};
static const float exp_mean_last[6] = {-0.375f, 0.375f, -0.25f, 0.5f, -0.125f, -0.75f};
static const float exp_tconv_same[108] = {
    3.625f,  2.375f,  1.125f,  -2.875f, 2.75f,   1.5f,    -1.25f,  5.125f,  4.625f,  -1.375f,
    1.625f,  1.875f,  -2.375f, 0.125f,  -0.125f, 1.5f,    -0.875f, -1.875f, -2.125f, -3.375f,
    2.25f,   -1.75f,  -3.0f,   2.625f,  -4.0f,   -4.5f,   -2.25f,  -2.5f,   -2.25f,  0.75f,
    -1.375f, -1.625f, -3.25f,  2.25f,   1.25f,   -1.125f, -0.75f,  -3.75f,  -4.0f,   4.625f,
    -3.875f, -4.125f, 10.125f, -2.0f,   -4.5f,   0.375f,  -1.0f,   -1.0f,   -1.125f, 6.5f,
    -2.375f, -1.125f, 1.875f,  -0.625f, 2.0f,    2.5f,    -2.5f,   1.5f,    2.0f,    -3.0f,
    -1.625f, -1.375f, 4.375f,  -2.0f,   -2.75f,  2.0f,    -0.375f, -2.625f, -3.5f,   2.75f,
    0.75f,   0.125f,  -0.75f,  -0.25f,  0.25f,   1.5f,    -0.75f,  -0.25f,  -0.25f,  -5.375f,
    -3.625f, 5.5f,    -4.75f,  -4.0f,   3.625f,  3.125f,  -1.5f,   -4.25f,  5.0f,    3.25f,
    2.0f,    1.5f,    -1.75f,  2.0f,    1.5f,    -1.75f,  3.5f,    4.5f,    -1.375f, 1.25f,
    2.25f,   -3.625f, -2.125f, -0.875f, 4.5f,    -2.25f,  -2.5f,   1.375f};
static const float exp_tconv_valid[147] = {
    3.125f,  2.375f,  1.625f,  -3.375f, 2.75f,   2.0f,    -1.75f,  5.125f,  5.125f,  -1.875f,
    1.625f,  2.375f,  -2.875f, 0.125f,  0.375f,  1.0f,    -0.875f, -1.375f, 1.25f,   -0.625f,
    -1.125f, -2.625f, -3.375f, 2.75f,   -2.25f,  -3.0f,   3.125f,  -4.5f,   -4.5f,   -1.75f,
    -3.0f,   -2.25f,  1.25f,   -1.875f, -1.625f, -2.75f,  1.75f,   1.25f,   -0.625f, 2.0f,
    1.5f,    1.0f,    -1.25f,  -3.75f,  -3.5f,   4.125f,  -3.875f, -3.625f, 9.625f,  -2.0f,
    -4.0f,   -0.125f, -1.0f,   -0.5f,   -1.625f, 6.5f,    -1.875f, -1.625f, 1.875f,  -0.125f,
    -0.625f, -1.25f,  0.875f,  1.5f,    2.5f,    -2.0f,   1.0f,    2.0f,    -2.5f,   -2.125f,
    -1.375f, 4.875f,  -2.5f,   -2.75f,  2.5f,    -0.875f, -2.625f, -3.0f,   2.25f,   0.75f,
    0.625f,  3.0f,    1.5f,    0.0f,    -1.25f,  -0.25f,  0.75f,   1.0f,    -0.75f,  0.25f,
    -0.75f,  -5.375f, -3.125f, 5.0f,    -4.75f,  -3.5f,   3.125f,  3.125f,  -1.0f,   -4.75f,
    5.0f,    3.75f,   -4.125f, -1.25f,  4.375f,  1.5f,    1.5f,    -1.25f,  1.5f,    1.5f,
    -1.25f,  3.0f,    4.5f,    -0.875f, 0.75f,   2.25f,   -3.125f, -2.625f, -0.875f, 5.0f,
    -2.75f,  -2.5f,   1.875f,  -2.875f, -2.625f, -2.375f, -1.25f,  1.5f,    1.5f,    -1.25f,
    1.5f,    1.5f,    -0.625f, -0.5f,   3.75f,   -0.125f, 0.0f,    1.5f,    1.625f,  -2.125f,
    -1.75f,  2.375f,  -2.875f, -2.625f, 2.25f,   2.5f,    -2.75f};

#endif
