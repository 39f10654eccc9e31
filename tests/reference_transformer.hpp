// A plain float64 reference of one post-LN transformer encoder layer (BERT order) with LoRA
// on Wq and Wv: forward, backward (input gradient and adapter gradients). Written on its own,
// from the textbook equations, to check the platform's functional layer against; it uses
// nothing from models/ or platform/.
//
// Layer, per sequence of n tokens (x: n x d, row-major):
//   Q = x Wq + s (x Aq) Bq,  K = x Wk,  V = x Wv + s (x Av) Bv     (Wqkv = [Wq | Wk | Wv])
//   per head h: P = softmax(Q_h K_h^T / sqrt(dh)),  C_h = P V_h
//   h1 = LN1(x + C Wo),  y = LN2(h1 + GELU(h1 W1) W2)
// LN: biased variance, eps = 1e-5, gamma/beta. GELU: exact erf form. No linear biases.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace reftf {

using Vec = std::vector<double>;

struct Shape {
  size_t seqs = 1, n = 4, d = 8, heads = 2, f = 16, r = 2;
  size_t dh() const { return d / heads; }
  size_t tokens() const { return seqs * n; }
};

struct Params {
  Vec wqkv, wo, w1, w2;  // d x 3d, d x d, d x f, f x d
  Vec g1, b1, g2, b2;    // d each
  Vec aq, bq, av, bv;    // d x r, r x d, d x r, r x d
  double lora_scale = 1.0;
};

struct Grads {
  Vec dx, daq, dbq, dav, dbv;
};

// C (m x n) = A (m x k) B (k x n); ta / tb: the operand is stored transposed.
inline Vec matmul(const Vec& a, const Vec& b, size_t m, size_t k, size_t n, bool ta = false,
                  bool tb = false) {
  Vec c(m * n, 0.0);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t p = 0; p < k; ++p) {
        const double av = ta ? a[p * m + i] : a[i * k + p];
        const double bv = tb ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  return c;
}

inline Vec add(const Vec& a, const Vec& b) {
  Vec c(a.size());
  for (size_t i = 0; i < a.size(); ++i) c[i] = a[i] + b[i];
  return c;
}

inline double gelu_ref(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
inline double gelu_grad_ref(double x) {
  const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * 3.14159265358979323846);
  return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))) + x * pdf;
}

struct LnCache {
  Vec xhat, rstd;
};
inline Vec layer_norm(const Vec& x, const Vec& g, const Vec& b, size_t rows, size_t cols,
                      LnCache* c) {
  Vec y(rows * cols);
  c->xhat.assign(rows * cols, 0.0);
  c->rstd.assign(rows, 0.0);
  for (size_t i = 0; i < rows; ++i) {
    double mu = 0.0, var = 0.0;
    for (size_t j = 0; j < cols; ++j) mu += x[i * cols + j];
    mu /= static_cast<double>(cols);
    for (size_t j = 0; j < cols; ++j) var += (x[i * cols + j] - mu) * (x[i * cols + j] - mu);
    var /= static_cast<double>(cols);
    const double rs = 1.0 / std::sqrt(var + 1e-5);
    c->rstd[i] = rs;
    for (size_t j = 0; j < cols; ++j) {
      const double xh = (x[i * cols + j] - mu) * rs;
      c->xhat[i * cols + j] = xh;
      y[i * cols + j] = xh * g[j] + b[j];
    }
  }
  return y;
}
// dx = rstd (dxh - mean(dxh) - xhat mean(dxh xhat)), dxh = dy gamma.
inline Vec layer_norm_back(const LnCache& c, const Vec& g, const Vec& dy, size_t rows,
                           size_t cols) {
  Vec dx(rows * cols);
  for (size_t i = 0; i < rows; ++i) {
    double m1 = 0.0, m2 = 0.0;
    for (size_t j = 0; j < cols; ++j) {
      const double dxh = dy[i * cols + j] * g[j];
      m1 += dxh;
      m2 += dxh * c.xhat[i * cols + j];
    }
    m1 /= static_cast<double>(cols);
    m2 /= static_cast<double>(cols);
    for (size_t j = 0; j < cols; ++j) {
      const double dxh = dy[i * cols + j] * g[j];
      dx[i * cols + j] = c.rstd[i] * (dxh - m1 - c.xhat[i * cols + j] * m2);
    }
  }
  return dx;
}

struct Cache {
  Vec x, xaq, xav, q, k, v, p, ctx, u1, h1, a1, g1out, u2;
  LnCache ln1, ln2;
};

// Forward of all sequences; x: tokens x d.
inline Vec forward(const Shape& s, const Params& w, const Vec& x, Cache* c) {
  const size_t T = s.tokens(), d = s.d, dh = s.dh(), n = s.n, r = s.r;
  c->x = x;
  const Vec qkv = matmul(x, w.wqkv, T, d, 3 * d);
  c->xaq = matmul(x, w.aq, T, d, r);
  c->xav = matmul(x, w.av, T, d, r);
  const Vec lq = matmul(c->xaq, w.bq, T, r, d), lv = matmul(c->xav, w.bv, T, r, d);
  c->q.assign(T * d, 0.0);
  c->k.assign(T * d, 0.0);
  c->v.assign(T * d, 0.0);
  for (size_t t = 0; t < T; ++t)
    for (size_t j = 0; j < d; ++j) {
      c->q[t * d + j] = qkv[t * 3 * d + j] + w.lora_scale * lq[t * d + j];
      c->k[t * d + j] = qkv[t * 3 * d + d + j];
      c->v[t * d + j] = qkv[t * 3 * d + 2 * d + j] + w.lora_scale * lv[t * d + j];
    }
  // p: seqs x heads x n x n
  c->p.assign(s.seqs * s.heads * n * n, 0.0);
  c->ctx.assign(T * d, 0.0);
  const double inv = 1.0 / std::sqrt(static_cast<double>(dh));
  for (size_t b = 0; b < s.seqs; ++b)
    for (size_t h = 0; h < s.heads; ++h) {
      double* P = c->p.data() + (b * s.heads + h) * n * n;
      for (size_t i = 0; i < n; ++i) {
        double mx = -1e300;
        for (size_t j = 0; j < n; ++j) {
          double dot = 0.0;
          for (size_t e = 0; e < dh; ++e)
            dot += c->q[(b * n + i) * d + h * dh + e] * c->k[(b * n + j) * d + h * dh + e];
          P[i * n + j] = dot * inv;
          mx = std::max(mx, P[i * n + j]);
        }
        double z = 0.0;
        for (size_t j = 0; j < n; ++j) {
          P[i * n + j] = std::exp(P[i * n + j] - mx);
          z += P[i * n + j];
        }
        for (size_t j = 0; j < n; ++j) P[i * n + j] /= z;
        for (size_t e = 0; e < dh; ++e) {
          double acc = 0.0;
          for (size_t j = 0; j < n; ++j) acc += P[i * n + j] * c->v[(b * n + j) * d + h * dh + e];
          c->ctx[(b * n + i) * d + h * dh + e] = acc;
        }
      }
    }
  c->u1 = add(x, matmul(c->ctx, w.wo, T, d, d));
  c->h1 = layer_norm(c->u1, w.g1, w.b1, T, d, &c->ln1);
  c->a1 = matmul(c->h1, w.w1, T, d, s.f);
  c->g1out.resize(c->a1.size());
  for (size_t i = 0; i < c->a1.size(); ++i) c->g1out[i] = gelu_ref(c->a1[i]);
  c->u2 = add(c->h1, matmul(c->g1out, w.w2, T, s.f, d));
  return layer_norm(c->u2, w.g2, w.b2, T, d, &c->ln2);
}

inline Grads backward(const Shape& s, const Params& w, const Cache& c, const Vec& dy) {
  const size_t T = s.tokens(), d = s.d, dh = s.dh(), n = s.n, r = s.r, f = s.f;
  Grads g;
  const Vec du2 = layer_norm_back(c.ln2, w.g2, dy, T, d);
  Vec da1 = matmul(du2, w.w2, T, d, f, false, true);
  for (size_t i = 0; i < da1.size(); ++i) da1[i] *= gelu_grad_ref(c.a1[i]);
  const Vec dh1 = add(du2, matmul(da1, w.w1, T, f, d, false, true));
  const Vec du1 = layer_norm_back(c.ln1, w.g1, dh1, T, d);
  const Vec dctx = matmul(du1, w.wo, T, d, d, false, true);
  Vec dq(T * d, 0.0), dk(T * d, 0.0), dv(T * d, 0.0);
  const double inv = 1.0 / std::sqrt(static_cast<double>(dh));
  for (size_t b = 0; b < s.seqs; ++b)
    for (size_t h = 0; h < s.heads; ++h) {
      const double* P = c.p.data() + (b * s.heads + h) * n * n;
      Vec dp(n * n, 0.0);
      for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
          double acc = 0.0;
          for (size_t e = 0; e < dh; ++e)
            acc += dctx[(b * n + i) * d + h * dh + e] * c.v[(b * n + j) * d + h * dh + e];
          dp[i * n + j] = acc;
          for (size_t e = 0; e < dh; ++e)
            dv[(b * n + j) * d + h * dh + e] += P[i * n + j] * dctx[(b * n + i) * d + h * dh + e];
        }
      for (size_t i = 0; i < n; ++i) {
        double dot = 0.0;
        for (size_t j = 0; j < n; ++j) dot += dp[i * n + j] * P[i * n + j];
        for (size_t j = 0; j < n; ++j) {
          const double dsij = P[i * n + j] * (dp[i * n + j] - dot) * inv;
          for (size_t e = 0; e < dh; ++e) {
            dq[(b * n + i) * d + h * dh + e] += dsij * c.k[(b * n + j) * d + h * dh + e];
            dk[(b * n + j) * d + h * dh + e] += dsij * c.q[(b * n + i) * d + h * dh + e];
          }
        }
      }
    }
  // Through the fused projection and the adapters.
  Vec dqkv(T * 3 * d);
  for (size_t t = 0; t < T; ++t)
    for (size_t j = 0; j < d; ++j) {
      dqkv[t * 3 * d + j] = dq[t * d + j];
      dqkv[t * 3 * d + d + j] = dk[t * d + j];
      dqkv[t * 3 * d + 2 * d + j] = dv[t * d + j];
    }
  g.dx = add(du1, matmul(dqkv, w.wqkv, T, 3 * d, d, false, true));
  auto adapter = [&](const Vec& dout, const Vec& xa, const Vec& a, const Vec& bm, Vec* da,
                     Vec* db) {
    *db = matmul(xa, dout, r, T, d, true, false);  // (x A)^T dout
    for (double& e : *db) e *= w.lora_scale;
    Vec dxa = matmul(dout, bm, T, d, r, false, true);
    for (double& e : dxa) e *= w.lora_scale;
    *da = matmul(c.x, dxa, d, T, r, true, false);
    const Vec dxl = matmul(dxa, a, T, r, d, false, true);
    for (size_t i = 0; i < g.dx.size(); ++i) g.dx[i] += dxl[i];
  };
  adapter(dq, c.xaq, w.aq, w.bq, &g.daq, &g.dbq);
  adapter(dv, c.xav, w.av, w.bv, &g.dav, &g.dbv);
  return g;
}

}  // namespace reftf
