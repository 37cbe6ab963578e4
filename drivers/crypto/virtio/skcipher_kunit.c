// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of virtio_crypto_rs's skciphers, driven through the crypto API
 * and compared with the kernel's own (synchronous, software) implementations:
 * random keys, IVs, lengths up to 64 KiB, in place and out of place, chained
 * and misaligned scatterlists, output IV chaining, many requests in flight
 * from several threads, a full queue with and without MAY_BACKLOG, bad keys,
 * and more transforms than the device has sessions.
 *
 * Built as virtio_crypto_rs_kunit.ko; the suites run when it is loaded, with
 * virtio_crypto_rs loaded and bound to a device. An algorithm the device does
 * not offer is skipped.
 */
#include <kunit/test.h>
#include <crypto/skcipher.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "kunit_stats.h"

#define MAX_LEN		65536
#define MAX_SEGS	8

static unsigned int iterations = 2000;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "random cases per algorithm");

struct alg_case {
	const char *ours;	/* our driver name: selects exactly our implementation */
	const char *ref;	/* generic name, allocated synchronous: a software one */
	unsigned int blocksize;	/* length granularity */
	unsigned int min_len;
	unsigned int keys[3];
	bool iv_out;		/* the API defines an output IV for this mode */
};

static const struct alg_case algs[] = {
	{ "virtio-rs-cbc-aes", "cbc(aes)", 16, 0, { 16, 24, 32 }, true },
	{ "virtio-rs-ecb-aes", "ecb(aes)", 16, 0, { 16, 24, 32 }, false },
	{ "virtio-rs-ctr-aes", "ctr(aes)", 1, 0, { 16, 24, 32 }, true },
	/* XTS takes any length from one block on: ciphertext stealing. */
	{ "virtio-rs-xts-aes", "xts(aes)", 1, 16, { 32, 48, 64 }, false },
	{ "virtio-rs-cbc-des3_ede", "cbc(des3_ede)", 8, 0, { 24 }, true },
	{ "virtio-rs-ecb-des3_ede", "ecb(des3_ede)", 8, 0, { 24 }, false },
};

/* The longest request: MAX_LEN, or less on a device with a smaller max_size. */
static unsigned int len_cap = MAX_LEN;

static u32 rnd(u32 n)
{
	return n ? get_random_u32_below(n) : 0;
}

/* A random length: mostly small, sometimes up to 64 KiB. */
static unsigned int random_len(const struct alg_case *a)
{
	unsigned int r = rnd(10), len;

	len = r < 5 ? rnd(512) : r < 8 ? rnd(4096) : rnd(MAX_LEN + 1);
	len = min(len, len_cap);
	len -= len % a->blocksize;
	return max(len, a->min_len);
}

static unsigned int random_key(const struct alg_case *a, u8 *key)
{
	unsigned int n = 0, klen;

	while (n < ARRAY_SIZE(a->keys) && a->keys[n])
		n++;
	klen = a->keys[rnd(n)];
	get_random_bytes(key, klen);
	/* XTS refuses identical key halves; keep them apart. */
	if (strstr(a->ref, "xts"))
		key[klen / 2] ^= key[0] ^ 0x5a;
	return klen;
}

/*
 * A buffer split into 1..MAX_SEGS chunks, each in its own allocation at a
 * random misalignment, chained in one scatterlist.
 */
struct sgbuf {
	struct scatterlist sg[MAX_SEGS];
	u8 *chunk[MAX_SEGS];
	unsigned int nsegs;
};

static int sgbuf_init(struct sgbuf *b, unsigned int len, bool split)
{
	unsigned int left = len, i;

	b->nsegs = split ? 1 + rnd(MAX_SEGS) : 1;
	if (!len)
		b->nsegs = 1;
	sg_init_table(b->sg, b->nsegs);
	for (i = 0; i < b->nsegs; i++) {
		unsigned int seg = i == b->nsegs - 1 ? left : rnd(left + 1);
		unsigned int off = split ? rnd(16) : 0;

		b->chunk[i] = kmalloc(seg + off + 1, GFP_KERNEL);
		if (!b->chunk[i])
			return -ENOMEM;
		sg_set_buf(&b->sg[i], b->chunk[i] + off, seg);
		left -= seg;
	}
	return 0;
}

static void sgbuf_free(struct sgbuf *b)
{
	unsigned int i;

	for (i = 0; i < b->nsegs; i++)
		kfree(b->chunk[i]);
	b->nsegs = 0;
}

static void run_sync(struct kunit *test, struct crypto_skcipher *tfm, bool enc,
		     struct scatterlist *src, struct scatterlist *dst,
		     unsigned int len, u8 *iv, int *err)
{
	struct skcipher_request *req = skcipher_request_alloc(tfm, GFP_KERNEL);
	DECLARE_CRYPTO_WAIT(wait);

	KUNIT_ASSERT_NOT_NULL(test, req);
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	skcipher_request_set_crypt(req, src, dst, len, iv);
	*err = crypto_wait_req(enc ? crypto_skcipher_encrypt(req) :
			       crypto_skcipher_decrypt(req), &wait);
	skcipher_request_free(req);
}

struct pair {
	struct crypto_skcipher *ours, *ref;
	const struct alg_case *a;
};

KUNIT_DEFINE_ACTION_WRAPPER(free_skcipher, crypto_free_skcipher, struct crypto_skcipher *);

/*
 * Allocates our implementation and the reference; false (test skipped) if we
 * lack it. Both are freed by KUnit if an assertion ends the case first (our
 * device can go mid-case, see vcrypto_unplug.sh): a transform left behind
 * would pin our algorithm, its device and the module for good.
 */
static bool pair_get(struct kunit *test, const struct alg_case *a, struct pair *p)
{
	p->a = a;
	p->ours = crypto_alloc_skcipher(a->ours, 0, 0);
	if (IS_ERR(p->ours))
		return false;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_skcipher, p->ours), 0);
	p->ref = crypto_alloc_skcipher(a->ref, 0, CRYPTO_ALG_ASYNC);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p->ref), "no reference %s", a->ref);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_skcipher, p->ref), 0);
	return true;
}

static void pair_put(struct kunit *test, struct pair *p)
{
	kunit_release_action(test, free_skcipher, p->ours);
	kunit_release_action(test, free_skcipher, p->ref);
}

static int copy_sg_to(struct scatterlist *sg, unsigned int len, u8 *out)
{
	return sg_copy_to_buffer(sg, sg_nents(sg), out, len) == len ? 0 : -EIO;
}

/*
 * One random case: the same operation (encryption or decryption, chosen at
 * random) by ours and by the reference, on the same key, IV and input; output
 * and output IV must match.
 */
static void one_case(struct kunit *test, struct pair *p, u8 *input, u8 *expect, u8 *got)
{
	const struct alg_case *a = p->a;
	unsigned int len = random_len(a), ivsize = crypto_skcipher_ivsize(p->ours);
	bool in_place = rnd(2), split = rnd(4) != 0, enc = rnd(2);
	u8 key[64], iv_ref[32], *iv_ours = kunit_kmalloc(test, 32, GFP_KERNEL);
	struct scatterlist ref_sg;
	struct sgbuf src = {}, dst = {};
	unsigned int klen = random_key(a, key);
	struct scatterlist *out;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, iv_ours);
	get_random_bytes(input, len);
	get_random_bytes(iv_ref, sizeof(iv_ref));
	memcpy(iv_ours, iv_ref, sizeof(iv_ref));
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p->ref, key, klen), 0);
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p->ours, key, klen), 0);

	memcpy(expect, input, len);
	sg_init_one(&ref_sg, expect, len);
	run_sync(test, p->ref, enc, &ref_sg, &ref_sg, len, iv_ref, &err);
	KUNIT_ASSERT_EQ(test, err, 0);

	KUNIT_ASSERT_EQ(test, sgbuf_init(&src, len, split), 0);
	sg_copy_from_buffer(src.sg, src.nsegs, input, len);
	if (!in_place)
		KUNIT_ASSERT_EQ(test, sgbuf_init(&dst, len, split), 0);
	out = in_place ? src.sg : dst.sg;
	run_sync(test, p->ours, enc, src.sg, out, len, iv_ours, &err);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s %s len %u", a->ours, enc ? "enc" : "dec", len);
	/*
	 * A failed request (our device went: -ENODEV) has no output to compare, and
	 * KUnit formats a failed memory comparison byte by byte: for up to 64 KiB
	 * that took minutes under TCG and stalled the guest (vcrypto_unplug.sh).
	 */
	if (err)
		goto out;
	KUNIT_ASSERT_EQ(test, copy_sg_to(out, len, got), 0);
	KUNIT_EXPECT_MEMEQ_MSG(test, got, expect, len,
			       "%s %s len %u klen %u in_place %d segs %u", a->ours,
			       enc ? "enc" : "dec", len, klen, in_place, src.nsegs);
	if (a->iv_out)
		KUNIT_EXPECT_MEMEQ_MSG(test, iv_ours, iv_ref, ivsize, "%s %s output IV, len %u",
				       a->ours, enc ? "enc" : "dec", len);
out:
	sgbuf_free(&src);
	sgbuf_free(&dst);
	kunit_kfree(test, iv_ours);
}

static void test_random_vs_reference(struct kunit *test)
{
	u8 *plain = kunit_kmalloc(test, MAX_LEN, GFP_KERNEL);
	u8 *expect = kunit_kmalloc(test, MAX_LEN, GFP_KERNEL);
	u8 *got = kunit_kmalloc(test, MAX_LEN, GFP_KERNEL);
	unsigned int i, k, tested = 0;
	struct pair p;

	KUNIT_ASSERT_TRUE(test, plain && expect && got);
	for (k = 0; k < ARRAY_SIZE(algs); k++) {
		if (!pair_get(test, &algs[k], &p))
			continue;
		for (i = 0; i < iterations; i++)
			one_case(test, &p, plain, expect, got);
		kunit_info(test, "%s: %u random cases against %s\n", algs[k].ours,
			   iterations, crypto_skcipher_driver_name(p.ref));
		pair_put(test, &p);
		tested++;
	}
	if (!tested)
		kunit_skip(test, "no virtio-rs skcipher registered");
}

/* Two consecutive requests, the second starting from the first's output IV, equal one. */
static void test_iv_chaining(struct kunit *test)
{
	static const unsigned int modes[] = { 0, 2 };	/* cbc(aes), ctr(aes) */
	u8 *buf = kunit_kmalloc(test, 8192, GFP_KERNEL);
	u8 *ref = kunit_kmalloc(test, 8192, GFP_KERNEL);
	u8 *iv = kunit_kmalloc(test, 16, GFP_KERNEL);
	unsigned int m, first, tested = 0;
	struct scatterlist sg;
	u8 key[32], iv0[16];
	struct pair p;
	int err;

	KUNIT_ASSERT_TRUE(test, buf && ref && iv);
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		if (!pair_get(test, &algs[modes[m]], &p))
			continue;
		get_random_bytes(key, sizeof(key));
		get_random_bytes(iv0, sizeof(iv0));
		get_random_bytes(buf, 8192);
		memcpy(ref, buf, 8192);
		KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p.ref, key, 32), 0);
		KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p.ours, key, 32), 0);
		memcpy(iv, iv0, 16);
		sg_init_one(&sg, ref, 8192);
		run_sync(test, p.ref, true, &sg, &sg, 8192, iv, &err);
		KUNIT_ASSERT_EQ(test, err, 0);

		first = 16 * (1 + rnd(511));
		memcpy(iv, iv0, 16);
		sg_init_one(&sg, buf, first);
		run_sync(test, p.ours, true, &sg, &sg, first, iv, &err);
		KUNIT_EXPECT_EQ(test, err, 0);
		sg_init_one(&sg, buf + first, 8192 - first);
		run_sync(test, p.ours, true, &sg, &sg, 8192 - first, iv, &err);
		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, buf, ref, 8192, "%s split at %u", p.a->ours, first);
		pair_put(test, &p);
		tested++;
	}
	if (!tested)
		kunit_skip(test, "neither cbc(aes) nor ctr(aes) served");
}

/* Requests submitted without waiting; each one checked when it completes. */
struct async_req {
	struct skcipher_request *req;
	struct scatterlist sg;
	u8 *buf, *expect, *iv;
	unsigned int len;
	int err;
	bool done;
	struct async_batch *batch;
};

struct async_batch {
	atomic_t pending;
	atomic_t completions;
	atomic_t in_progress;	/* -EINPROGRESS notifications after -EBUSY */
	struct completion all_done;
};

static void async_done(void *data, int err)
{
	struct async_req *r = data;

	if (err == -EINPROGRESS) {
		atomic_inc(&r->batch->in_progress);
		return;
	}
	r->err = err;
	r->done = true;
	atomic_inc(&r->batch->completions);
	if (atomic_dec_and_test(&r->batch->pending))
		complete(&r->batch->all_done);
}

/*
 * A batch of n encryptions submitted at once (flags: 0 or MAY_BACKLOG); every
 * accepted one is checked against the reference, and a refused one (-EBUSY
 * without MAY_BACKLOG) must never complete.
 */
struct batch {
	struct kunit *test;
	struct pair *p;
	struct async_req *rs;
	struct async_batch state;
	unsigned int n, busy, refused, accepted;
	u32 flags;
};

static void batch_prepare(struct kunit *test, struct pair *p, struct batch *b,
			  unsigned int n, u32 flags)
{
	unsigned int i;
	u8 key[16];
	int err;

	*b = (struct batch){ .test = test, .p = p, .n = n, .flags = flags };
	b->rs = kvcalloc(n, sizeof(*b->rs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->rs);
	get_random_bytes(key, sizeof(key));
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p->ours, key, 16), 0);
	KUNIT_ASSERT_EQ(test, crypto_skcipher_setkey(p->ref, key, 16), 0);
	atomic_set(&b->state.pending, 1);
	atomic_set(&b->state.completions, 0);
	atomic_set(&b->state.in_progress, 0);
	init_completion(&b->state.all_done);

	for (i = 0; i < n; i++) {
		struct async_req *r = &b->rs[i];
		struct scatterlist sg;
		u8 iv[16];

		/* Large enough that the device, not the submitter, is the bottleneck. */
		r->len = min(16 * (256 + rnd(768)), len_cap & ~15u);
		r->buf = kmalloc(r->len, GFP_KERNEL);
		r->expect = kmalloc(r->len, GFP_KERNEL);
		r->iv = kmalloc(16, GFP_KERNEL);
		r->req = skcipher_request_alloc(p->ours, GFP_KERNEL);
		r->batch = &b->state;
		KUNIT_ASSERT_TRUE(test, r->buf && r->expect && r->iv && r->req);
		get_random_bytes(r->buf, r->len);
		get_random_bytes(r->iv, 16);
		memcpy(r->expect, r->buf, r->len);
		memcpy(iv, r->iv, 16);
		sg_init_one(&sg, r->expect, r->len);
		run_sync(test, p->ref, true, &sg, &sg, r->len, iv, &err);
		KUNIT_ASSERT_EQ(test, err, 0);
		sg_init_one(&r->sg, r->buf, r->len);
		skcipher_request_set_callback(r->req, flags, async_done, r);
		skcipher_request_set_crypt(r->req, &r->sg, &r->sg, r->len, r->iv);
	}
}

/* Submits everything in a tight loop, so the ring fills up. */
static void batch_submit(struct batch *b)
{
	unsigned int i;
	int ret;

	for (i = 0; i < b->n; i++) {
		atomic_inc(&b->state.pending);
		ret = crypto_skcipher_encrypt(b->rs[i].req);
		if (ret == -EBUSY)
			b->busy++;
		if (ret == -EINPROGRESS ||
		    (ret == -EBUSY && (b->flags & CRYPTO_TFM_REQ_MAY_BACKLOG))) {
			b->accepted++;
			continue;
		}
		/* Finished at once, refused, or failed: no callback will come. */
		atomic_dec(&b->state.pending);
		b->rs[i].err = ret;
		if (ret == -EBUSY)
			b->refused++;
		else
			KUNIT_EXPECT_EQ(b->test, ret, 0);
		b->rs[i].done = ret == 0;
	}
}

/* Waits for every accepted request, checks them all; returns the -EBUSY count. */
static unsigned int batch_finish(struct batch *b)
{
	struct kunit *test = b->test;
	unsigned int i;

	if (!atomic_dec_and_test(&b->state.pending))
		KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&b->state.all_done, 60 * HZ),
				    0UL, "%u requests never completed",
				    atomic_read(&b->state.pending));
	KUNIT_EXPECT_EQ(test, (unsigned int)atomic_read(&b->state.completions), b->accepted);
	if (b->flags & CRYPTO_TFM_REQ_MAY_BACKLOG)
		KUNIT_EXPECT_EQ_MSG(test, (unsigned int)atomic_read(&b->state.in_progress), b->busy,
				    "every -EBUSY gets exactly one -EINPROGRESS");
	for (i = 0; i < b->n; i++) {
		struct async_req *r = &b->rs[i];

		if (r->done) {
			KUNIT_EXPECT_EQ(test, r->err, 0);
			KUNIT_EXPECT_MEMEQ(test, r->buf, r->expect, r->len);
		}
		skcipher_request_free(r->req);
		kfree(r->buf);
		kfree(r->expect);
		kfree(r->iv);
	}
	kvfree(b->rs);
	kunit_info(test, "%s: %u requests, %u -EBUSY, %u refused, flags %#x\n",
		   b->p->a->ours, b->n, b->busy, b->refused, b->flags);
	return b->busy;
}

static unsigned int submit_batch(struct kunit *test, struct pair *p, unsigned int n, u32 flags)
{
	struct batch b;

	batch_prepare(test, p, &b, n, flags);
	batch_submit(&b);
	return batch_finish(&b);
}

/*
 * The results are checked either way; but if the device kept up and the ring
 * never filled, the full-queue path was not exercised, and the test says so
 * (skipped) rather than pass.
 */
static void test_full_queue_backlog(struct kunit *test)
{
	unsigned int busy;
	struct pair p;

	if (!pair_get(test, &algs[0], &p))
		kunit_skip(test, "cbc(aes) not served");
	busy = submit_batch(test, &p, 3000, CRYPTO_TFM_REQ_MAY_BACKLOG);
	pair_put(test, &p);
	if (!busy)
		kunit_skip(test, "the device kept up: the ring never filled");
}

/*
 * Requests that may not wait, sent while the queue is saturated by another
 * transform's backlogged flood: they are refused with -EBUSY and never
 * completed; the flood completes in full.
 */
static void test_full_queue_no_backlog(struct kunit *test)
{
	struct batch flood, nb;
	struct pair pf, pn;

	if (!pair_get(test, &algs[0], &pf))
		kunit_skip(test, "cbc(aes) not served");
	KUNIT_ASSERT_TRUE(test, pair_get(test, &algs[0], &pn));
	batch_prepare(test, &pf, &flood, 3000, CRYPTO_TFM_REQ_MAY_BACKLOG);
	batch_prepare(test, &pn, &nb, 1000, 0);
	batch_submit(&flood);
	batch_submit(&nb);
	batch_finish(&flood);
	batch_finish(&nb);
	pair_put(test, &pf);
	pair_put(test, &pn);
	if (!nb.refused)
		kunit_skip(test, "the queue never filled while the requests were sent");
}

struct thread_arg {
	struct kunit *test;
	struct pair *p;
	struct completion done;
};

static int batch_thread(void *data)
{
	struct thread_arg *t = data;

	submit_batch(t->test, t->p, 300, CRYPTO_TFM_REQ_MAY_BACKLOG);
	complete(&t->done);
	return 0;
}

/* Four threads, each with its own transform, with many requests in flight. */
static void test_threads(struct kunit *test)
{
	struct thread_arg args[4];
	struct pair ps[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (!pair_get(test, &algs[0], &ps[i]))
			kunit_skip(test, "cbc(aes) not served");
	}
	for (i = 0; i < 4; i++) {
		args[i].test = test;
		args[i].p = &ps[i];
		init_completion(&args[i].done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(batch_thread, &args[i], "vcrs-kunit/%u", i)));
	}
	for (i = 0; i < 4; i++) {
		wait_for_completion(&args[i].done);
		pair_put(test, &ps[i]);
	}
}

/* Keys of a wrong size are refused with -EINVAL, without reaching the device. */
static void test_bad_key_sizes(struct kunit *test)
{
	static const unsigned int bad[] = { 0, 1, 8, 15, 17, 23, 31, 33, 48, 65 };
	u8 key[80] = {};
	unsigned int k, i, tested = 0;
	struct crypto_skcipher *tfm;

	for (k = 0; k < ARRAY_SIZE(algs); k++) {
		tfm = crypto_alloc_skcipher(algs[k].ours, 0, 0);
		if (IS_ERR(tfm))
			continue;
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			bool valid = bad[i] == algs[k].keys[0] || bad[i] == algs[k].keys[1] ||
				     bad[i] == algs[k].keys[2];

			if (!valid)
				KUNIT_EXPECT_EQ_MSG(test, crypto_skcipher_setkey(tfm, key, bad[i]),
						    -EINVAL, "%s key of %u bytes", algs[k].ours, bad[i]);
		}
		crypto_free_skcipher(tfm);
		tested++;
	}
	if (!tested)
		kunit_skip(test, "no virtio-rs skcipher registered");
}

/* Encrypts len bytes of in with tfm (IV all zero) into out, in place. 0 or -errno. */
static int encrypt_buf(struct kunit *test, struct crypto_skcipher *tfm, const u8 *in,
		       u8 *out, unsigned int len)
{
	struct scatterlist sg;
	u8 iv[16] = {};
	int err;

	memcpy(out, in, len);
	sg_init_one(&sg, out, len);
	run_sync(test, tfm, true, &sg, &sg, len, iv, &err);
	return err;
}

/*
 * More transforms than the device has sessions (QEMU's builtin backend: 256,
 * two per transform; our device: --max-sessions), each with its own key. A
 * device that serves stateless cipher requests keys every one of them (the
 * driver makes the transforms beyond its table stateless) and each encrypts as
 * the generic code does with its key; one that does not fails the ones beyond
 * with a clean error. Once all are freed, new ones get sessions again (nothing
 * leaked).
 */
static void test_session_exhaustion(struct kunit *test)
{
	const unsigned int n = 300, len = 64;
	struct crypto_skcipher **tfms = kunit_kcalloc(test, n, sizeof(*tfms), GFP_KERNEL);
	u8 (*keys)[16] = kunit_kcalloc(test, n, sizeof(*keys), GFP_KERNEL);
	u8 *in = kunit_kmalloc(test, len, GFP_KERNEL), *out = kunit_kmalloc(test, len, GFP_KERNEL);
	u8 *want = kunit_kmalloc(test, len, GFP_KERNEL);
	/* Bit 0: VIRTIO_CRYPTO_SERVICE_CIPHER (-1: no device, or an older driver). */
	long long services = vcrs_stat("stateless_services", true);
	bool stateless = services > 0 && (services & 1);
	unsigned int i, ok = 0, failed = 0, right = 0;
	struct crypto_skcipher *ref;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, tfms);
	KUNIT_ASSERT_NOT_NULL(test, keys);
	KUNIT_ASSERT_NOT_NULL(test, in);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_ASSERT_NOT_NULL(test, want);
	ref = crypto_alloc_skcipher(algs[0].ref, 0, CRYPTO_ALG_ASYNC);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
	get_random_bytes(in, len);
	for (i = 0; i < n; i++) {
		get_random_bytes(keys[i], sizeof(keys[i]));
		tfms[i] = crypto_alloc_skcipher(algs[0].ours, 0, 0);
		if (IS_ERR(tfms[i])) {
			if (i == 0) {
				crypto_free_skcipher(ref);
				kunit_skip(test, "cbc(aes) not served");
			}
			KUNIT_FAIL(test, "tfm %u: %ld", i, PTR_ERR(tfms[i]));
			tfms[i] = NULL;
			continue;
		}
		err = crypto_skcipher_setkey(tfms[i], keys[i], sizeof(keys[i]));
		if (!err) {
			ok++;
			continue;
		}
		failed++;
		KUNIT_EXPECT_TRUE_MSG(test, err == -ENOSPC || err == -EIO, "setkey %u: %d", i, err);
		crypto_free_skcipher(tfms[i]);
		tfms[i] = NULL;
	}
	/* Every keyed transform, all of them alive at once, encrypts with its own key. */
	for (i = 0; i < n; i++) {
		if (!tfms[i])
			continue;
		/* No assertion while the transforms are held: they would never be freed. */
		if (crypto_skcipher_setkey(ref, keys[i], sizeof(keys[i])) ||
		    encrypt_buf(test, ref, in, want, len)) {
			KUNIT_FAIL(test, "the generic %s fails", algs[0].ref);
			break;
		}
		err = encrypt_buf(test, tfms[i], in, out, len);
		if (!err && !memcmp(out, want, len))
			right++;
		else
			KUNIT_FAIL(test, "tfm %u: err %d or a result unlike the generic code's", i, err);
	}
	kunit_info(test, "%u transforms: %u keyed (%u right), %u refused; stateless %s, %lld stateless sessions (%lld after NOSPC)\n",
		   n, ok, right, failed, stateless ? "offered" : "not offered",
		   vcrs_stat("stateless_sessions", false), vcrs_stat("stateless_nospc", false));
	if (stateless)
		KUNIT_EXPECT_EQ_MSG(test, ok, n, "the device serves stateless requests: every transform gets its key");
	for (i = 0; i < n; i++)
		if (tfms[i])
			crypto_free_skcipher(tfms[i]);
	/* Sessions came back: a few new transforms all get keys. */
	for (i = 0; i < 8; i++) {
		tfms[i] = crypto_alloc_skcipher(algs[0].ours, 0, 0);
		if (IS_ERR(tfms[i])) {
			/* No assertion: the ones before would never be freed. */
			KUNIT_FAIL(test, "new tfm %u: %ld", i, PTR_ERR(tfms[i]));
			tfms[i] = NULL;
			continue;
		}
		KUNIT_EXPECT_EQ(test, crypto_skcipher_setkey(tfms[i], keys[i], sizeof(keys[i])), 0);
	}
	for (i = 0; i < 8; i++)
		if (tfms[i])
			crypto_free_skcipher(tfms[i]);
	crypto_free_skcipher(ref);
}

static struct kunit_case vcrs_skcipher_cases[] = {
	KUNIT_CASE_SLOW(test_random_vs_reference),
	KUNIT_CASE(test_iv_chaining),
	KUNIT_CASE_SLOW(test_threads),
	KUNIT_CASE_SLOW(test_full_queue_no_backlog),
	KUNIT_CASE_SLOW(test_full_queue_backlog),
	KUNIT_CASE(test_bad_key_sizes),
	KUNIT_CASE_SLOW(test_session_exhaustion),
	{}
};

/*
 * A device with a small max_size takes no longer request (ciphers have no
 * fallback): IV, source and destination count against it.
 */
static int vcrs_skcipher_suite_init(struct kunit_suite *suite)
{
	long long max = vcrs_stat("max_size", true);

	if (max > 0 && (max - 16) / 2 < MAX_LEN)
		len_cap = max > 16 ? (max - 16) / 2 : 0;
	return 0;
}

/*
 * Fault mode (the ahash and aead fault suites, see kunit_stats.h): the device
 * fails some requests, so the ordinary cases are skipped.
 */
static int vcrs_skcipher_case_init(struct kunit *test)
{
	if (fault_every)
		kunit_skip(test, "fault mode (fault_every=%u)", fault_every);
	return 0;
}

static struct kunit_suite vcrs_skcipher_suite = {
	.name = "virtio_crypto_rs_skcipher",
	.suite_init = vcrs_skcipher_suite_init,
	.init = vcrs_skcipher_case_init,
	.test_cases = vcrs_skcipher_cases,
};
kunit_test_suite(vcrs_skcipher_suite);

MODULE_DESCRIPTION("KUnit tests of virtio_crypto_rs's skcipher algorithms");
MODULE_LICENSE("GPL");
