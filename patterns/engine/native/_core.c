/*
 * VaniKeys native grinding core.
 *
 * Written for this project from the public descriptions only:
 *   - field arithmetic mod p = 2^255 - 19 in radix 2^51 (five 64-bit limbs, products
 *     in unsigned __int128), inversion by Fermat's little theorem (z^(p-2));
 *   - the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 of RFC 8032 in extended
 *     coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, T = XY/Z, with the unified addition
 *     and doubling of Hisil, Wong, Carter and Dawson ("Twisted Edwards curves
 *     revisited", 2008), as used in Bernstein et al., "High-speed high-security
 *     signatures";
 *   - fixed-base scalar multiplication with signed radix-2^W digits and one table of
 *     precomputed affine multiples per digit position, each selected in constant time;
 *   - Montgomery's simultaneous inversion for compressing a whole batch of points;
 *   - SHA-512 and SHA-256 (FIPS 180-4), SHA3-256 (FIPS 202);
 *   - base58btc, base64 and base32 as the formats of PRODUCT.md section 1 use them;
 *   - a bit-parallel (shift-and) pre-check of every part of a pattern at once.
 *
 * Every constant is computed at build time by gen_constants.py (from its definition) or
 * at module initialisation here (the point tables).
 *
 * Constant time: everything that touches a seed or a secret scalar (SHA-512, clamping,
 * digit recoding, table selection, point arithmetic, field inversion and freezing) runs
 * without branches or memory addresses that depend on it: every table entry of a window
 * is read and masked, and the masks are hidden from the optimiser. Encoding and the
 * pre-check look only at public keys, which may branch.
 *
 * The hot code lives in _kernel.h, compiled twice on x86-64 (AVX2 + BMI2, and the
 * baseline with SSE2) and chosen at import for the CPU that runs it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_constants.h"

#if !defined(__SIZEOF_INT128__)
#error "the native core needs unsigned __int128 (a 64-bit gcc or clang)"
#endif

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint8_t u8;
typedef unsigned __int128 u128;

#define INLINE static inline __attribute__((always_inline))

/* Hide a value from the optimiser so that it cannot turn masked selection into a branch. */
INLINE u64 value_barrier(u64 x)
{
    __asm__ volatile("" : "+r"(x));
    return x;
}

/* ===================================================================================
 * Field arithmetic mod p = 2^255 - 19, radix 2^51.
 *
 * A field element is sum v[i] 2^(51 i). Multiplication and squaring accept limbs below
 * 2^54 and return limbs below 2^52; addition leaves the carries for later; subtraction
 * adds 4p first so that it never goes negative (its second operand below 2^53).
 * =================================================================================== */

typedef struct { u64 v[5]; } fe;

#define MASK51 ((u64)0x7ffffffffffffULL)

static const fe FE_ZERO = {{0, 0, 0, 0, 0}};
static const fe FE_ONE = {{1, 0, 0, 0, 0}};
static const fe fe_d2 = FE_D2;
static const fe fe_inv_d = FE_INV_D;
static const fe fe_bx = FE_BX;
static const fe fe_by = FE_BY;
static const fe fe_bt = FE_BT;

INLINE void fe_add(fe *h, const fe *f, const fe *g)
{
    for (int i = 0; i < 5; i++) h->v[i] = f->v[i] + g->v[i];
}

/* 4p = (2^53 - 76, 2^53 - 4, 2^53 - 4, 2^53 - 4, 2^53 - 4) in limbs. */
INLINE void fe_sub(fe *h, const fe *f, const fe *g)
{
    h->v[0] = f->v[0] + 0x1fffffffffffb4ULL - g->v[0];
    for (int i = 1; i < 5; i++) h->v[i] = f->v[i] + 0x1ffffffffffffcULL - g->v[i];
}

INLINE void fe_neg(fe *h, const fe *f)
{
    fe_sub(h, &FE_ZERO, f);
}

INLINE void fe_carry_out(fe *h, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4)
{
    u64 r0, r1, r2, r3, r4, c;
    t1 += (u64)(t0 >> 51); r0 = (u64)t0 & MASK51;
    t2 += (u64)(t1 >> 51); r1 = (u64)t1 & MASK51;
    t3 += (u64)(t2 >> 51); r2 = (u64)t2 & MASK51;
    t4 += (u64)(t3 >> 51); r3 = (u64)t3 & MASK51;
    c = (u64)(t4 >> 51);   r4 = (u64)t4 & MASK51;
    r0 += c * 19;
    r1 += r0 >> 51; r0 &= MASK51;
    h->v[0] = r0; h->v[1] = r1; h->v[2] = r2; h->v[3] = r3; h->v[4] = r4;
}

INLINE void fe_mul(fe *h, const fe *f, const fe *g)
{
    const u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const u64 g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
    const u64 g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
    u128 t0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 + (u128)f4 * g1_19;
    u128 t1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 + (u128)f4 * g2_19;
    u128 t2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 + (u128)f4 * g3_19;
    u128 t3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
    u128 t4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
    fe_carry_out(h, t0, t1, t2, t3, t4);
}

INLINE void fe_sq(fe *h, const fe *f)
{
    const u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
    const u64 f0_2 = f0 * 2, f1_2 = f1 * 2;
    const u64 f1_38 = f1 * 38, f2_38 = f2 * 38, f3_38 = f3 * 38;
    const u64 f3_19 = f3 * 19, f4_19 = f4 * 19;
    u128 t0 = (u128)f0 * f0 + (u128)f1_38 * f4 + (u128)f2_38 * f3;
    u128 t1 = (u128)f0_2 * f1 + (u128)f2_38 * f4 + (u128)f3_19 * f3;
    u128 t2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_38 * f4;
    u128 t3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4_19 * f4;
    u128 t4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
    fe_carry_out(h, t0, t1, t2, t3, t4);
}

static void fe_sqn(fe *h, const fe *f, int n)
{
    fe_sq(h, f);
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* z^(2^250 - 1) and z^11, the common part of inversion and of z^((p-5)/8). From
 * z^(2^5 - 1) on, the chain only doubles the exponent's run of ones: a step squares
 * z^(2^a - 1) b times and multiplies by z^(2^b - 1), an earlier power, for z^(2^(a+b) - 1). */
static void fe_pow_2_250_1(fe *out, fe *z11, const fe *z)
{
    /* power[i] = z^(2^ones[i] - 1); step i squares power[i] ones[times[i]] times and
     * multiplies by power[times[i]], giving power[i + 1] */
    static const int ones[8] = {5, 10, 20, 40, 50, 100, 200, 250};
    static const int times[7] = {0, 1, 2, 1, 4, 5, 4};
    fe z2, z9, t, power[8];
    fe_sq(&z2, z);                 /* z^2 */
    fe_sqn(&t, &z2, 2);            /* z^8 */
    fe_mul(&z9, &t, z);            /* z^9 */
    fe_mul(z11, &z9, &z2);         /* z^11 */
    fe_sq(&t, z11);                /* z^22 */
    fe_mul(&power[0], &t, &z9);    /* z^31 = z^(2^5 - 1) */
    for (int i = 0; i < 7; i++) {
        fe_sqn(&t, &power[i], ones[times[i]]);
        fe_mul(&power[i + 1], &t, &power[times[i]]);
    }
    *out = power[7];
}

/* 1/z = z^(p - 2) = z^(2^255 - 21) = (z^(2^250 - 1))^(2^5) * z^11. */
static void fe_invert(fe *out, const fe *z)
{
    fe t, z11;
    fe_pow_2_250_1(&t, &z11, z);
    fe_sqn(&t, &t, 5);
    fe_mul(out, &t, &z11);
}

/* The canonical 32-byte little-endian encoding (value fully reduced mod p). */
INLINE void fe_tobytes(u8 s[32], const fe *h)
{
    u64 t0 = h->v[0], t1 = h->v[1], t2 = h->v[2], t3 = h->v[3], t4 = h->v[4], q;
    for (int pass = 0; pass < 3; pass++) {
        t1 += t0 >> 51; t0 &= MASK51;
        t2 += t1 >> 51; t1 &= MASK51;
        t3 += t2 >> 51; t2 &= MASK51;
        t4 += t3 >> 51; t3 &= MASK51;
        t0 += 19 * (t4 >> 51); t4 &= MASK51;
    }
    /* Now 0 <= value < 2^255 + 19 with every limb below 2^51: subtract p when value >= p. */
    q = (t0 + 19) >> 51;
    q = (t1 + q) >> 51;
    q = (t2 + q) >> 51;
    q = (t3 + q) >> 51;
    q = (t4 + q) >> 51;
    t0 += 19 * q;
    t1 += t0 >> 51; t0 &= MASK51;
    t2 += t1 >> 51; t1 &= MASK51;
    t3 += t2 >> 51; t2 &= MASK51;
    t4 += t3 >> 51; t3 &= MASK51;
    t4 &= MASK51;
    u64 w[4] = {t0 | (t1 << 51), (t1 >> 13) | (t2 << 38), (t2 >> 26) | (t3 << 25), (t3 >> 39) | (t4 << 12)};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) s[8 * i + j] = (u8)(w[i] >> (8 * j));
}

/* Limbs below 2^51 (value not necessarily below p): for table entries. */
INLINE void fe_reduce_weak(fe *h)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 4; i++) { h->v[i + 1] += h->v[i] >> 51; h->v[i] &= MASK51; }
        h->v[0] += 19 * (h->v[4] >> 51); h->v[4] &= MASK51;
    }
}

/* ===================================================================================
 * Points.
 * =================================================================================== */

typedef struct { fe X, Y, Z, T; } ge;             /* extended coordinates */
/* affine: y + x, y - x, 2 d x y; padded to 128 bytes for vector selection */
typedef struct { fe ypx, ymx, xy2d; u64 pad; } __attribute__((aligned(32))) niels;

INLINE void ge_identity(ge *p)
{
    p->X = FE_ZERO; p->Y = FE_ONE; p->Z = FE_ONE; p->T = FE_ZERO;
}

/* The addition formulas of Hisil et al. for each field representation (radix 2^51 here,
 * four lanes of radix 2^25.5 in _kernel.h): a macro because C has no function generic
 * over the field type. Every formula ends alike: from A, B, C, D, E = B - A, F = D - C,
 * G = D + C, H = B + A and (X, Y, Z, T) = (E F, G H, G F, E H). carry brings F and H, the
 * second factors, within what that representation's multiplication takes. */
#define DEFINE_GE_ADDITION(qualifiers, ge_t, niels_t, fe_t, fadd, fsub, fmul, carry)             \
    /* (X, Y, Z, T) = (E F, G H, G F, E H) */                                                  \
    qualifiers void ge_t##_from_efgh(ge_t *r, const fe_t *e, fe_t *f, const fe_t *g, fe_t *h)  \
    {                                                                                          \
        carry(f);                                                                              \
        carry(h);                                                                              \
        fmul(&r->X, e, f);                                                                     \
        fmul(&r->Y, g, h);                                                                     \
        fmul(&r->T, e, h);                                                                     \
        fmul(&r->Z, g, f);                                                                     \
    }                                                                                          \
    qualifiers void ge_t##_add_finish(ge_t *r, const fe_t *a, const fe_t *b, const fe_t *c, const fe_t *d) \
    {                                                                                          \
        fe_t e, f, g, h;                                                                       \
        fsub(&e, b, a);                                                                        \
        fsub(&f, d, c);                                                                        \
        fadd(&g, d, c);                                                                        \
        fadd(&h, b, a);                                                                        \
        ge_t##_from_efgh(r, &e, &f, &g, &h);                                                   \
    }                                                                                          \
    /* r = p + q, q affine (7M). Complete for Ed25519 (a = -1 square, d non-square). */       \
    qualifiers void ge_t##_madd(ge_t *r, const ge_t *p, const niels_t *q)                      \
    {                                                                                          \
        fe_t a, b, c, d;                                                                       \
        fsub(&a, &p->Y, &p->X);                                                                \
        fmul(&a, &a, &q->ymx);                                                                 \
        fadd(&b, &p->Y, &p->X);                                                                \
        fmul(&b, &b, &q->ypx);                                                                 \
        fmul(&c, &p->T, &q->xy2d);                                                             \
        fadd(&d, &p->Z, &p->Z);                                                                \
        ge_t##_add_finish(r, &a, &b, &c, &d);                                                  \
    }

/* Radix 2^51 multiplies sums and differences as they are: nothing to carry. */
INLINE void fe_carry_none(fe *h)
{
    (void)h;
}

DEFINE_GE_ADDITION(INLINE, ge, niels, fe, fe_add, fe_sub, fe_mul, fe_carry_none)

/* r = p + q, both extended (9M); for building tables. */
static void ge_add(ge *r, const ge *p, const ge *q)
{
    fe a, b, c, d, t;
    fe_sub(&a, &p->Y, &p->X);
    fe_sub(&t, &q->Y, &q->X);
    fe_mul(&a, &a, &t);
    fe_add(&b, &p->Y, &p->X);
    fe_add(&t, &q->Y, &q->X);
    fe_mul(&b, &b, &t);
    fe_mul(&c, &p->T, &q->T);
    fe_mul(&c, &c, &fe_d2);
    fe_mul(&d, &p->Z, &q->Z);
    fe_add(&d, &d, &d);
    ge_add_finish(r, &a, &b, &c, &d);
}

/* r = 2p (4M + 4S), a = -1. */
static void ge_dbl(ge *r, const ge *p)
{
    fe a, b, c, e, f, g, h, t;
    fe_sq(&a, &p->X);
    fe_sq(&b, &p->Y);
    fe_sq(&c, &p->Z);
    fe_add(&c, &c, &c);
    fe_reduce_weak(&c);
    fe_add(&t, &p->X, &p->Y);
    fe_sq(&e, &t);
    fe_sub(&e, &e, &a);
    fe_sub(&e, &e, &b);     /* E = 2XY */
    fe_reduce_weak(&e);
    fe_sub(&g, &b, &a);     /* G = Y^2 - X^2 = aA + B */
    fe_reduce_weak(&g);
    fe_sub(&f, &g, &c);     /* F = G - C */
    fe_add(&h, &a, &b);
    fe_neg(&h, &h);         /* H = aA - B = -(A + B) */
    fe_reduce_weak(&h);
    ge_from_efgh(r, &e, &f, &g, &h);
}

/* Montgomery's simultaneous inversion: out[i] = 1/in[i] with one field inversion.
 * scratch holds n elements. No input may be zero (Z of a curve point never is). */
INLINE void fe_batch_invert(fe *out, const fe *in, fe *scratch, int n)
{
    fe acc = in[0], inv, t;
    scratch[0] = in[0];
    for (int i = 1; i < n; i++) {
        fe_mul(&acc, &acc, &in[i]);
        scratch[i] = acc;
    }
    fe_invert(&inv, &acc);
    for (int i = n - 1; i > 0; i--) {
        fe_mul(&t, &inv, &scratch[i - 1]);
        fe_mul(&inv, &inv, &in[i]);
        out[i] = t;
    }
    out[0] = inv;
}

/* Compressed encoding of an affine point: y, with the sign (parity) of x in bit 255. */
INLINE void ge_pack(u8 out[32], const fe *x, const fe *y)
{
    u8 xb[32];
    fe_tobytes(out, y);
    fe_tobytes(xb, x);
    out[31] |= (u8)((xb[0] & 1) << 7);
}

/* ===================================================================================
 * Fixed-base tables: TABLE[i][k] = (k + 1) * 2^(W i) * B in niels form, k < 2^(W-1).
 * =================================================================================== */

#ifndef VK_WINDOW
#define VK_WINDOW 6
#endif
#define W VK_WINDOW
#define ENTRIES (1 << (W - 1))
/* enough digits for a scalar below 2^255, the top one taking the last carry */
#define WINDOWS ((255 + W - 1) / W + ((255 % W) == 0 ? 1 : 0))
#ifndef VK_LANES
#define VK_LANES 512
#endif
#define LANES VK_LANES    /* expanded mode: points stepped side by side (a power of 2) */
#define CHUNK 256         /* seed mode: keys per batch inversion */

static niels TABLE[WINDOWS][ENTRIES];
static niels STEP8;          /* 8B */
static niels STEP8_LANES;    /* 8 LANES B */
static niels STEP32;         /* 32B */

static int ge_to_niels_batch(niels *out, const ge *pts, int n)
{
    fe *zs = malloc(sizeof(fe) * n), *zi = malloc(sizeof(fe) * n), *scratch = malloc(sizeof(fe) * n);
    if (!zs || !zi || !scratch) { free(zs); free(zi); free(scratch); return -1; }
    for (int i = 0; i < n; i++) zs[i] = pts[i].Z;
    fe_batch_invert(zi, zs, scratch, n);
    for (int i = 0; i < n; i++) {
        fe x, y, xy;
        fe_mul(&x, &pts[i].X, &zi[i]);
        fe_mul(&y, &pts[i].Y, &zi[i]);
        fe_add(&out[i].ypx, &y, &x);
        fe_sub(&out[i].ymx, &y, &x);
        fe_mul(&xy, &x, &y);
        fe_mul(&out[i].xy2d, &xy, &fe_d2);
        fe_reduce_weak(&out[i].ypx);
        fe_reduce_weak(&out[i].ymx);
        fe_reduce_weak(&out[i].xy2d);
        out[i].pad = 0;
    }
    free(zs); free(zi); free(scratch);
    return 0;
}

static int init_tables(void)
{
    ge *pts = malloc(sizeof(ge) * WINDOWS * ENTRIES);
    if (!pts) return -1;
    ge base = {fe_bx, fe_by, FE_ONE, fe_bt};
    for (int i = 0; i < WINDOWS; i++) {
        ge *row = pts + i * ENTRIES;
        row[0] = base;
        for (int k = 1; k < ENTRIES; k++) ge_add(&row[k], &row[k - 1], &base);
        for (int j = 0; j < W; j++) ge_dbl(&base, &base);
    }
    int rc = ge_to_niels_batch(&TABLE[0][0], pts, WINDOWS * ENTRIES);
    free(pts);
    if (rc < 0) return -1;
    ge p = {fe_bx, fe_by, FE_ONE, fe_bt}, steps[3];
    ge_dbl(&p, &p); ge_dbl(&p, &p); ge_dbl(&p, &p);     /* 8B */
    steps[0] = p;
    ge_dbl(&p, &p); ge_dbl(&p, &p);                     /* 32B */
    steps[2] = p;
    for (int m = LANES; m > 4; m >>= 1) ge_dbl(&p, &p); /* 8 LANES B */
    steps[1] = p;
    niels n[3];
    if (ge_to_niels_batch(n, steps, 3) < 0) return -1;
    STEP8 = n[0];
    STEP8_LANES = n[1];
    STEP32 = n[2];
    return 0;
}

/* Signed radix-2^W digits of a scalar below 2^255: s = sum e[i] 2^(W i) with
 * -2^(W-1) <= e[i] < 2^(W-1), the last at most 2^(W-1). Arithmetic only, no branches. */
INLINE void recode(int e[WINDOWS], const u8 s[32])
{
    u8 padded[40];
    memcpy(padded, s, 32);
    memset(padded + 32, 0, 8);
    for (int i = 0; i < WINDOWS; i++) {
        int bit = W * i;
        u64 word = 0;
        for (int j = 0; j < 8; j++) word |= (u64)padded[bit / 8 + j] << (8 * j);
        e[i] = (int)((word >> (bit % 8)) & ((1u << W) - 1));
    }
    int carry = 0;
    for (int i = 0; i < WINDOWS - 1; i++) {
        e[i] += carry;
        carry = (e[i] + (1 << (W - 1))) >> W;
        e[i] -= carry * (1 << W);
    }
    e[WINDOWS - 1] += carry;
}

/* ===================================================================================
 * SHA-512 and SHA-256 (FIPS 180-4).
 * =================================================================================== */

#define ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

INLINE u64 load_be64(const u8 *p)
{
    u64 v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

INLINE u32 load_be32(const u8 *p)
{
    return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

/* The mixing functions of each word size (FIPS 180-4 4.1.2, 4.1.3). */
INLINE u64 sha512_Sigma0(u64 x) { return ROR64(x, 28) ^ ROR64(x, 34) ^ ROR64(x, 39); }
INLINE u64 sha512_Sigma1(u64 x) { return ROR64(x, 14) ^ ROR64(x, 18) ^ ROR64(x, 41); }
INLINE u64 sha512_sigma0(u64 x) { return ROR64(x, 1) ^ ROR64(x, 8) ^ (x >> 7); }
INLINE u64 sha512_sigma1(u64 x) { return ROR64(x, 19) ^ ROR64(x, 61) ^ (x >> 6); }
INLINE u32 sha256_Sigma0(u32 x) { return ROR32(x, 2) ^ ROR32(x, 13) ^ ROR32(x, 22); }
INLINE u32 sha256_Sigma1(u32 x) { return ROR32(x, 6) ^ ROR32(x, 11) ^ ROR32(x, 25); }
INLINE u32 sha256_sigma0(u32 x) { return ROR32(x, 7) ^ ROR32(x, 18) ^ (x >> 3); }
INLINE u32 sha256_sigma1(u32 x) { return ROR32(x, 17) ^ ROR32(x, 19) ^ (x >> 10); }

/* The padded end of a SHA-2 message (FIPS 180-4 5.1) in tail: its last len % block_size
 * bytes, 0x80, zeros, and the length in bits big-endian in the last 8 bytes (SHA-512's
 * length field is 16 bytes, its high half 0 here). Returns the blocks it fills, 1 or 2. */
INLINE int sha2_padded_tail(u8 tail[256], const u8 *msg, size_t len, size_t block_size)
{
    size_t rest = len % block_size;
    int blocks = rest < block_size - block_size / 8 ? 1 : 2;   /* room for 0x80 and the length */
    memset(tail, 0, block_size * blocks);
    memcpy(tail, msg + len - rest, rest);
    tail[rest] = 0x80;
    u64 bits = (u64)len * 8;
    for (int i = 0; i < 8; i++) tail[block_size * blocks - 1 - i] = (u8)(bits >> (8 * i));
    return blocks;
}

/* SHA-512 and SHA-256 (FIPS 180-4 6.4, 6.2) are one algorithm but for the word type, the
 * rounds, the constants and the mixing functions (name##_Sigma0 ...): a macro because C
 * has no function generic over the word type. All inlined, so that a message of constant
 * length (an SSH key) folds most of the padding away. */
#define DEFINE_SHA2(name, word, rounds, K, H0, load_be)                                        \
    INLINE void name##_compress(word state[8], const word block[16])                           \
    {                                                                                          \
        word w[rounds];                                                                        \
        memcpy(w, block, 16 * sizeof(word));                                                   \
        for (int t = 16; t < rounds; t++)                                                      \
            w[t] = w[t - 16] + name##_sigma0(w[t - 15]) + w[t - 7] + name##_sigma1(w[t - 2]);  \
        word a = state[0], b = state[1], c = state[2], d = state[3];                           \
        word e = state[4], f = state[5], g = state[6], h = state[7];                           \
        for (int t = 0; t < rounds; t++) {                                                     \
            word t1 = h + name##_Sigma1(e) + ((e & f) ^ (~e & g)) + K[t] + w[t];               \
            word t2 = name##_Sigma0(a) + ((a & b) ^ (a & c) ^ (b & c));                        \
            h = g; g = f; f = e; e = d + t1;                                                   \
            d = c; c = b; b = a; a = t1 + t2;                                                  \
        }                                                                                      \
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;                            \
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;                            \
    }                                                                                          \
    /* one block of bytes: its words big-endian */                                            \
    INLINE void name##_compress_bytes(word state[8], const u8 *bytes)                          \
    {                                                                                          \
        word block[16];                                                                        \
        for (int t = 0; t < 16; t++) block[t] = load_be(bytes + sizeof(word) * t);             \
        name##_compress(state, block);                                                         \
    }                                                                                          \
    /* the first out_words words of the state, big-endian */                                  \
    INLINE void name##_store(u8 *out, const word state[8], int out_words)                      \
    {                                                                                          \
        for (int i = 0; i < out_words; i++)                                                    \
            for (int j = 0; j < (int)sizeof(word); j++)                                        \
                out[sizeof(word) * i + j] = (u8)(state[i] >> (8 * (sizeof(word) - 1 - j)));    \
    }                                                                                          \
    INLINE void name##_digest(u8 *out, const u8 *msg, size_t len)                              \
    {                                                                                          \
        const size_t block_size = 16 * sizeof(word);                                           \
        word state[8];                                                                         \
        u8 tail[256];                                                                          \
        memcpy(state, H0, sizeof(state));                                                      \
        for (size_t i = 0; i + block_size <= len; i += block_size) name##_compress_bytes(state, msg + i); \
        int blocks = sha2_padded_tail(tail, msg, len, block_size);                             \
        for (int i = 0; i < blocks; i++) name##_compress_bytes(state, tail + block_size * i);  \
        name##_store(out, state, 8);                                                           \
    }

DEFINE_SHA2(sha512, u64, 80, SHA512_K, SHA512_H0, load_be64)
DEFINE_SHA2(sha256, u32, 64, SHA256_K, SHA256_H0, load_be32)

/* The clamped scalar of a seed: the first half of SHA-512(seed) (RFC 8032 5.1.5). The
 * one padded block is built in words, so that the compiler folds its constant part. */
INLINE void seed_scalar(u8 scalar[32], const u8 seed[32])
{
    u64 state[8], block[16] = {0};
    memcpy(state, SHA512_H0, sizeof(state));
    for (int t = 0; t < 4; t++) block[t] = load_be64(seed + 8 * t);
    block[4] = 0x8000000000000000ULL;   /* 0x80, zeros, then the length: 256 bits */
    block[15] = 256;
    sha512_compress(state, block);
    sha512_store(scalar, state, 4);
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
}

/* SHA-256 of the 51-byte OpenSSH wire encoding of a public key (one block). */
INLINE void ssh_fingerprint_digest(u8 out[32], const u8 pk[32])
{
    static const u8 header[19] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9', 0, 0, 0, 32};
    u8 wire[51];
    memcpy(wire, header, 19);
    memcpy(wire + 19, pk, 32);
    sha256_digest(out, wire, 51);
}

/* ===================================================================================
 * SHA3-256 (FIPS 202), one state at a time (the batch drivers use the vector copy in
 * _kernel.h).
 * =================================================================================== */

#define ROL64(x, n) (((x) << (n)) | ((x) >> ((64 - (n)) & 63)))

static void keccak_f1600(u64 a[25])
{
    for (int round = 0; round < 24; round++) {
        u64 c[5], d[5], b[25];
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) d[x] = c[(x + 4) % 5] ^ ROL64(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++) a[i] ^= d[i % 5];
        for (int i = 0; i < 25; i++) {
            int src = KECCAK_PI_SRC[i];
            b[i] = KECCAK_RHO[src] ? ROL64(a[src], KECCAK_RHO[src]) : a[src];
        }
        for (int y = 0; y < 25; y += 5)
            for (int x = 0; x < 5; x++) a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        a[0] ^= KECCAK_RC[round];
    }
}

static void sha3_256(u8 out[32], const u8 *msg, size_t len)
{
    u64 a[25] = {0};
    u8 block[136];
    size_t done = 0;
    for (;;) {
        size_t take = len - done < 136 ? len - done : 136;
        memset(block, 0, 136);
        memcpy(block, msg + done, take);
        int last = take < 136;
        if (last) {
            block[take] ^= 0x06;
            block[135] ^= 0x80;
        }
        for (int i = 0; i < 17; i++) {
            u64 lane = 0;
            for (int j = 0; j < 8; j++) lane |= (u64)block[8 * i + j] << (8 * j);
            a[i] ^= lane;
        }
        keccak_f1600(a);
        done += take;
        if (last) break;
    }
    for (int i = 0; i < 32; i++) out[i] = (u8)(a[i / 8] >> (8 * (i % 8)));
}

/* ===================================================================================
 * Formats: body digits (indices into the format's alphabet).
 * =================================================================================== */

enum { FMT_DID_KEY = 0, FMT_SOLANA = 1, FMT_SSH = 2, FMT_SSH_FP = 3, FMT_ONION = 4, FMT_COUNT = 5 };

static const char B58_ALPHABET[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char B64_ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B32_ALPHABET[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char *const ALPHABETS[FMT_COUNT] = {B58_ALPHABET, B58_ALPHABET, B64_ALPHABET, B64_ALPHABET, B32_ALPHABET};
static const int ALPHABET_SIZES[FMT_COUNT] = {58, 58, 64, 64, 32};
#define MAX_BODY 56

/* base58 digits of a big-endian byte string (most significant first); leading zero
 * bytes become leading zero digits ('1'), as in Bitcoin's base58. Returns the count. */
INLINE int base58_digits(u8 *out, const u8 *in, int len)
{
    u32 limb[10];
    int nl = (len + 3) / 4, pad = 4 * nl - len;
    u8 padded[40] = {0};
    memcpy(padded + pad, in, len);
    for (int i = 0; i < nl; i++) limb[i] = load_be32(padded + 4 * i);
    u8 tmp[60];
    int nd = 0, start = 0;
    while (start < nl && limb[start] == 0) start++;
    while (start < nl) {
        u64 rem = 0;
        for (int i = start; i < nl; i++) {
            u64 cur = (rem << 32) | limb[i];
            limb[i] = (u32)(cur / 656356768u);   /* 58^5 */
            rem = cur % 656356768u;
        }
        while (start < nl && limb[start] == 0) start++;
        u32 r = (u32)rem;
        for (int k = 0; k < 5; k++) { tmp[nd++] = (u8)(r % 58); r /= 58; }
    }
    while (nd > 0 && tmp[nd - 1] == 0) nd--;
    int zeros = 0;
    while (zeros < len && in[zeros] == 0) zeros++;
    for (int i = 0; i < zeros; i++) out[i] = 0;
    for (int i = 0; i < nd; i++) out[zeros + i] = tmp[nd - 1 - i];
    return zeros + nd;
}

/* base64 digits of 3n bytes. */
INLINE void base64_digits(u8 *out, const u8 *in, int groups)
{
    for (int g = 0; g < groups; g++) {
        u32 v = ((u32)in[3 * g] << 16) | ((u32)in[3 * g + 1] << 8) | in[3 * g + 2];
        out[4 * g] = (u8)(v >> 18);
        out[4 * g + 1] = (u8)((v >> 12) & 63);
        out[4 * g + 2] = (u8)((v >> 6) & 63);
        out[4 * g + 3] = (u8)(v & 63);
    }
}

/* base32 digits of the first 51 characters of an onion label: the first 255 bits of pk. */
INLINE void onion_head_digits(u8 *out, const u8 pk[32])
{
    for (int g = 0; g < 6; g++) {
        const u8 *p = pk + 5 * g;
        u64 v = ((u64)p[0] << 32) | ((u64)p[1] << 24) | ((u64)p[2] << 16) | ((u64)p[3] << 8) | p[4];
        for (int k = 0; k < 8; k++) out[8 * g + k] = (u8)((v >> (35 - 5 * k)) & 31);
    }
    out[48] = pk[30] >> 3;
    out[49] = (u8)(((pk[30] & 7) << 2) | (pk[31] >> 6));
    out[50] = (pk[31] >> 1) & 31;
}

/* The last five characters, from the last bit of pk, the checksum and the version. */
INLINE void onion_tail_digits(u8 *out, const u8 pk[32], const u8 checksum[2])
{
    /* characters 51..55 are the 25 bits: last bit of pk, checksum (16 bits), version 0x03 */
    u32 v = ((u32)(pk[31] & 1) << 24) | ((u32)checksum[0] << 16) | ((u32)checksum[1] << 8) | 3u;
    for (int k = 0; k < 5; k++) out[51 + k] = (u8)((v >> (20 - 5 * k)) & 31);
}

/* Every body digit of a format except the onion tail; returns the body length. */
INLINE int body_digits(int fmt, u8 *out, const u8 pk[32])
{
    u8 buf[36];
    switch (fmt) {
    case FMT_DID_KEY: {
        u8 digits[50];
        buf[0] = 0xed; buf[1] = 0x01;
        memcpy(buf + 2, pk, 32);
        base58_digits(digits, buf, 34);   /* always 47 digits, the first three "6Mk" */
        memcpy(out, digits + 3, 44);
        return 44;
    }
    case FMT_SOLANA:
        return base58_digits(out, pk, 32);
    case FMT_SSH: {
        u8 digits[44];
        buf[0] = 0x20;                    /* the last byte of the wire header */
        memcpy(buf + 1, pk, 32);
        base64_digits(digits, buf, 11);
        memcpy(out, digits + 1, 43);
        return 43;
    }
    case FMT_SSH_FP: {
        u8 digits[44];
        ssh_fingerprint_digest(buf, pk);
        buf[32] = 0;
        base64_digits(digits, buf, 11);
        memcpy(out, digits, 43);
        return 43;
    }
    default:
        onion_head_digits(out, pk);
        return 56;
    }
}

/* ===================================================================================
 * The pre-check: which parts of a pattern occur in a body (shift-and, every part in
 * one machine word, or two when the parts are longer than 64 characters together).
 * A matcher is a bytes blob built by Python (native/__init__.py):
 *   u64 nparts, u64 starts[2], u64 ends[8][2], u64 masks[64][2]
 * Bit o_p + j of masks[c] is set when digit c may stand at position j of part p, which
 * starts at bit o_p; starts has bit o_p of every part, ends[p] the bit of its last
 * character. After each character, state = ((state << 1) | starts) & masks[c]; a part
 * occurs where its end bit is set.
 * =================================================================================== */

typedef struct {
    int nparts, narrow;
    u128 starts, all_ends;
    u128 masks[64];
    /* onion: what characters 49 and 51..55 may be before the sign of x and the checksum
     * are known (see onion_* below) */
    u128 tail51[2], tail_any, tail54, tail55;
} matcher;

#define MATCHER_BLOB_SIZE (8 * (1 + 2 + 16 + 128))

static u128 blob_u128(const u8 *p)
{
    u64 lo, hi;
    memcpy(&lo, p, 8);
    memcpy(&hi, p + 8, 8);
    return ((u128)hi << 64) | lo;
}

static int matcher_from_blob(matcher *m, const u8 *blob, Py_ssize_t size)
{
    if (size != MATCHER_BLOB_SIZE) return -1;
    u64 n;
    memcpy(&n, blob, 8);
    if (n < 1 || n > 8) return -1;
    m->nparts = (int)n;
    m->starts = blob_u128(blob + 8);
    m->all_ends = 0;
    for (int p = 0; p < 8; p++) m->all_ends |= blob_u128(blob + 24 + 16 * p);
    u128 used = m->starts | m->all_ends;
    for (int c = 0; c < 64; c++) {
        m->masks[c] = blob_u128(blob + 24 + 128 + 16 * c);
        used |= m->masks[c];
    }
    m->narrow = (u64)(used >> 64) == 0;
    m->tail51[0] = m->tail51[1] = m->tail_any = 0;
    for (int c = 0; c < 32; c++) {
        m->tail51[c >> 4] |= m->masks[c];
        m->tail_any |= m->masks[c];
    }
    m->tail54 = m->masks[0] | m->masks[8] | m->masks[16] | m->masks[24];
    m->tail55 = m->masks[3];
    return 0;
}

INLINE int popcount128(u128 x)
{
    return __builtin_popcountll((u64)x) + __builtin_popcountll((u64)(x >> 64));
}

typedef struct { u128 d, found; } scan_state;

/* Continue the shift-and over digits[from..to). */
INLINE void scan(const matcher *m, scan_state *s, const u8 *digits, int from, int to)
{
    if (m->narrow) {
        u64 d = (u64)s->d, found = (u64)s->found;
        const u64 starts = (u64)m->starts, ends = (u64)m->all_ends;
        for (int i = from; i < to; i++) {
            d = ((d << 1) | starts) & (u64)m->masks[digits[i]];
            found |= d & ends;
        }
        s->d = d;
        s->found = found;
    } else {
        u128 d = s->d, found = s->found;
        const u128 starts = m->starts, ends = m->all_ends;
        for (int i = from; i < to; i++) {
            d = ((d << 1) | starts) & m->masks[digits[i]];
            found |= d & ends;
        }
        s->d = d;
        s->found = found;
    }
}

/* The same from position 0 to len for four bodies at once: four independent chains
 * keep the processor busy where one waits on the previous character. */
INLINE void scan4(const matcher *m, scan_state s[4], const u8 (*digits)[MAX_BODY], int len)
{
    if (!m->narrow) {
        for (int j = 0; j < 4; j++) scan(m, &s[j], digits[j], 0, len);
        return;
    }
    const u64 starts = (u64)m->starts, ends = (u64)m->all_ends;
    u64 d0 = 0, d1 = 0, d2 = 0, d3 = 0, f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    for (int i = 0; i < len; i++) {
        d0 = ((d0 << 1) | starts) & (u64)m->masks[digits[0][i]];
        d1 = ((d1 << 1) | starts) & (u64)m->masks[digits[1][i]];
        d2 = ((d2 << 1) | starts) & (u64)m->masks[digits[2][i]];
        d3 = ((d3 << 1) | starts) & (u64)m->masks[digits[3][i]];
        f0 |= d0 & ends; f1 |= d1 & ends; f2 |= d2 & ends; f3 |= d3 & ends;
    }
    s[0] = (scan_state){d0, f0}; s[1] = (scan_state){d1, f1};
    s[2] = (scan_state){d2, f2}; s[3] = (scan_state){d3, f3};
}

/* One step with a set of possible characters (the union of their masks). */
INLINE void scan_set(const matcher *m, scan_state *s, u128 mask)
{
    s->d = ((s->d << 1) | m->starts) & mask;
    s->found |= s->d & m->all_ends;
}

/* ===================================================================================
 * Hits: what goes back to Python.
 * =================================================================================== */

typedef struct {
    /* in */
    int fmt;
    const matcher *m;       /* NULL: every key is a hit (regex mode, tests) */
    int min_parts;          /* a hit holds at least this many parts */
    int tail_min;           /* onion: parts a key must be able to reach for its checksum
                               characters to be worth a SHA3 (min_parts: exact) */
    int include_first;      /* key 0 is a hit whatever it holds */
    /* out */
    Py_ssize_t nhits, cap;
    Py_ssize_t *index;
    u8 *pks;                /* 32 bytes per hit */
    char *bodies;           /* MAX_BODY + 1 per hit: the body, then its length in the last byte */
} hits;

static int hits_reserve(hits *h, Py_ssize_t more)
{
    if (h->nhits + more <= h->cap) return 0;
    Py_ssize_t cap = h->cap ? h->cap : 64;
    while (cap < h->nhits + more) cap *= 2;
    Py_ssize_t *index = realloc(h->index, sizeof(Py_ssize_t) * cap);
    if (!index) return -1;
    h->index = index;
    u8 *pks = realloc(h->pks, 32 * cap);
    if (!pks) return -1;
    h->pks = pks;
    char *bodies = realloc(h->bodies, (MAX_BODY + 1) * cap);
    if (!bodies) return -1;
    h->bodies = bodies;
    h->cap = cap;
    return 0;
}

static void hits_free(hits *h)
{
    free(h->index); free(h->pks); free(h->bodies);
    h->index = NULL; h->pks = NULL; h->bodies = NULL;
}

static void emit(hits *h, Py_ssize_t index, const u8 pk[32], const u8 *digits, int len)
{
    Py_ssize_t k = h->nhits++;
    const char *alphabet = ALPHABETS[h->fmt];
    h->index[k] = index;
    memcpy(h->pks + 32 * k, pk, 32);
    char *body = h->bodies + (MAX_BODY + 1) * k;
    for (int i = 0; i < len; i++) body[i] = alphabet[digits[i]];
    body[MAX_BODY] = (char)len;
}

INLINE int keep_anyway(const hits *h, Py_ssize_t index)
{
    return !h->m || (h->include_first && index == 0);
}

/* ===================================================================================
 * The kernels.
 * =================================================================================== */

typedef struct { int i; int maybe; scan_state s; } pending_key;

typedef struct {
    ge lane[LANES];
    fe z[LANES], zi[LANES], scratch[LANES];
    u8 pk[LANES][32];
    pending_key pending[LANES];
} expanded_work;

typedef struct {
    const char *name;
    void (*seed_keys)(u8 (*pk)[32], const u8 *seeds, int n);                 /* n <= CHUNK */
    void (*scalars_points)(u8 (*pk)[32], const u8 *scalars, int n);          /* n <= CHUNK */
    int (*check_keys)(hits *h, const u8 (*pk)[32], int n, Py_ssize_t base);  /* n <= CHUNK */
    int (*expanded_run)(hits *h, const u8 scalar[32], Py_ssize_t n, expanded_work *w);
} kernel;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(VK_BASELINE_ONLY)
#include <immintrin.h>
#define VK_HAVE_AVX2 1
#define K(name) name##_avx2
#define KTARGET __attribute__((target("avx2,bmi2")))
#define KVEC 4
#define KNAME "avx2"
#include "_kernel.h"
#undef K
#undef KTARGET
#undef KVEC
#undef KNAME
#else
#define VK_HAVE_AVX2 0
#endif

#define K(name) name##_base
#define KTARGET
#define KVEC 2
#define KNAME "baseline"
#include "_kernel.h"
#undef K
#undef KTARGET
#undef KVEC
#undef KNAME

static const kernel *KERNEL = &kernel_base;

static int cpu_has_avx2(void)
{
#if VK_HAVE_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
#else
    return 0;
#endif
}

/* ===================================================================================
 * Python bindings.
 * =================================================================================== */

static PyObject *hits_to_python(hits *h)
{
    PyObject *indices = PyList_New(h->nhits);
    if (!indices) return NULL;
    Py_ssize_t total = 0;
    for (Py_ssize_t k = 0; k < h->nhits; k++) {
        PyObject *value = PyLong_FromSsize_t(h->index[k]);
        if (!value) { Py_DECREF(indices); return NULL; }
        PyList_SET_ITEM(indices, k, value);
        total += (u8)h->bodies[(MAX_BODY + 1) * k + MAX_BODY] + 1;
    }
    PyObject *pks = PyBytes_FromStringAndSize((const char *)h->pks, 32 * h->nhits);
    PyObject *text = PyUnicode_New(total > 0 ? total - 1 : 0, 127);
    if (!pks || !text) { Py_DECREF(indices); Py_XDECREF(pks); Py_XDECREF(text); return NULL; }
    char *out = (char *)PyUnicode_DATA(text);
    for (Py_ssize_t k = 0; k < h->nhits; k++) {
        const char *body = h->bodies + (MAX_BODY + 1) * k;
        int len = (u8)body[MAX_BODY];
        memcpy(out, body, len);
        out += len;
        if (k + 1 < h->nhits) *out++ = '\n';
    }
    return Py_BuildValue("(NNN)", indices, pks, text);
}

static int parse_matcher(PyObject *blob, matcher *m, const matcher **out)
{
    if (blob == Py_None) { *out = NULL; return 0; }
    if (!PyBytes_Check(blob) || matcher_from_blob(m, (const u8 *)PyBytes_AS_STRING(blob), PyBytes_GET_SIZE(blob)) < 0) {
        PyErr_SetString(PyExc_ValueError, "not a matcher blob");
        return -1;
    }
    *out = m;
    return 0;
}

static int check_format(int fmt)
{
    if (fmt < 0 || fmt >= FMT_COUNT) {
        PyErr_SetString(PyExc_ValueError, "unknown format id");
        return -1;
    }
    return 0;
}

/* The keyword arguments seed_batch and expanded_batch share, after their own two. */
#define HIT_OPTION_NAMES "matcher", "min_parts", "include_first", "tail_min_parts", NULL

/* What seed_batch and expanded_batch take alike: min_parts (at least 1), include_first,
 * and tail_min_parts (None or below min_parts: min_parts, exact). -1 with an exception set. */
static int set_hit_options(hits *h, int fmt, int min_parts, int include_first, PyObject *tail)
{
    int tail_min = 0;
    if (tail != Py_None && (tail_min = PyLong_AsLong(tail)) == -1 && PyErr_Occurred()) return -1;
    h->fmt = fmt;
    h->min_parts = min_parts < 1 ? 1 : min_parts;
    h->include_first = include_first;
    h->tail_min = tail == Py_None || tail_min < h->min_parts ? h->min_parts : tail_min;
    return 0;
}

/* The hits as Python objects, or NULL with MemoryError when the run (rc) ran out. */
static PyObject *hits_result(hits *h, int rc)
{
    if (rc < 0) return PyErr_NoMemory();
    return hits_to_python(h);
}

static int seed_batch_run(const kernel *k, hits *h, const u8 *seeds, Py_ssize_t n)
{
    u8 (*pk)[32] = malloc(32 * CHUNK);
    if (!pk) return -1;
    for (Py_ssize_t start = 0; start < n; start += CHUNK) {
        int count = n - start < CHUNK ? (int)(n - start) : CHUNK;
        k->seed_keys(pk, seeds + 32 * start, count);
        if (k->check_keys(h, (const u8 (*)[32])pk, count, start) < 0) { free(pk); return -1; }
    }
    free(pk);
    return 0;
}

/* A clamped scalar (low 3 bits clear, bit 254 set, bit 255 clear) with room for
 * count - 1 steps of 8 below 2^255. */
static int check_expanded_scalar(const u8 *s, Py_ssize_t count)
{
    if ((s[0] & 7) || (s[31] & 0xc0) != 0x40) {
        PyErr_SetString(PyExc_ValueError, "the scalar is not clamped (low 3 bits clear, bit 254 set, bit 255 clear)");
        return -1;
    }
    u8 t[32];
    memcpy(t, s, 32);
    unsigned long long add = 8ULL * (unsigned long long)(count > 0 ? count - 1 : 0);
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        unsigned v = t[i] + (unsigned)(add & 0xff) + carry;
        t[i] = (u8)v;
        carry = v >> 8;
        add >>= 8;
    }
    if (carry || (t[31] & 0x80)) {
        PyErr_SetString(PyExc_ValueError, "the scalar has no room for count steps below 2^255; draw another");
        return -1;
    }
    return 0;
}

/* seed_batch and expanded_batch: the same options and hits, keys made from seeds or
 * (expanded) stepped from one scalar. */
static PyObject *batch(PyObject *args, PyObject *kwargs, int expanded)
{
    static char *seed_names[] = {"fmt", "seeds", HIT_OPTION_NAMES};
    static char *expanded_names[] = {"scalar", "count", HIT_OPTION_NAMES};
    int fmt = FMT_ONION, min_parts = 1, include_first = 0;
    Py_buffer input;                  /* the seeds, or the scalar */
    Py_ssize_t count = 0;
    PyObject *blob, *tail = Py_None;
    matcher m;
    int parsed = expanded ? PyArg_ParseTupleAndKeywords(args, kwargs, "y*nO|ipO", expanded_names, &input, &count,
                                                        &blob, &min_parts, &include_first, &tail)
                          : PyArg_ParseTupleAndKeywords(args, kwargs, "iy*O|ipO", seed_names, &fmt, &input, &blob,
                                                        &min_parts, &include_first, &tail);
    if (!parsed) return NULL;
    hits h = {0};
    PyObject *result = NULL;
    expanded_work *w = NULL;
    if (set_hit_options(&h, fmt, min_parts, include_first, tail) < 0) goto done;
    if (check_format(fmt) < 0 || parse_matcher(blob, &m, &h.m) < 0) goto done;
    if (!expanded) {
        if (input.len % 32) { PyErr_SetString(PyExc_ValueError, "seeds must be 32 bytes each"); goto done; }
    } else {
        if (input.len != 32) { PyErr_SetString(PyExc_ValueError, "the scalar is 32 bytes"); goto done; }
        if (count < 0) { PyErr_SetString(PyExc_ValueError, "count must be >= 0"); goto done; }
        if (check_expanded_scalar((const u8 *)input.buf, count) < 0) goto done;
        static __thread expanded_work *work;   /* one per thread, kept for the next call */
        if (!work) work = aligned_alloc(64, (sizeof(expanded_work) + 63) / 64 * 64);
        if (!(w = work)) { PyErr_NoMemory(); goto done; }
    }
    int rc = 0;
    const kernel *k = KERNEL;
    Py_BEGIN_ALLOW_THREADS
    if (!expanded)
        rc = seed_batch_run(k, &h, (const u8 *)input.buf, input.len / 32);
    else if (count > 0)
        rc = k->expanded_run(&h, (const u8 *)input.buf, count, w);
    Py_END_ALLOW_THREADS
    result = hits_result(&h, rc);
done:
    hits_free(&h);
    PyBuffer_Release(&input);
    return result;
}

PyDoc_STRVAR(seed_batch_doc,
"seed_batch(fmt, seeds, matcher, min_parts=1, include_first=False, tail_min_parts=None)\n"
"    -> (indices, pks, bodies)\n\n"
"Public keys of the 32-byte seeds, encoded in format fmt; returns the keys whose body\n"
"holds at least min_parts parts of the matcher (every key when matcher is None, and\n"
"key 0 when include_first): their indices, their public keys (32 bytes each) and their\n"
"bodies joined by newlines. Onion only: tail_min_parts (default min_parts, exact) is\n"
"what a key whose characters 0..50 hold fewer than min_parts parts must be able to reach\n"
"through the checksum characters for that checksum to be computed and looked at.");

PyDoc_STRVAR(expanded_batch_doc,
"expanded_batch(scalar, count, matcher, min_parts=1, include_first=False, tail_min_parts=None)\n"
"    -> (offsets, pks, bodies)\n\n"
"Onion candidates (a + 8 i) B for i < count, a the clamped 32-byte little-endian scalar;\n"
"returns the offsets i, public keys and bodies of the hits as seed_batch does.");

static PyObject *py_seed_batch(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return batch(args, kwargs, 0);
}

static PyObject *py_expanded_batch(PyObject *self, PyObject *args, PyObject *kwargs)
{
    return batch(args, kwargs, 1);
}

/* public_keys and scalarmult_base: s B compressed for each 32-byte input, s the clamped
 * scalar of a seed (from_seeds) or the input itself, which must then be below 2^255. */
static PyObject *compressed_points(PyObject *arg, int from_seeds)
{
    Py_buffer inputs;
    if (PyObject_GetBuffer(arg, &inputs, PyBUF_SIMPLE) < 0) return NULL;
    const u8 *in = inputs.buf;
    Py_ssize_t n = inputs.len / 32;
    int bad = inputs.len % 32 != 0;
    for (Py_ssize_t i = 0; i < n && !bad && !from_seeds; i++) bad = (in[32 * i + 31] & 0x80) != 0;
    if (bad) {
        PyBuffer_Release(&inputs);
        PyErr_SetString(PyExc_ValueError, from_seeds ? "seeds must be 32 bytes each" : "scalars are 32 bytes each, below 2^255");
        return NULL;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, inputs.len);
    if (out) {
        u8 (*pk)[32] = (u8 (*)[32])PyBytes_AS_STRING(out);
        void (*points)(u8 (*)[32], const u8 *, int) = from_seeds ? KERNEL->seed_keys : KERNEL->scalars_points;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t start = 0; start < n; start += CHUNK)
            points(pk + start, in + 32 * start, n - start < CHUNK ? (int)(n - start) : CHUNK);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&inputs);
    return out;
}

static PyObject *py_public_keys(PyObject *self, PyObject *arg)
{
    return compressed_points(arg, 1);
}

static PyObject *py_scalarmult_base(PyObject *self, PyObject *arg)
{
    return compressed_points(arg, 0);
}

/* Bodies of public keys (32 bytes each), joined by newlines. */
static PyObject *py_bodies(PyObject *self, PyObject *args)
{
    int fmt;
    Py_buffer pks;
    if (!PyArg_ParseTuple(args, "iy*", &fmt, &pks)) return NULL;
    PyObject *result = NULL;
    hits h = {0};
    if (check_format(fmt) < 0) goto done;
    if (pks.len % 32) { PyErr_SetString(PyExc_ValueError, "public keys are 32 bytes each"); goto done; }
    h.fmt = fmt; h.m = NULL; h.min_parts = h.tail_min = 1;
    Py_ssize_t n = pks.len / 32;
    for (Py_ssize_t start = 0; start < n; start += CHUNK) {
        int count = n - start < CHUNK ? (int)(n - start) : CHUNK;
        if (KERNEL->check_keys(&h, (const u8 (*)[32])((const u8 *)pks.buf + 32 * start), count, start) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    result = hits_to_python(&h);
    if (result) {
        PyObject *text = PyTuple_GET_ITEM(result, 2);
        Py_INCREF(text);
        Py_DECREF(result);
        result = text;
    }
done:
    hits_free(&h);
    PyBuffer_Release(&pks);
    return result;
}

/* The shift-and alone on given bodies (newline-separated): indices of the bodies that
 * hold at least min_parts parts. */
static PyObject *py_precheck(PyObject *self, PyObject *args)
{
    int fmt, min_parts = 1;
    PyObject *blob;
    const char *text;
    Py_ssize_t len;
    matcher m;
    const matcher *mp;
    if (!PyArg_ParseTuple(args, "iOs#|i", &fmt, &blob, &text, &len, &min_parts)) return NULL;
    if (check_format(fmt) < 0 || parse_matcher(blob, &m, &mp) < 0) return NULL;
    if (!mp) { PyErr_SetString(PyExc_ValueError, "precheck needs a matcher"); return NULL; }
    int reverse[256];
    for (int i = 0; i < 256; i++) reverse[i] = -1;
    for (int i = 0; i < ALPHABET_SIZES[fmt]; i++) reverse[(u8)ALPHABETS[fmt][i]] = i;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    Py_ssize_t index = 0, pos = 0;
    while (pos <= len) {
        Py_ssize_t end = pos;
        while (end < len && text[end] != '\n') end++;
        if (end - pos > MAX_BODY) { Py_DECREF(out); PyErr_SetString(PyExc_ValueError, "body too long"); return NULL; }
        u8 digits[MAX_BODY];
        for (Py_ssize_t i = pos; i < end; i++) {
            int r = reverse[(u8)text[i]];
            if (r < 0) { Py_DECREF(out); PyErr_SetString(PyExc_ValueError, "character outside the alphabet"); return NULL; }
            digits[i - pos] = (u8)r;
        }
        scan_state s = {0, 0};
        scan(mp, &s, digits, 0, (int)(end - pos));
        if (popcount128(s.found) >= min_parts) {
            PyObject *value = PyLong_FromSsize_t(index);
            if (!value || PyList_Append(out, value) < 0) { Py_XDECREF(value); Py_DECREF(out); return NULL; }
            Py_DECREF(value);
        }
        index++;
        pos = end + 1;
    }
    return out;
}

typedef void (*hash_fn)(u8 *, const u8 *, size_t);

static PyObject *hash_with(PyObject *arg, hash_fn fn, int size)
{
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0) return NULL;
    u8 out[64];
    fn(out, data.buf, data.len);
    PyBuffer_Release(&data);
    return PyBytes_FromStringAndSize((const char *)out, size);
}

static void sha512_fn(u8 *o, const u8 *m, size_t n) { sha512_digest(o, m, n); }
static void sha256_fn(u8 *o, const u8 *m, size_t n) { sha256_digest(o, m, n); }
static void sha3_fn(u8 *o, const u8 *m, size_t n) { sha3_256(o, m, n); }
static PyObject *py_sha512(PyObject *self, PyObject *arg) { return hash_with(arg, sha512_fn, 64); }
static PyObject *py_sha256(PyObject *self, PyObject *arg) { return hash_with(arg, sha256_fn, 32); }
static PyObject *py_sha3_256(PyObject *self, PyObject *arg) { return hash_with(arg, sha3_fn, 32); }

static PyObject *py_info(PyObject *self, PyObject *noargs)
{
    return Py_BuildValue("{s:s,s:i,s:i,s:i,s:i,s:i,s:O}", "kernel", KERNEL->name, "window", W, "windows", WINDOWS,
                         "lanes", LANES, "chunk", CHUNK, "matcher_size", MATCHER_BLOB_SIZE,
                         "avx2", cpu_has_avx2() ? Py_True : Py_False);
}

/* Use the baseline kernel, or the AVX2 one where the CPU has it (for tests). */
static PyObject *py_set_kernel(PyObject *self, PyObject *arg)
{
    const char *name = PyUnicode_AsUTF8(arg);
    if (!name) return NULL;
    if (strcmp(name, "baseline") == 0) {
        KERNEL = &kernel_base;
    }
#if VK_HAVE_AVX2
    else if (strcmp(name, "avx2") == 0 && cpu_has_avx2()) {
        KERNEL = &kernel_avx2;
    }
#endif
    else {
        PyErr_Format(PyExc_ValueError, "kernel %R is not available here", arg);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_kernels(PyObject *self, PyObject *noargs)
{
    if (cpu_has_avx2()) return Py_BuildValue("(ss)", "baseline", "avx2");
    return Py_BuildValue("(s)", "baseline");
}

#if defined(__x86_64__)
#include <x86intrin.h>
/* Development aid: the fewest TSC cycles per key that seed_keys and expanded_run (for
 * the given matcher, or none) took over reps repetitions. */
static PyObject *py_profile(PyObject *self, PyObject *args)
{
    long reps;
    PyObject *blob = Py_None;
    matcher m;
    const matcher *mp;
    if (!PyArg_ParseTuple(args, "l|O", &reps, &blob)) return NULL;
    if (reps <= 0 || parse_matcher(blob, &m, &mp) < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "reps > 0");
        return NULL;
    }
    static u8 seeds[32 * CHUNK], pk[CHUNK][32];
    for (int i = 0; i < 32 * CHUNK; i++) seeds[i] = (u8)(i * 131 + 7);
    u64 best_seed = ~0ULL, best_check = ~0ULL, best_exp = ~0ULL;
    expanded_work *w = aligned_alloc(64, (sizeof(expanded_work) + 63) / 64 * 64);
    hits h = {0};
    h.fmt = FMT_ONION; h.min_parts = h.tail_min = 1; h.m = mp;
    u8 scalar[32];
    memset(scalar, 0x11, 32); scalar[0] = 0x40; scalar[31] = 0x55;
    for (long r = 0; r < reps; r++) {
        u64 t0 = __rdtsc();
        KERNEL->seed_keys(pk, seeds, CHUNK);
        u64 t1 = __rdtsc();
        h.nhits = 0;
        KERNEL->check_keys(&h, (const u8 (*)[32])pk, CHUNK, 1);
        u64 t2 = __rdtsc();
        h.nhits = 0;
        KERNEL->expanded_run(&h, scalar, 16384, w);
        u64 t3 = __rdtsc();
        if (t1 - t0 < best_seed) best_seed = t1 - t0;
        if (t2 - t1 < best_check) best_check = t2 - t1;
        if (t3 - t2 < best_exp) best_exp = t3 - t2;
        seeds[r % (32 * CHUNK)] ^= pk[0][0];
    }
    hits_free(&h);
    free(w);
    return Py_BuildValue("{s:d,s:d,s:d}", "seed_keys", (double)best_seed / CHUNK,
                         "onion_check_keys", (double)best_check / CHUNK, "expanded", (double)best_exp / 16384);
}
#endif

static PyMethodDef methods[] = {
    {"seed_batch", (PyCFunction)(void (*)(void))py_seed_batch, METH_VARARGS | METH_KEYWORDS, seed_batch_doc},
    {"expanded_batch", (PyCFunction)(void (*)(void))py_expanded_batch, METH_VARARGS | METH_KEYWORDS, expanded_batch_doc},
    {"public_keys", py_public_keys, METH_O, "public_keys(seeds) -> the 32-byte public key of each 32-byte seed"},
    {"scalarmult_base", py_scalarmult_base, METH_O, "scalarmult_base(scalars) -> s B for each 32-byte scalar below 2^255 (no clamping)"},
    {"bodies", py_bodies, METH_VARARGS, "bodies(fmt, pks) -> the body of each public key, joined by newlines"},
    {"precheck", py_precheck, METH_VARARGS, "precheck(fmt, matcher, bodies, min_parts=1) -> indices of bodies with >= min_parts parts"},
    {"sha512", py_sha512, METH_O, "SHA-512 (for tests)"},
    {"sha256", py_sha256, METH_O, "SHA-256 (for tests)"},
    {"sha3_256", py_sha3_256, METH_O, "SHA3-256 (for tests)"},
    {"info", py_info, METH_NOARGS, "build parameters and the kernel in use"},
    {"kernels", py_kernels, METH_NOARGS, "the kernels this CPU can run"},
    {"set_kernel", py_set_kernel, METH_O, "set_kernel(name): use that kernel (tests)"},
#if defined(__x86_64__)
    {"_profile", py_profile, METH_VARARGS, "_profile(reps, matcher=None): cycles per key (development aid)"},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_core", "VaniKeys native grinding core (see native/__init__.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void)
{
    static int ready = 0;
    if (!ready) {
        if (init_tables() < 0) return PyErr_NoMemory();
#if VK_HAVE_AVX2
        if (cpu_has_avx2()) KERNEL = &kernel_avx2;
#endif
        ready = 1;
    }
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    PyModule_AddIntConstant(m, "MATCHER_SIZE", MATCHER_BLOB_SIZE);
    PyModule_AddIntConstant(m, "LANES", LANES);
    PyModule_AddIntConstant(m, "CHUNK", CHUNK);
    return m;
}
