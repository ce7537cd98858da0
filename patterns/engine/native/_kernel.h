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

/* Public keys of n <= CHUNK seeds, compressed with one inversion. */
static KTARGET void K(seed_keys)(u8 (*pk)[32], const u8 *seeds, int n)
{
    fe X[CHUNK], Y[CHUNK], Z[CHUNK], zi[CHUNK], scratch[CHUNK];
    for (int i = 0; i < n; i++) {
        u8 scalar[32];
        ge p;
        seed_scalar(scalar, seeds + 32 * i);
        K(scalarmult_base)(&p, scalar);
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

/* s B for n <= CHUNK scalars below 2^255 (no clamping). */
static KTARGET void K(scalars_points)(u8 (*pk)[32], const u8 *scalars, int n)
{
    fe X[CHUNK], Y[CHUNK], Z[CHUNK], zi[CHUNK], scratch[CHUNK];
    for (int i = 0; i < n; i++) {
        ge p;
        K(scalarmult_base)(&p, scalars + 32 * i);
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

/* ---- Onion pre-check -------------------------------------------------------------
 * Characters 0..48 of the label come from y alone, 49 also holds the sign of x, 50 is
 * y again, 51..54 hold the checksum and 55 is always 'd'. A key is decided as far as
 * the characters known allow; the checksum is computed (KVEC keys at a time) only for
 * hits, and for keys that could still become hits through characters 51..55, each of
 * those taken as any character it can be. */

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
    return popcount128(t.found) >= h->min_parts ? 2 : 0;
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
            onion_head_digits(digits, pk[p->i]);
            onion_tail_digits(digits, pk[p->i], checksum[k]);
            if (p->maybe) {
                scan(h->m, &p->s, digits, 51, 56);
                if (popcount128(p->s.found) < h->min_parts) continue;
            }
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
    for (int i = 0; i < n; i++) {
        scan_state s = {0, 0};
        if (m) {
            u8 digits[MAX_BODY];
            onion_head_digits(digits, pk[i]);
            scan(m, &s, digits, 0, 51);
        }
        int verdict = m ? K(onion_verdict)(h, &s, pk[i], base + i) : 1;
        if (verdict) pending[npending++] = (pending_key){i, verdict == 2, s};
    }
    K(onion_finish)(h, pk, pending, npending, base);
    return 0;
}

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

static const kernel K(kernel) = {
    KNAME, K(seed_keys), K(scalars_points), K(check_keys), K(expanded_run),
};

#undef KROL
