/*
 * The hot paths of the native core, included by _core.c once per instruction set:
 *   K(name)  the name of a function in this copy (name_avx2, name_base)
 *   KTARGET  the target attribute of the copy's entry points
 *   KVEC     64-bit lanes per vector (4 with AVX2, 2 with SSE2)
 * Everything else (field and point arithmetic, hashes, encoders) is inlined from
 * _core.c and so compiled for the same instruction set.
 */

typedef u64 K(vec) __attribute__((vector_size(8 * KVEC)));

/* t = digit * 2^(W i) * B from the row of window i, in constant time: every entry is
 * read, masked with all-ones (the wanted one) or zero, and or-ed in. */
INLINE void K(select_niels)(niels *t, const niels row[ENTRIES], int digit)
{
    u64 neg = (u64)(digit >> 31) & 1;                 /* digit < 0 */
    u64 babs = (u64)(digit ^ -(int)neg) + neg;        /* |digit| */
    u64 one = value_barrier(-(u64)((babs - 1) >> 63)) & 1;   /* identity (1, 1, 0) for 0 */
    K(vec) acc[16 / KVEC];
    for (int j = 0; j < 16 / KVEC; j++) acc[j] = (K(vec)){0};
    for (int k = 0; k < ENTRIES; k++) {
        u64 mask = value_barrier(-(u64)(((babs ^ (u64)(k + 1)) - 1) >> 63));
        K(vec) m = (K(vec)){0} + mask;
        const K(vec) *w = (const K(vec) *)&row[k];
        for (int j = 0; j < 16 / KVEC; j++) acc[j] |= w[j] & m;
    }
    u64 words[16];
    memcpy(words, acc, sizeof(words));
    words[0] |= one;
    words[5] |= one;
    /* a negative digit: swap y+x and y-x, negate 2dxy */
    u64 nmask = value_barrier(-neg);
    for (int j = 0; j < 5; j++) {
        u64 d = (words[j] ^ words[5 + j]) & nmask;
        words[j] ^= d;
        words[5 + j] ^= d;
    }
    fe xy2d, negxy;
    memcpy(&xy2d, words + 10, sizeof(fe));
    fe_neg(&negxy, &xy2d);
    for (int j = 0; j < 5; j++) words[10 + j] = (xy2d.v[j] & ~nmask) | (negxy.v[j] & nmask);
    memcpy(t->ypx.v, words, 40);
    memcpy(t->ymx.v, words + 5, 40);
    memcpy(t->xy2d.v, words + 10, 40);
}

/* r = s B for a scalar s below 2^255, in constant time. The first window's point is
 * taken over directly: (X, Y, Z, T) = (ypx - ymx, ypx + ymx, 2, xy2d / d). */
INLINE void K(scalarmult_base)(ge *r, const u8 s[32])
{
    int e[WINDOWS];
    niels t;
    recode(e, s);
    K(select_niels)(&t, TABLE[0], e[0]);
    fe_sub(&r->X, &t.ypx, &t.ymx);
    fe_reduce_weak(&r->X);
    fe_add(&r->Y, &t.ypx, &t.ymx);
    fe_reduce_weak(&r->Y);
    r->Z = (fe){{2, 0, 0, 0, 0}};
    fe_mul(&r->T, &t.xy2d, &fe_inv_d);
    for (int i = 1; i < WINDOWS; i++) {
        K(select_niels)(&t, TABLE[i], e[i]);
        ge_madd(r, r, &t);
    }
}

/* s B compressed for n <= CHUNK 32-byte inputs with one inversion: s is the clamped
 * SHA-512 scalar of a seed (from_seeds, a constant in both callers) or the input itself,
 * a scalar below 2^255 (no clamping). */
INLINE void K(compressed_points)(u8 (*pk)[32], const u8 *in, int n, int from_seeds)
{
    fe X[CHUNK], Y[CHUNK], Z[CHUNK], zi[CHUNK], scratch[CHUNK];
    for (int i = 0; i < n; i++) {
        u8 scalar[32];
        ge p;
        if (from_seeds) seed_scalar(scalar, in + 32 * i);
        K(scalarmult_base)(&p, from_seeds ? scalar : in + 32 * i);
        X[i] = p.X; Y[i] = p.Y; Z[i] = p.Z;
    }
    fe_batch_invert(zi, Z, scratch, n);
    for (int i = 0; i < n; i++) {
        fe x, y;
        fe_mul(&x, &X[i], &zi[i]);
        fe_mul(&y, &Y[i], &zi[i]);
        ge_pack(pk[i], &x, &y);
    }
}

/* Public keys of n <= CHUNK seeds. */
static KTARGET void K(seed_keys)(u8 (*pk)[32], const u8 *seeds, int n)
{
    K(compressed_points)(pk, seeds, n, 1);
}

/* s B for n <= CHUNK scalars below 2^255. */
static KTARGET void K(scalars_points)(u8 (*pk)[32], const u8 *scalars, int n)
{
    K(compressed_points)(pk, scalars, n, 0);
}

/* ---- Onion checksums: Keccak-f[1600] on KVEC states at once ----------------------- */

#define KROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

INLINE void K(keccak_round)(const K(vec) A[25], K(vec) E[25], int round)
{
    K(vec) c0 = A[0] ^ A[5] ^ A[10] ^ A[15] ^ A[20];
    K(vec) c1 = A[1] ^ A[6] ^ A[11] ^ A[16] ^ A[21];
    K(vec) c2 = A[2] ^ A[7] ^ A[12] ^ A[17] ^ A[22];
    K(vec) c3 = A[3] ^ A[8] ^ A[13] ^ A[18] ^ A[23];
    K(vec) c4 = A[4] ^ A[9] ^ A[14] ^ A[19] ^ A[24];
    K(vec) d0 = c4 ^ KROL(c1, 1), d1 = c0 ^ KROL(c2, 1), d2 = c1 ^ KROL(c3, 1);
    K(vec) d3 = c2 ^ KROL(c4, 1), d4 = c3 ^ KROL(c0, 1);
    K(vec) b0, b1, b2, b3, b4;
    KECCAK_RHO_PI_CHI(KROL, A, E)
    E[0] ^= KECCAK_RC[round];
}

INLINE void K(keccak)(K(vec) a[25])
{
    K(vec) e[25];
    for (int round = 0; round < 24; round += 2) {
        K(keccak_round)(a, e, round);
        K(keccak_round)(e, a, round + 1);
    }
}

/* SHA3-256(".onion checksum" || pk || 0x03)[:2] of KVEC keys: one block each. */
INLINE void K(onion_checksums)(u8 out[KVEC][2], const u8 *pks[KVEC])
{
    static const u8 prefix[15] = {'.', 'o', 'n', 'i', 'o', 'n', ' ', 'c', 'h', 'e', 'c', 'k', 's', 'u', 'm'};
    K(vec) a[25];
    for (int i = 0; i < 25; i++) a[i] = (K(vec)){0};
    for (int j = 0; j < KVEC; j++) {
        u8 msg[48];
        memcpy(msg, prefix, 15);
        memcpy(msg + 15, pks[j], 32);
        msg[47] = 3;
        for (int i = 0; i < 6; i++) {
            u64 lane = 0;
            for (int k = 0; k < 8; k++) lane |= (u64)msg[8 * i + k] << (8 * k);
            a[i][j] = lane;
        }
        a[6][j] = 0x06;                   /* SHA3 domain bits and the first padding bit */
        a[16][j] = 0x8000000000000000ULL; /* the last padding bit, byte 135 of the rate */
    }
    K(keccak)(a);
    for (int j = 0; j < KVEC; j++) {
        out[j][0] = (u8)a[0][j];
        out[j][1] = (u8)(a[0][j] >> 8);
    }
}

/* The first 51 base32 digits of an onion label (the first 255 bits of pk). */
#if KVEC == 4
INLINE KTARGET void K(onion_head_digits)(u8 *out, const u8 pk[32])
{
    /* each 5-byte group is 8 digits: spread its 40 bits over 8 bytes (pdep), most
     * significant digit first (byte swap) */
    u8 buf[40];
    memcpy(buf, pk, 32);
    memset(buf + 32, 0, 8);
    for (int g = 0; g < 6; g++) {
        u64 word;
        memcpy(&word, buf + 5 * g, 8);
        u64 v = __builtin_bswap64(word) >> 24;
        u64 spread = __builtin_bswap64(_pdep_u64(v, 0x1f1f1f1f1f1f1f1fULL));
        memcpy(out + 8 * g, &spread, 8);
    }
    out[48] = pk[30] >> 3;
    out[49] = (u8)(((pk[30] & 7) << 2) | (pk[31] >> 6));
    out[50] = (pk[31] >> 1) & 31;
}
#else
#define onion_head_digits_base onion_head_digits
#endif

/* ---- Onion pre-check -------------------------------------------------------------
 * Characters 0..48 of the label come from y alone, 49 also holds the sign of x, 50 is
 * y again, 51..54 hold the checksum and 55 is always 'd'. A key is decided as far as
 * the characters known allow; the checksum is computed (KVEC keys at a time) only for
 * hits, and for keys that could still reach tail_min parts through characters 51..55,
 * each of those taken as any character it can be (tail_min = min_parts is exact; the
 * grinder asks for one more in expanded mode, see grind.py). */

/* After the exact characters 0..50 (state s): hit, maybe, or out. */
INLINE int K(onion_verdict)(const hits *h, const scan_state *s, const u8 pk[32], Py_ssize_t index)
{
    const matcher *m = h->m;
    if (keep_anyway(h, index) || popcount128(s->found) >= h->min_parts) return 1;
    scan_state t = *s;
    scan_set(m, &t, m->tail51[pk[31] & 1]);
    scan_set(m, &t, m->tail_any);
    scan_set(m, &t, m->tail_any);
    scan_set(m, &t, m->tail54);
    scan_set(m, &t, m->tail55);
    return popcount128(t.found) >= h->tail_min ? 2 : 0;
}

/* Checksums of the pending keys, then the exact verdict and the hits. */
static KTARGET void K(onion_finish)(hits *h, const u8 (*pk)[32], pending_key *pending, int npending, Py_ssize_t base)
{
    for (int j = 0; j < npending; j += KVEC) {
        const u8 *group[KVEC];
        u8 checksum[KVEC][2];
        int count = npending - j < KVEC ? npending - j : KVEC;
        for (int k = 0; k < KVEC; k++) group[k] = pk[pending[j + (k < count ? k : 0)].i];
        K(onion_checksums)(checksum, group);
        for (int k = 0; k < count; k++) {
            pending_key *p = &pending[j + k];
            u8 digits[MAX_BODY];
            onion_tail_digits(digits, pk[p->i], checksum[k]);
            if (p->maybe) {
                scan(h->m, &p->s, digits, 51, 56);
                if (popcount128(p->s.found) < h->min_parts) continue;
            }
            K(onion_head_digits)(digits, pk[p->i]);
            emit(h, base + p->i, pk[p->i], digits, 56);
        }
    }
}

/* Encode and pre-check n <= max(CHUNK, LANES) public keys with indices base + i;
 * -1 when out of memory. */
static KTARGET int K(check_keys)(hits *h, const u8 (*pk)[32], int n, Py_ssize_t base)
{
    if (hits_reserve(h, n) < 0) return -1;
    const matcher *m = h->m;
    const int fmt = h->fmt;
    if (fmt != FMT_ONION) {
        for (int i = 0; i < n; i++) {
            u8 digits[MAX_BODY];
            int len = body_digits(fmt, digits, pk[i]);
            int keep = keep_anyway(h, base + i);
            if (!keep) {
                scan_state s = {0, 0};
                scan(m, &s, digits, 0, len);
                keep = popcount128(s.found) >= h->min_parts;
            }
            if (keep) emit(h, base + i, pk[i], digits, len);
        }
        return 0;
    }
    pending_key pending[CHUNK > LANES ? CHUNK : LANES];
    int npending = 0;
    for (int i = 0; i < n; i += 4) {
        int count = n - i < 4 ? n - i : 4;
        scan_state s[4] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
        if (m) {
            u8 digits[4][MAX_BODY];
            for (int j = 0; j < 4; j++) K(onion_head_digits)(digits[j], pk[i + (j < count ? j : 0)]);
            scan4(m, s, (const u8 (*)[MAX_BODY])digits, 51);
        }
        for (int j = 0; j < count; j++) {
            int verdict = m ? K(onion_verdict)(h, &s[j], pk[i + j], base + i + j) : 1;
            if (verdict) pending[npending++] = (pending_key){i + j, verdict == 2, s[j]};
        }
    }
    K(onion_finish)(h, pk, pending, npending, base);
    return 0;
}


#if KVEC == 4
/* ---- Expanded mode, four lanes per vector ------------------------------------------
 * Every lane adds the same point, so the field arithmetic runs four candidates at once
 * in AVX2: radix 2^25.5 (ten limbs, 26 and 25 bits alternately, limb i at bit
 * ceil(25.5 i)), one limb of each of four field elements per 256-bit vector, products by
 * vpmuludq (32 x 32 -> 64 bits). Limb i times limb j lands on limb i + j, doubled when
 * both are odd (their offsets add up to one bit more), times 19 past limb 9 (2^255 = 19).
 * Bounds: the first factor of a product has limbs below 2^28.5, the second below 2^26.5
 * (19 times it fits 32 bits); ten products then sum below 2^63. Sums and differences are
 * loose and only ever used as first factors, or carried first. */

typedef struct { __m256i v[10]; } fe4;
typedef struct { fe4 X, Y, Z, T; } ge4;
typedef struct { fe4 ypx, ymx, xy2d; } niels4;

#define KINLINE INLINE KTARGET

KINLINE void fe4_add(fe4 *h, const fe4 *f, const fe4 *g)
{
    for (int i = 0; i < 10; i++) h->v[i] = _mm256_add_epi64(f->v[i], g->v[i]);
}

/* f - g + 2p; g carried (limbs at most 2^26 + a little). */
KINLINE void fe4_sub(fe4 *h, const fe4 *f, const fe4 *g)
{
    const __m256i p0 = _mm256_set1_epi64x((1LL << 27) - 38);
    const __m256i even = _mm256_set1_epi64x((1LL << 27) - 2), odd = _mm256_set1_epi64x((1LL << 26) - 2);
    h->v[0] = _mm256_sub_epi64(_mm256_add_epi64(f->v[0], p0), g->v[0]);
    for (int i = 1; i < 10; i++)
        h->v[i] = _mm256_sub_epi64(_mm256_add_epi64(f->v[i], (i & 1) ? odd : even), g->v[i]);
}

/* Carry every limb into the next (limb 9 into limb 0 times 19). */
KINLINE void fe4_carry(fe4 *h)
{
    const __m256i m26 = _mm256_set1_epi64x((1LL << 26) - 1), m25 = _mm256_set1_epi64x((1LL << 25) - 1);
    __m256i *v = h->v, c;
#define CARRY4(i)                                                                        \
    do {                                                                                 \
        c = _mm256_srli_epi64(v[i], (i & 1) ? 25 : 26);                                  \
        v[i] = _mm256_and_si256(v[i], (i & 1) ? m25 : m26);                              \
        v[(i) + 1] = _mm256_add_epi64(v[(i) + 1], c);                                    \
    } while (0)
    CARRY4(0); CARRY4(4); CARRY4(1); CARRY4(5); CARRY4(2); CARRY4(6); CARRY4(3); CARRY4(7);
    CARRY4(4); CARRY4(8);
    c = _mm256_srli_epi64(v[9], 25);
    v[9] = _mm256_and_si256(v[9], m25);
    /* 19 c = 16 c + 2 c + c */
    c = _mm256_add_epi64(_mm256_add_epi64(_mm256_slli_epi64(c, 4), _mm256_slli_epi64(c, 1)), c);
    v[0] = _mm256_add_epi64(v[0], c);
    CARRY4(0);
#undef CARRY4
}

KINLINE void fe4_mul(fe4 *h, const fe4 *f, const fe4 *g)
{
    const __m256i nineteen = _mm256_set1_epi64x(19);
    __m256i g19[10], f2[10], t[10];
    for (int j = 1; j < 10; j++) g19[j] = _mm256_mul_epu32(g->v[j], nineteen);
    for (int i = 0; i < 10; i++) f2[i] = (i & 1) ? _mm256_add_epi64(f->v[i], f->v[i]) : f->v[i];
#pragma GCC unroll 10
    for (int k = 0; k < 10; k++) {
        __m256i acc = _mm256_setzero_si256();
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) {
            int j = k - i;
            const __m256i a = (k & 1) ? f->v[i] : f2[i];
            const __m256i b = j >= 0 ? g->v[j] : g19[j + 10];
            acc = _mm256_add_epi64(acc, _mm256_mul_epu32(a, b));
        }
        t[k] = acc;
    }
    memcpy(h->v, t, sizeof(t));
    fe4_carry(h);
}

/* Squaring: each pair of limbs once, doubled (55 products instead of 100). */
KINLINE void fe4_sq(fe4 *h, const fe4 *f)
{
    const __m256i nineteen = _mm256_set1_epi64x(19);
    __m256i f2[10], f4[10], f19[10], t[10];
    for (int i = 0; i < 10; i++) {
        f2[i] = _mm256_add_epi64(f->v[i], f->v[i]);
        f4[i] = _mm256_add_epi64(f2[i], f2[i]);
        f19[i] = _mm256_mul_epu32(f->v[i], nineteen);
    }
#pragma GCC unroll 10
    for (int k = 0; k < 10; k++) {
        __m256i acc = _mm256_setzero_si256();
#pragma GCC unroll 10
        for (int i = 0; i < 10; i++) {
            int j = k - i, wrap = j < 0;
            if (wrap) j += 10;
            if (i > j) continue;
            /* coefficient: 2 for a pair of different limbs, 2 more when both are odd */
            int c = (i < j ? 2 : 1) * ((i & 1) && (j & 1) ? 2 : 1);
            const __m256i a = c == 1 ? f->v[i] : c == 2 ? f2[i] : f4[i];
            const __m256i b = wrap ? f19[j] : f->v[j];
            acc = _mm256_add_epi64(acc, _mm256_mul_epu32(a, b));
        }
        t[k] = acc;
    }
    memcpy(h->v, t, sizeof(t));
    fe4_carry(h);
}

/* ge4_madd: r = p + q, q the same affine point in every lane (7 multiplications). F and H
 * are carried: a sum or difference is too large for a second factor of fe4_mul. */
DEFINE_GE_ADDITION(KINLINE, ge4, niels4, fe4, fe4_add, fe4_sub, fe4_mul, fe4_carry)

/* A radix-2^51 element (limbs below 2^51) as limbs of lane j. */
KINLINE void fe4_set_lane(fe4 *h, int j, const fe *f)
{
    u64 limbs[10];
    for (int i = 0; i < 5; i++) {
        limbs[2 * i] = f->v[i] & ((1ULL << 26) - 1);
        limbs[2 * i + 1] = f->v[i] >> 26;
    }
    for (int i = 0; i < 10; i++) {
        u64 lanes[4];
        memcpy(lanes, &h->v[i], 32);
        lanes[j] = limbs[i];
        memcpy(&h->v[i], lanes, 32);
    }
}

/* Lane j of a carried element back in radix 2^51 (limbs loose, for fe_tobytes). */
KINLINE void fe4_get_lanes(fe out[4], const fe4 *h)
{
    u64 limbs[10][4];
    memcpy(limbs, h->v, sizeof(limbs));
    for (int j = 0; j < 4; j++)
        for (int i = 0; i < 5; i++) out[j].v[i] = limbs[2 * i][j] + (limbs[2 * i + 1][j] << 26);
}

KINLINE void fe4_broadcast(fe4 *h, const fe *f)
{
    memset(h, 0, sizeof(*h));
    fe copy = *f;
    fe_reduce_weak(&copy);
    for (int j = 0; j < 4; j++) fe4_set_lane(h, j, &copy);
}

typedef struct {
    ge4 lane[LANES / 4];
    fe4 zi[LANES / 4];
} expanded_work4;

/* zi[g] = 1 / lane[g].Z for g < n, one inversion for all (Montgomery's trick); zi first
 * holds the running products and is overwritten from the top down as they are used. The
 * inversion itself is fe_batch_invert's on the four lanes of the product (the radix-2^51
 * code, which runs once per LANES keys: a vector copy of its addition chain gains nothing). */
static KTARGET void fe4_batch_invert_z(fe4 *zi, const ge4 *lane, int n)
{
    fe4 acc = lane[0].Z, inv, t;
    fe lanes[4], inverses[4], scratch[4];
    zi[0] = acc;
    for (int i = 1; i < n; i++) {
        fe4_mul(&acc, &acc, &lane[i].Z);
        zi[i] = acc;
    }
    fe4_get_lanes(lanes, &acc);
    fe_batch_invert(inverses, lanes, scratch, 4);
    memset(&inv, 0, sizeof(inv));
    for (int j = 0; j < 4; j++) {
        fe_reduce_weak(&inverses[j]);
        fe4_set_lane(&inv, j, &inverses[j]);
    }
    for (int i = n - 1; i > 0; i--) {
        fe4_mul(&t, &inv, &zi[i - 1]);
        fe4_mul(&inv, &inv, &lane[i].Z);
        zi[i] = t;
    }
    zi[0] = inv;
}

static KTARGET int K(expanded_run)(hits *h, const u8 scalar[32], Py_ssize_t n, expanded_work *w)
{
    static __thread expanded_work4 *v;   /* one per thread, kept for the next call */
    if (!v && !(v = aligned_alloc(64, (sizeof(expanded_work4) + 63) / 64 * 64))) return -1;
    /* lanes 0..3 from a B by steps of 8B, then each group of four from the previous by 32B */
    ge p;
    K(scalarmult_base)(&p, scalar);
    w->lane[0] = p;
    for (int l = 1; l < 4; l++) ge_madd(&w->lane[l], &w->lane[l - 1], &STEP8);
    memset(&v->lane[0], 0, sizeof(ge4));
    for (int l = 0; l < 4; l++) {
        ge *q = &w->lane[l];
        fe_reduce_weak(&q->X); fe_reduce_weak(&q->Y); fe_reduce_weak(&q->Z); fe_reduce_weak(&q->T);
        fe4_set_lane(&v->lane[0].X, l, &q->X);
        fe4_set_lane(&v->lane[0].Y, l, &q->Y);
        fe4_set_lane(&v->lane[0].Z, l, &q->Z);
        fe4_set_lane(&v->lane[0].T, l, &q->T);
    }
    niels4 step, step32;
    fe4_broadcast(&step32.ypx, &STEP32.ypx);
    fe4_broadcast(&step32.ymx, &STEP32.ymx);
    fe4_broadcast(&step32.xy2d, &STEP32.xy2d);
    int first_groups = n < LANES ? (int)((n + 3) / 4) : LANES / 4;
    for (int g = 1; g < first_groups; g++) ge4_madd(&v->lane[g], &v->lane[g - 1], &step32);
    fe4_broadcast(&step.ypx, &STEP8_LANES.ypx);
    fe4_broadcast(&step.ymx, &STEP8_LANES.ymx);
    fe4_broadcast(&step.xy2d, &STEP8_LANES.xy2d);
    int rc = 0;
    for (Py_ssize_t start = 0; start < n && rc == 0; start += LANES) {
        int count = n - start < LANES ? (int)(n - start) : LANES;
        int groups = (count + 3) / 4;
        if (start > 0)
            for (int g = 0; g < groups; g++) ge4_madd(&v->lane[g], &v->lane[g], &step);
        fe4_batch_invert_z(v->zi, v->lane, groups);
        for (int g = 0; g < groups; g++) {
            fe4 x4, y4;
            fe xs[4], ys[4];
            fe4_mul(&x4, &v->lane[g].X, &v->zi[g]);
            fe4_mul(&y4, &v->lane[g].Y, &v->zi[g]);
            fe4_get_lanes(xs, &x4);
            fe4_get_lanes(ys, &y4);
            for (int j = 0; j < 4 && 4 * g + j < count; j++) ge_pack(w->pk[4 * g + j], &xs[j], &ys[j]);
        }
        rc = K(check_keys)(h, (const u8 (*)[32])w->pk, count, start);
    }
    return rc;
}

#else
/* Expanded mode: candidates (a + 8 i) B for i < n, LANES side by side. Lane l holds
 * (a + 8 (LANES r + l)) B in round r and then adds 8 LANES B. Compression needs y for
 * every candidate but x (for its sign) only when the characters from y leave the key
 * undecided. */
static KTARGET int K(expanded_run)(hits *h, const u8 scalar[32], Py_ssize_t n, expanded_work *w)
{
    const matcher *m = h->m;
    ge p;
    K(scalarmult_base)(&p, scalar);
    int first = n < LANES ? (int)n : LANES;
    w->lane[0] = p;
    for (int l = 1; l < first; l++) ge_madd(&w->lane[l], &w->lane[l - 1], &STEP8);
    for (Py_ssize_t start = 0; start < n; start += LANES) {
        int count = n - start < LANES ? (int)(n - start) : LANES;
        if (hits_reserve(h, count) < 0) return -1;
        if (start > 0)
            for (int l = 0; l < count; l++) ge_madd(&w->lane[l], &w->lane[l], &STEP8_LANES);
        for (int l = 0; l < count; l++) w->z[l] = w->lane[l].Z;
        fe_batch_invert(w->zi, w->z, w->scratch, count);
        int npending = 0;
        for (int l = 0; l < count; l++) {
            fe y;
            fe_mul(&y, &w->lane[l].Y, &w->zi[l]);
            fe_tobytes(w->pk[l], &y);     /* the sign of x is still 0 here */
            scan_state s = {0, 0};
            int decide = 1;
            u8 digits[MAX_BODY];
            if (m) {
                onion_head_digits(digits, w->pk[l]);
                scan(m, &s, digits, 0, 49);
                if (!keep_anyway(h, start + l) && popcount128(s.found) < h->min_parts) {
                    /* character 49 as either sign of x; 50 is known; the tail as above */
                    scan_state t = s;
                    scan_set(m, &t, m->masks[digits[49]] | m->masks[digits[49] | 2]);
                    scan(m, &t, digits, 50, 51);
                    decide = K(onion_verdict)(h, &t, w->pk[l], start + l) != 0;
                }
            }
            if (!decide) continue;
            fe x;
            u8 xb[32];
            fe_mul(&x, &w->lane[l].X, &w->zi[l]);
            fe_tobytes(xb, &x);
            w->pk[l][31] |= (u8)((xb[0] & 1) << 7);
            if (m) {
                onion_head_digits(digits, w->pk[l]);
                scan(m, &s, digits, 49, 51);
            }
            int verdict = m ? K(onion_verdict)(h, &s, w->pk[l], start + l) : 1;
            if (verdict) w->pending[npending++] = (pending_key){l, verdict == 2, s};
        }
        K(onion_finish)(h, (const u8 (*)[32])w->pk, w->pending, npending, start);
    }
    return 0;
}

#endif

static const kernel K(kernel) = {
    KNAME, K(seed_keys), K(scalars_points), K(check_keys), K(expanded_run),
};

#undef KROL
