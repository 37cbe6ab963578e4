// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of virtio_crypto_rs's hashes and MACs, driven through the ahash
 * API and compared with the kernel's own synchronous software implementation
 * of the same algorithm (an shash, which never is ours): random messages up
 * to 1 MiB in random scatterlist splits, digest vs init/update.../final vs
 * finup, export in mid-message and import into another transform's request
 * (and into the software implementation the ahash core picks as our fallback,
 * whose state ours is), hundreds of requests in flight over
 * several transforms (so over several data queues), bad keys, long and empty
 * HMAC keys, and messages longer than a small device max_size.
 *
 * An algorithm the device does not serve is skipped.
 */
#include <kunit/test.h>
#include <crypto/hash.h>
#include <crypto/internal/hash.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "kunit_stats.h"

#define H_MAX_LEN	(1024 * 1024)
#define H_MAX_SEGS	8
#define GUARD		16

static unsigned int hash_iterations = 60;
module_param(hash_iterations, uint, 0444);
MODULE_PARM_DESC(hash_iterations, "random cases per hash algorithm");

/*
 * Fault mode (vcrypto_hash_faults.sh): the device answers every
 * fault_every-th request of fault_alg's kind with an error; the ordinary
 * suite is skipped and the fault suite checks that exactly those callers get
 * -fault_errno and the others the right digest.
 */
/* Not static: the aead fault suite (aead_kunit.c) reads them too. */
unsigned int fault_every;
module_param(fault_every, uint, 0444);
MODULE_PARM_DESC(fault_every, "the device fails every Nth request of fault_alg's kind (0: no faults)");
int fault_errno = EIO;
module_param(fault_errno, int, 0444);
MODULE_PARM_DESC(fault_errno, "the errno those requests must get (0: they are recovered)");
char *fault_alg = "virtio-rs-sha256";
module_param(fault_alg, charp, 0444);
MODULE_PARM_DESC(fault_alg, "our hash, MAC or aead the faults hit");

enum keying { UNKEYED, HMAC_KEY, AES_KEY, AES128_KEY };

struct hash_case {
	const char *ours;
	const char *ref;
	enum keying keying;
};

static const struct hash_case hashes[] = {
	{ "virtio-rs-md5", "md5", UNKEYED },
	{ "virtio-rs-sha1", "sha1", UNKEYED },
	{ "virtio-rs-sha224", "sha224", UNKEYED },
	{ "virtio-rs-sha256", "sha256", UNKEYED },
	{ "virtio-rs-sha384", "sha384", UNKEYED },
	{ "virtio-rs-sha512", "sha512", UNKEYED },
	{ "virtio-rs-sha3-224", "sha3-224", UNKEYED },
	{ "virtio-rs-sha3-256", "sha3-256", UNKEYED },
	{ "virtio-rs-sha3-384", "sha3-384", UNKEYED },
	{ "virtio-rs-sha3-512", "sha3-512", UNKEYED },
	{ "virtio-rs-hmac-md5", "hmac(md5)", HMAC_KEY },
	{ "virtio-rs-hmac-sha1", "hmac(sha1)", HMAC_KEY },
	{ "virtio-rs-hmac-sha224", "hmac(sha224)", HMAC_KEY },
	{ "virtio-rs-hmac-sha256", "hmac(sha256)", HMAC_KEY },
	{ "virtio-rs-hmac-sha384", "hmac(sha384)", HMAC_KEY },
	{ "virtio-rs-hmac-sha512", "hmac(sha512)", HMAC_KEY },
	{ "virtio-rs-cmac-aes", "cmac(aes)", AES_KEY },
	/* RFC 3566: AES-128 keys only, as the kernel's xcbc-aes-lib. */
	{ "virtio-rs-xcbc-aes", "xcbc(aes)", AES128_KEY },
};

static u32 hrnd(u32 n)
{
	return n ? get_random_u32_below(n) : 0;
}

/* Mostly short messages, some of a few pages, rarely up to 1 MiB. */
static unsigned int random_msg_len(void)
{
	unsigned int r = hrnd(100);

	if (r < 50)
		return hrnd(512);
	if (r < 80)
		return hrnd(8192);
	if (r < 97)
		return hrnd(65536);
	return hrnd(H_MAX_LEN + 1);
}

static unsigned int random_hash_key(const struct hash_case *h, u8 *key)
{
	static const unsigned int aes[] = { 16, 24, 32 };
	unsigned int klen;

	switch (h->keying) {
	case AES_KEY:
		klen = aes[hrnd(3)];
		break;
	case AES128_KEY:
		klen = 16;
		break;
	case HMAC_KEY:
		/* Short, block-sized and longer than a block (hashed, RFC 2104). */
		klen = hrnd(4) ? 1 + hrnd(64) : 1 + hrnd(200);
		break;
	default:
		return 0;
	}
	get_random_bytes(key, klen);
	return klen;
}

/*
 * The bytes data[0..len) split into 1..H_MAX_SEGS non-empty chunks, each in its
 * own allocation at a random misalignment, chained in one scatterlist.
 * (Empty entries are left out: the generic code disagrees with itself on
 * them, see Documentation/design.rst.)
 */
struct hsg {
	struct scatterlist sg[H_MAX_SEGS];
	u8 *chunk[H_MAX_SEGS];
	unsigned int n;
};

static int hsg_init(struct hsg *b, const u8 *data, unsigned int len)
{
	unsigned int left = len, i, pos = 0;

	b->n = len < 2 ? 1 : 1 + hrnd(min_t(unsigned int, H_MAX_SEGS, len));
	sg_init_table(b->sg, b->n);
	for (i = 0; i < b->n; i++) {
		unsigned int seg, off = hrnd(16);

		/* Leave at least one byte for every chunk still to come. */
		seg = i == b->n - 1 ? left : 1 + hrnd(left - (b->n - 1 - i));
		b->chunk[i] = kmalloc(seg + off + 1, GFP_KERNEL);
		if (!b->chunk[i]) {
			b->n = i;
			return -ENOMEM;
		}
		memcpy(b->chunk[i] + off, data + pos, seg);
		sg_set_buf(&b->sg[i], b->chunk[i] + off, seg);
		pos += seg;
		left -= seg;
	}
	return 0;
}

static void hsg_free(struct hsg *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		kfree(b->chunk[i]);
	b->n = 0;
}

/* The reference: the software shash of the same algorithm. */
static int ref_digest(const struct hash_case *h, const u8 *key, unsigned int klen,
		      const u8 *data, unsigned int len, u8 *out)
{
	struct crypto_shash *ref = crypto_alloc_shash(h->ref, 0, 0);
	int err;

	if (IS_ERR(ref))
		return PTR_ERR(ref);
	err = h->keying == UNKEYED ? 0 : crypto_shash_setkey(ref, key, klen);
	err = err ?: crypto_shash_tfm_digest(ref, data, len, out);
	crypto_free_shash(ref);
	return err;
}

static struct crypto_ahash *ours_get(const struct hash_case *h)
{
	struct crypto_ahash *tfm = crypto_alloc_ahash(h->ours, 0, 0);

	return IS_ERR(tfm) ? NULL : tfm;
}

static int wait_op(struct ahash_request *req, int (*op)(struct ahash_request *),
		   struct crypto_wait *wait)
{
	return crypto_wait_req(op(req), wait);
}

/*
 * One random case on tfm: data hashed by one of four paths, chosen at random;
 * the result must be the reference's, and nothing written past the digest.
 */
static void one_hash_case(struct kunit *test, const struct hash_case *h,
			  struct crypto_ahash *tfm, u8 *data, u8 *expect)
{
	unsigned int ds = crypto_ahash_digestsize(tfm), len = random_msg_len(), klen;
	struct ahash_request *req;
	DECLARE_CRYPTO_WAIT(wait);
	u8 key[200], *got;
	struct hsg b;
	int mode = hrnd(4), err;

	klen = random_hash_key(h, key);
	get_random_bytes(data, len);
	KUNIT_ASSERT_EQ(test, ref_digest(h, key, klen, data, len, expect), 0);
	if (h->keying != UNKEYED)
		KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(tfm, key, klen), 0);

	got = kmalloc(ds + GUARD, GFP_KERNEL);
	req = ahash_request_alloc(tfm, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	KUNIT_ASSERT_NOT_NULL(test, req);
	memset(got, 0xa5, ds + GUARD);
	KUNIT_ASSERT_EQ(test, hsg_init(&b, data, len), 0);
	ahash_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				   crypto_req_done, &wait);

	if (mode == 0) {
		/* digest: one request with the whole message. */
		ahash_request_set_crypt(req, b.sg, got, len);
		err = wait_op(req, crypto_ahash_digest, &wait);
	} else if (mode == 3) {
		/* init + finup of the whole message (goes to the device). */
		ahash_request_set_crypt(req, b.sg, got, len);
		err = wait_op(req, crypto_ahash_init, &wait) ?:
		      wait_op(req, crypto_ahash_finup, &wait);
	} else {
		/* init, one update per chunk, then final (1) or finup of the last chunk (2). */
		unsigned int i, last = mode == 2 ? b.n - 1 : b.n;

		ahash_request_set_crypt(req, NULL, got, 0);
		err = wait_op(req, crypto_ahash_init, &wait);
		for (i = 0; i < last && !err; i++) {
			struct scatterlist one;

			sg_init_one(&one, sg_virt(&b.sg[i]), b.sg[i].length);
			ahash_request_set_crypt(req, &one, got, b.sg[i].length);
			err = wait_op(req, crypto_ahash_update, &wait);
		}
		if (!err && mode == 2) {
			struct scatterlist one;

			sg_init_one(&one, sg_virt(&b.sg[last]), b.sg[last].length);
			ahash_request_set_crypt(req, &one, got, b.sg[last].length);
			err = wait_op(req, crypto_ahash_finup, &wait);
		} else if (!err) {
			ahash_request_set_crypt(req, NULL, got, 0);
			err = wait_op(req, crypto_ahash_final, &wait);
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s mode %d len %u", h->ours, mode, len);
	KUNIT_EXPECT_MEMEQ_MSG(test, got, expect, ds, "%s mode %d len %u klen %u",
			       h->ours, mode, len, klen);
	KUNIT_EXPECT_TRUE_MSG(test, memchr_inv(got + ds, 0xa5, GUARD) == NULL,
			      "%s wrote past its digest", h->ours);
	hsg_free(&b);
	ahash_request_free(req);
	kfree(got);
}

static void test_hash_random_vs_generic(struct kunit *test)
{
	u8 *data = vmalloc(H_MAX_LEN), expect[HASH_MAX_DIGESTSIZE];
	unsigned int i, k, tested = 0;

	KUNIT_ASSERT_NOT_NULL(test, data);
	for (k = 0; k < ARRAY_SIZE(hashes); k++) {
		struct crypto_ahash *tfm = ours_get(&hashes[k]);

		if (!tfm)
			continue;
		tested++;
		for (i = 0; i < hash_iterations; i++)
			one_hash_case(test, &hashes[k], tfm, data, expect);
		crypto_free_ahash(tfm);
	}
	vfree(data);
	if (!tested)
		kunit_skip(test, "no hash of ours is registered");
}

/*
 * A message begun on one transform, exported in the middle, imported into a
 * request of another transform with the same key and finished there; and the
 * same state imported into the software implementation. Both must give the
 * reference digest.
 */
static void test_hash_export_import(struct kunit *test)
{
	unsigned int k, tested = 0;

	for (k = 0; k < ARRAY_SIZE(hashes); k++) {
		const struct hash_case *h = &hashes[k];
		struct crypto_ahash *a = ours_get(h), *b, *soft;
		unsigned int len = 1 + hrnd(3000), cut = hrnd(len + 1), klen, ds;
		struct ahash_request *ra, *rb, *rs;
		u8 key[200], expect[HASH_MAX_DIGESTSIZE], got[HASH_MAX_DIGESTSIZE];
		u8 got_soft[HASH_MAX_DIGESTSIZE], *data, *state;
		struct scatterlist s1, s2;
		DECLARE_CRYPTO_WAIT(wait);

		if (!a)
			continue;
		tested++;
		b = ours_get(h);
		/* The implementation the ahash core picks as our fallback: its state is ours. */
		soft = crypto_alloc_ahash(h->ref, CRYPTO_ALG_REQ_VIRT,
					  CRYPTO_ALG_ASYNC | CRYPTO_ALG_REQ_VIRT |
					  CRYPTO_AHASH_ALG_NO_EXPORT_CORE);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_ASSERT_FALSE(test, IS_ERR(soft));
		KUNIT_ASSERT_EQ(test, crypto_ahash_statesize(a), crypto_ahash_statesize(soft));
		ds = crypto_ahash_digestsize(a);
		data = kmalloc(len, GFP_KERNEL);
		state = kmalloc(crypto_ahash_statesize(a), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, data);
		KUNIT_ASSERT_NOT_NULL(test, state);
		get_random_bytes(data, len);
		klen = random_hash_key(h, key);
		if (h->keying != UNKEYED) {
			KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(a, key, klen), 0);
			KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(b, key, klen), 0);
			KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(soft, key, klen), 0);
		}
		KUNIT_ASSERT_EQ(test, ref_digest(h, key, klen, data, len, expect), 0);

		ra = ahash_request_alloc(a, GFP_KERNEL);
		rb = ahash_request_alloc(b, GFP_KERNEL);
		rs = ahash_request_alloc(soft, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ra);
		KUNIT_ASSERT_NOT_NULL(test, rb);
		KUNIT_ASSERT_NOT_NULL(test, rs);
		ahash_request_set_callback(ra, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
		ahash_request_set_callback(rb, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
		ahash_request_set_callback(rs, CRYPTO_TFM_REQ_MAY_SLEEP, NULL, NULL);
		sg_init_one(&s1, data, cut);
		ahash_request_set_crypt(ra, cut ? &s1 : NULL, got, cut);
		KUNIT_EXPECT_EQ(test, wait_op(ra, crypto_ahash_init, &wait), 0);
		KUNIT_EXPECT_EQ(test, wait_op(ra, crypto_ahash_update, &wait), 0);
		KUNIT_EXPECT_EQ(test, crypto_ahash_export(ra, state), 0);

		sg_init_one(&s2, data + cut, len - cut);
		ahash_request_set_crypt(rb, len - cut ? &s2 : NULL, got, len - cut);
		KUNIT_EXPECT_EQ(test, crypto_ahash_import(rb, state), 0);
		KUNIT_EXPECT_EQ(test, wait_op(rb, crypto_ahash_finup, &wait), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, got, expect, ds, "%s: ours -> ours, cut %u of %u",
				       h->ours, cut, len);

		ahash_request_set_crypt(rs, len - cut ? &s2 : NULL, got_soft, len - cut);
		KUNIT_EXPECT_EQ(test, crypto_ahash_import(rs, state), 0);
		KUNIT_EXPECT_EQ(test, crypto_ahash_finup(rs), 0);
		KUNIT_EXPECT_MEMEQ_MSG(test, got_soft, expect, ds, "%s: ours -> %s, cut %u of %u",
				       h->ours, h->ref, cut, len);

		ahash_request_free(ra);
		ahash_request_free(rb);
		ahash_request_free(rs);
		kfree(data);
		kfree(state);
		crypto_free_ahash(a);
		crypto_free_ahash(b);
		crypto_free_ahash(soft);
	}
	if (!tested)
		kunit_skip(test, "no hash of ours is registered");
}

#define FLIGHT		256
#define FLIGHT_TFMS	8

struct flight_req {
	struct ahash_request *req;
	struct scatterlist sg;
	u8 *data;
	unsigned int len;
	u8 got[HASH_MAX_DIGESTSIZE];
	u8 expect[HASH_MAX_DIGESTSIZE];
	int err;
	atomic_t *pending;
	struct completion *all;
};

static void flight_done(void *data, int err)
{
	struct flight_req *r = data;

	if (err == -EINPROGRESS)
		return;
	r->err = err;
	if (atomic_dec_and_test(r->pending))
		complete(r->all);
}

/*
 * FLIGHT digests at once over FLIGHT_TFMS transforms (spread over the data
 * queues), with MAY_BACKLOG: every one completes once, with its own digest.
 */
static void flight(struct kunit *test, const struct hash_case *h)
{
	struct crypto_ahash *tfms[FLIGHT_TFMS];
	struct flight_req *rs = kcalloc(FLIGHT, sizeof(*rs), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(all);
	atomic_t pending = ATOMIC_INIT(1);
	unsigned int i, ds, klen;
	long long served;
	u8 key[200];

	KUNIT_ASSERT_NOT_NULL(test, rs);
	klen = random_hash_key(h, key);
	for (i = 0; i < FLIGHT_TFMS; i++) {
		tfms[i] = ours_get(h);
		KUNIT_ASSERT_NOT_NULL(test, tfms[i]);
		if (h->keying != UNKEYED)
			KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(tfms[i], key, klen), 0);
	}
	ds = crypto_ahash_digestsize(tfms[0]);
	for (i = 0; i < FLIGHT; i++) {
		struct flight_req *r = &rs[i];

		r->len = 1 + hrnd(4096);
		r->data = kmalloc(r->len, GFP_KERNEL);
		r->req = ahash_request_alloc(tfms[i % FLIGHT_TFMS], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r->data);
		KUNIT_ASSERT_NOT_NULL(test, r->req);
		get_random_bytes(r->data, r->len);
		KUNIT_ASSERT_EQ(test, ref_digest(h, key, klen, r->data, r->len, r->expect), 0);
		sg_init_one(&r->sg, r->data, r->len);
		r->pending = &pending;
		r->all = &all;
		r->err = -EINPROGRESS;
		ahash_request_set_callback(r->req, CRYPTO_TFM_REQ_MAY_BACKLOG, flight_done, r);
		ahash_request_set_crypt(r->req, &r->sg, r->got, r->len);
	}
	served = vcrs_stat("ahash_requests", false);
	for (i = 0; i < FLIGHT; i++) {
		int err;

		atomic_inc(&pending);
		err = crypto_ahash_digest(rs[i].req);
		if (err != -EINPROGRESS && err != -EBUSY) {
			rs[i].err = err;
			atomic_dec(&pending);
		}
	}
	if (!atomic_dec_and_test(&pending))
		KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&all, 60 * HZ), 0,
				    "%s: requests still pending after 60 s", h->ours);
	for (i = 0; i < FLIGHT; i++) {
		KUNIT_EXPECT_EQ_MSG(test, rs[i].err, 0, "%s request %u", h->ours, i);
		KUNIT_EXPECT_MEMEQ_MSG(test, rs[i].got, rs[i].expect, ds, "%s request %u",
				       h->ours, i);
		ahash_request_free(rs[i].req);
		kfree(rs[i].data);
	}
	/* Every one of them went to the device (they fit, and may wait in the backlog). */
	if (served >= 0)
		KUNIT_EXPECT_GE_MSG(test, vcrs_stat("ahash_requests", false) - served, (long long)FLIGHT,
				    "%s: the device served fewer than %d requests", h->ours, FLIGHT);
	else
		kunit_info(test, "no stats file: cannot tell the device's work from the fallback's");
	for (i = 0; i < FLIGHT_TFMS; i++)
		crypto_free_ahash(tfms[i]);
	kfree(rs);
}

static void test_hash_many_in_flight(struct kunit *test)
{
	unsigned int k, tested = 0;

	for (k = 0; k < ARRAY_SIZE(hashes); k++) {
		struct crypto_ahash *probe = ours_get(&hashes[k]);

		if (!probe)
			continue;
		crypto_free_ahash(probe);
		/* One of each kind is enough: the queue path is the same. */
		if (strcmp(hashes[k].ref, "sha256") && strcmp(hashes[k].ref, "hmac(sha256)") &&
		    strcmp(hashes[k].ref, "cmac(aes)"))
			continue;
		tested++;
		flight(test, &hashes[k]);
	}
	if (!tested)
		kunit_skip(test, "no sha256, hmac(sha256) or cmac(aes) of ours is registered");
}

/* Keys: AES MACs refuse bad lengths; HMAC takes empty, short and long keys. */
static void test_hash_keys(struct kunit *test)
{
	static const unsigned int bad_aes[] = { 0, 1, 15, 17, 23, 31, 33, 64 };
	static const unsigned int bad_aes128[] = { 0, 1, 15, 17, 24, 32, 64 };
	static const unsigned int hmac_lens[] = { 0, 1, 64, 65, 128, 129, 300 };
	unsigned int k, i, tested = 0;
	u8 key[300], data[100], expect[HASH_MAX_DIGESTSIZE], got[HASH_MAX_DIGESTSIZE];

	get_random_bytes(key, sizeof(key));
	get_random_bytes(data, sizeof(data));
	for (k = 0; k < ARRAY_SIZE(hashes); k++) {
		const struct hash_case *h = &hashes[k];
		struct crypto_ahash *tfm;

		if (h->keying == UNKEYED)
			continue;
		tfm = ours_get(h);
		if (!tfm)
			continue;
		tested++;
		if (h->keying == AES_KEY) {
			for (i = 0; i < ARRAY_SIZE(bad_aes); i++)
				KUNIT_EXPECT_EQ_MSG(test, crypto_ahash_setkey(tfm, key, bad_aes[i]),
						    -EINVAL, "%s key %u", h->ours, bad_aes[i]);
		} else if (h->keying == AES128_KEY) {
			for (i = 0; i < ARRAY_SIZE(bad_aes128); i++)
				KUNIT_EXPECT_EQ_MSG(test, crypto_ahash_setkey(tfm, key, bad_aes128[i]),
						    -EINVAL, "%s key %u", h->ours, bad_aes128[i]);
		} else {
			for (i = 0; i < ARRAY_SIZE(hmac_lens); i++) {
				struct ahash_request *req = ahash_request_alloc(tfm, GFP_KERNEL);
				DECLARE_CRYPTO_WAIT(wait);
				struct scatterlist sg;
				u8 *buf = kmemdup(data, sizeof(data), GFP_KERNEL);

				KUNIT_ASSERT_NOT_NULL(test, req);
				KUNIT_ASSERT_NOT_NULL(test, buf);
				KUNIT_ASSERT_EQ(test, ref_digest(h, key, hmac_lens[i], data,
								 sizeof(data), expect), 0);
				KUNIT_EXPECT_EQ(test, crypto_ahash_setkey(tfm, key, hmac_lens[i]), 0);
				sg_init_one(&sg, buf, sizeof(data));
				ahash_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP,
							   crypto_req_done, &wait);
				ahash_request_set_crypt(req, &sg, got, sizeof(data));
				KUNIT_EXPECT_EQ(test, wait_op(req, crypto_ahash_digest, &wait), 0);
				KUNIT_EXPECT_MEMEQ_MSG(test, got, expect,
						       crypto_ahash_digestsize(tfm),
						       "%s key of %u bytes", h->ours, hmac_lens[i]);
				ahash_request_free(req);
				kfree(buf);
			}
		}
		crypto_free_ahash(tfm);
	}
	if (!tested)
		kunit_skip(test, "no MAC of ours is registered");
}

/*
 * Messages of 1 MiB and a little more, in one digest: longer than a device
 * with a small max_size takes, so they are hashed by the fallback there, and
 * by the device otherwise. Either way the digest is the reference's.
 */
static void test_hash_long_messages(struct kunit *test)
{
	static const unsigned int lens[] = { H_MAX_LEN, H_MAX_LEN + 1, 65537 };
	u8 *data = vmalloc(H_MAX_LEN + 1), expect[HASH_MAX_DIGESTSIZE];
	long long max = vcrs_stat("max_size", true), dev0, fb0;
	unsigned int k, i, tested = 0;

	KUNIT_ASSERT_NOT_NULL(test, data);
	get_random_bytes(data, H_MAX_LEN + 1);
	kunit_info(test, "device max_size %lld", max);
	for (k = 0; k < ARRAY_SIZE(hashes); k++) {
		const struct hash_case *h = &hashes[k];
		struct crypto_ahash *tfm;
		u8 key[32], got[HASH_MAX_DIGESTSIZE];
		unsigned int klen;

		if (strcmp(h->ref, "sha256") && strcmp(h->ref, "hmac(sha512)") &&
		    strcmp(h->ref, "xcbc(aes)"))
			continue;
		tfm = ours_get(h);
		if (!tfm)
			continue;
		tested++;
		klen = h->keying == UNKEYED ? 0 : 16;
		get_random_bytes(key, sizeof(key));
		if (klen)
			KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(tfm, key, klen), 0);
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			struct ahash_request *req = ahash_request_alloc(tfm, GFP_KERNEL);
			DECLARE_CRYPTO_WAIT(wait);
			struct hsg b;

			KUNIT_ASSERT_NOT_NULL(test, req);
			KUNIT_ASSERT_EQ(test, ref_digest(h, key, klen, data, lens[i], expect), 0);
			KUNIT_ASSERT_EQ(test, hsg_init(&b, data, lens[i]), 0);
			ahash_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP |
						   CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
			ahash_request_set_crypt(req, b.sg, got, lens[i]);
			dev0 = vcrs_stat("ahash_requests", false);
			fb0 = vcrs_stat("ahash_fallbacks", false);
			KUNIT_EXPECT_EQ(test, wait_op(req, crypto_ahash_digest, &wait), 0);
			KUNIT_EXPECT_MEMEQ_MSG(test, got, expect, crypto_ahash_digestsize(tfm),
					       "%s len %u", h->ours, lens[i]);
			/* Who hashed it: the device if it fits max_size, else the fallback. */
			if (max > 0 && dev0 >= 0 && fb0 >= 0) {
				bool fits = lens[i] + crypto_ahash_digestsize(tfm) <= max;

				KUNIT_EXPECT_EQ_MSG(test, vcrs_stat("ahash_requests", false) - dev0,
						    fits ? 1LL : 0LL, "%s len %u, max_size %lld",
						    h->ours, lens[i], max);
				KUNIT_EXPECT_EQ_MSG(test, vcrs_stat("ahash_fallbacks", false) - fb0,
						    fits ? 0LL : 1LL, "%s len %u, max_size %lld",
						    h->ours, lens[i], max);
			}
			hsg_free(&b);
			ahash_request_free(req);
		}
		crypto_free_ahash(tfm);
	}
	vfree(data);
	if (!tested)
		kunit_skip(test, "no sha256, hmac(sha512) or xcbc(aes) of ours is registered");
}

/* Fault mode skips the ordinary cases: the device fails some of their requests. */
static int vcrs_ahash_case_init(struct kunit *test)
{
	if (fault_every)
		kunit_skip(test, "fault mode (fault_every=%u)", fault_every);
	return 0;
}

/*
 * One digest at a time (each reaches the device, in order): request i must
 * fail with -fault_errno if i + 1 is a multiple of fault_every, and give the
 * reference digest otherwise; the device's failure counter moves by as many.
 * With fault_errno 0 every request gives the reference digest (the driver
 * recovered each fault: its renewals counter moves).
 */
static void test_hash_faults(struct kunit *test)
{
	const struct hash_case *h = NULL;
	unsigned int i, k, n, ds, failed = 0;
	u8 key[16], data[100], expect[HASH_MAX_DIGESTSIZE], got[HASH_MAX_DIGESTSIZE];
	struct crypto_ahash *tfm;
	long long fail0, ren0;

	if (!fault_every)
		kunit_skip(test, "no fault_every: the device injects no fault");
	for (k = 0; k < ARRAY_SIZE(hashes); k++)
		if (!strcmp(hashes[k].ours, fault_alg))
			h = &hashes[k];
	if (!h)
		kunit_skip(test, "fault_alg %s is not one of our hashes", fault_alg);
	tfm = ours_get(h);
	KUNIT_ASSERT_NOT_NULL_MSG(test, tfm, "%s is not registered", fault_alg);
	get_random_bytes(key, sizeof(key));
	if (h->keying != UNKEYED)
		KUNIT_ASSERT_EQ(test, crypto_ahash_setkey(tfm, key, sizeof(key)), 0);
	ds = crypto_ahash_digestsize(tfm);
	n = 8 * fault_every;
	fail0 = vcrs_stat("ahash_failures", false);
	ren0 = vcrs_stat("renewals", false);
	for (i = 0; i < n; i++) {
		struct ahash_request *req = ahash_request_alloc(tfm, GFP_KERNEL);
		bool hit = (i + 1) % fault_every == 0;
		DECLARE_CRYPTO_WAIT(wait);
		struct scatterlist sg;
		u8 *buf;
		int err;

		KUNIT_ASSERT_NOT_NULL(test, req);
		get_random_bytes(data, sizeof(data));
		buf = kmemdup(data, sizeof(data), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		KUNIT_ASSERT_EQ(test, ref_digest(h, key, sizeof(key), data, sizeof(data), expect), 0);
		memset(got, 0x5a, sizeof(got));
		sg_init_one(&sg, buf, sizeof(data));
		ahash_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG,
					   crypto_req_done, &wait);
		ahash_request_set_crypt(req, &sg, got, sizeof(data));
		err = crypto_wait_req(crypto_ahash_digest(req), &wait);
		if (hit && fault_errno) {
			failed++;
			KUNIT_EXPECT_EQ_MSG(test, err, -fault_errno, "%s request %u", h->ours, i);
			/* A failed request leaves the caller's result alone. */
			KUNIT_EXPECT_TRUE_MSG(test, memchr_inv(got, 0x5a, ds) == NULL,
					      "%s request %u: result written on failure", h->ours, i);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s request %u", h->ours, i);
			KUNIT_EXPECT_MEMEQ_MSG(test, got, expect, ds, "%s request %u", h->ours, i);
		}
		ahash_request_free(req);
		kfree(buf);
	}
	if (fail0 >= 0)
		KUNIT_EXPECT_EQ(test, vcrs_stat("ahash_failures", false) - fail0, (long long)failed);
	if (!fault_errno) {
		KUNIT_EXPECT_GT_MSG(test, vcrs_stat("renewals", false) - ren0, 0LL,
				    "%s: no fault was recovered", h->ours);
		kunit_info(test, "%s: %u requests, all right; %lld sessions created again", h->ours,
			   n, vcrs_stat("renewals", false) - ren0);
	} else {
		kunit_info(test, "%s: %u requests, %u failed by the device as injected", h->ours, n,
			   failed);
	}
	crypto_free_ahash(tfm);
}

static struct kunit_case vcrs_ahash_fault_cases[] = {
	KUNIT_CASE(test_hash_faults),
	{}
};

static struct kunit_suite vcrs_ahash_fault_suite = {
	.name = "virtio_crypto_rs_ahash_faults",
	.test_cases = vcrs_ahash_fault_cases,
};

static struct kunit_case vcrs_ahash_cases[] = {
	KUNIT_CASE_SLOW(test_hash_random_vs_generic),
	KUNIT_CASE(test_hash_export_import),
	KUNIT_CASE_SLOW(test_hash_many_in_flight),
	KUNIT_CASE(test_hash_keys),
	KUNIT_CASE_SLOW(test_hash_long_messages),
	{}
};

static struct kunit_suite vcrs_ahash_suite = {
	.name = "virtio_crypto_rs_ahash",
	.init = vcrs_ahash_case_init,
	.test_cases = vcrs_ahash_cases,
};
kunit_test_suites(&vcrs_ahash_suite, &vcrs_ahash_fault_suite);
