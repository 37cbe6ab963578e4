// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of virtio_crypto_rs's aeads, driven through the aead API and
 * compared with the kernel's generic implementation of the same algorithm,
 * allocated by its driver name (the name testmgr compares with): random keys,
 * tag lengths, IVs, AAD of 0..512 bytes and text of 0..64 KiB in random
 * scatterlist splits (the AAD too), in place and out of place; decryption of
 * the result; a tampered tag, ciphertext or AAD gives -EBADMSG; bad keys and
 * tag lengths give -EINVAL; hundreds of requests in flight over several
 * transforms (so over several data queues). The kernel's rfc4106 and rfc4309
 * templates over our gcm and ccm are tested the same way.
 *
 * An algorithm the device does not serve is skipped.
 */
#include <kunit/test.h>
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "kunit_stats.h"

#define A_MAX_TEXT	65536
#define A_MAX_AAD	512
#define A_MAX_TAG	64
#define A_MAX_SEGS	8
#define A_GUARD		16
#define A_BUF		(A_MAX_AAD + A_MAX_TEXT + A_MAX_TAG)

static unsigned int aead_iterations = 150;
module_param(aead_iterations, uint, 0444);
MODULE_PARM_DESC(aead_iterations, "random cases per aead algorithm");

enum akind { GCM, CCM, CHACHA, ESP, AUTHENC, RFC4106, RFC4309 };

struct aead_case {
	const char *ours;	/* our driver name, or a template over it */
	const char *ref;	/* the generic implementation's driver name */
	enum akind kind;
	unsigned int hmac_block; /* authenc: the HMAC's block size */
};

static const struct aead_case aeads[] = {
	{ "virtio-rs-gcm-aes", "gcm_base(ctr(aes-lib),ghash-lib)", GCM },
	{ "virtio-rs-ccm-aes", "ccm_base(ctr(aes-lib),cbcmac-aes-lib)", CCM },
	{ "virtio-rs-rfc7539-chacha20-poly1305",
	  "rfc7539(chacha20-lib,poly1305-generic)", CHACHA },
	{ "virtio-rs-rfc7539esp-chacha20-poly1305",
	  "rfc7539esp(chacha20-lib,poly1305-generic)", ESP },
	{ "virtio-rs-authenc-hmac-sha1-cbc-aes", "authenc(hmac-sha1-lib,cbc(aes-lib))",
	  AUTHENC, 64 },
	{ "virtio-rs-authenc-hmac-sha256-cbc-aes", "authenc(hmac-sha256-lib,cbc(aes-lib))",
	  AUTHENC, 64 },
	{ "virtio-rs-authenc-hmac-sha384-cbc-aes", "authenc(hmac-sha384-lib,cbc(aes-lib))",
	  AUTHENC, 128 },
	{ "virtio-rs-authenc-hmac-sha512-cbc-aes", "authenc(hmac-sha512-lib,cbc(aes-lib))",
	  AUTHENC, 128 },
	/* The kernel's templates, instantiated over ours. */
	{ "rfc4106(virtio-rs-gcm-aes)", "rfc4106(gcm_base(ctr(aes-lib),ghash-lib))", RFC4106 },
	{ "rfc4309(virtio-rs-ccm-aes)", "rfc4309(ccm_base(ctr(aes-lib),cbcmac-aes-lib))",
	  RFC4309 },
};

static u32 arnd(u32 n)
{
	return n ? get_random_u32_below(n) : 0;
}

static struct crypto_aead *aead_get(const char *name)
{
	struct crypto_aead *tfm = crypto_alloc_aead(name, 0, 0);

	return IS_ERR(tfm) ? NULL : tfm;
}

/* An authenc key: the rtattr with the cipher key's length, the HMAC key, the cipher key. */
static unsigned int authenc_key(u8 *out, const u8 *akey, unsigned int alen,
				const u8 *ekey, unsigned int elen)
{
	struct rtattr *rta = (void *)out;
	struct crypto_authenc_key_param *param;

	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(elen);
	memcpy(out + RTA_SPACE(sizeof(*param)), akey, alen);
	memcpy(out + RTA_SPACE(sizeof(*param)) + alen, ekey, elen);
	return RTA_SPACE(sizeof(*param)) + alen + elen;
}

/* A random valid key for the case, in key[]; its length. */
static unsigned int random_key(const struct aead_case *c, u8 *key)
{
	static const unsigned int aes[] = { 16, 24, 32 };
	u8 a[300], e[32];
	unsigned int alen, elen = aes[arnd(3)];

	switch (c->kind) {
	case CHACHA:
		get_random_bytes(key, 32);
		return 32;
	case ESP:
		get_random_bytes(key, 36);
		return 36;
	case RFC4106:
		get_random_bytes(key, elen + 4);
		return elen + 4;
	case RFC4309:
		get_random_bytes(key, elen + 3);
		return elen + 3;
	case AUTHENC:
		/* Empty, short, block-sized and longer than a block (hashed, RFC 2104). */
		alen = arnd(8) ? arnd(c->hmac_block + 1) : arnd(sizeof(a) + 1);
		get_random_bytes(a, alen);
		get_random_bytes(e, elen);
		return authenc_key(key, a, alen, e, elen);
	default:
		get_random_bytes(key, elen);
		return elen;
	}
}

/* A random tag length the generic code accepts. */
static unsigned int random_authsize(const struct aead_case *c, unsigned int max)
{
	static const unsigned int gcm[] = { 4, 8, 12, 13, 14, 15, 16 };
	static const unsigned int ipsec[] = { 8, 12, 16 };

	switch (c->kind) {
	case GCM:
		return gcm[arnd(ARRAY_SIZE(gcm))];
	case CCM:
		return 4 + 2 * arnd(7);
	case RFC4106:
	case RFC4309:
		return ipsec[arnd(3)];
	case AUTHENC:
		/* Full, IPsec's truncations, anything down to one byte (the API refuses 0). */
		switch (arnd(4)) {
		case 0: return max;
		case 1: return min(12u, max);
		case 2: return max / 2;
		default: return 1 + arnd(max);
		}
	default:
		return 16;
	}
}

/* Mostly short, some of a few pages, some up to 64 KiB. */
static unsigned int random_text_len(const struct aead_case *c)
{
	unsigned int r = arnd(100), len;

	if (r < 10)
		len = 0;
	else if (r < 60)
		len = arnd(256);
	else if (r < 90)
		len = arnd(8192);
	else
		len = arnd(A_MAX_TEXT + 1);
	/* CBC takes whole blocks; now and then not, and both must refuse alike. */
	if (c->kind == AUTHENC && arnd(16))
		len = round_down(len, 16);
	return len;
}

static unsigned int random_assoclen(const struct aead_case *c)
{
	switch (c->kind) {
	case RFC4106:
	case RFC4309:
		/* ESP: SPI, sequence number (extended or not), IV. */
		return arnd(2) ? 16 : 20;
	case ESP:
		return 8 + arnd(A_MAX_AAD - 8 + 1);
	default:
		return arnd(4) ? arnd(64) : arnd(A_MAX_AAD + 1);
	}
}

static void random_iv(const struct aead_case *c, u8 *iv, unsigned int ivsize,
		      unsigned int textlen)
{
	get_random_bytes(iv, ivsize);
	if (c->kind == CCM) {
		/* L - 1: L = 2 holds up to 64 KiB; an invalid one now and then. */
		iv[0] = 1 + arnd(7);
		if (textlen >= 65536 && iv[0] == 1)
			iv[0] = 2;
		if (!arnd(32))
			iv[0] = arnd(2) ? 0 : 8;
	}
}

/*
 * len bytes of data[] in 1..A_MAX_SEGS non-empty chunks (0 bytes: one empty
 * entry), each in its own allocation at a random misalignment and followed
 * by A_GUARD bytes of 0xa5, chained in one scatterlist.
 */
struct asg {
	struct scatterlist sg[A_MAX_SEGS];
	u8 *chunk[A_MAX_SEGS];
	unsigned int off[A_MAX_SEGS], len[A_MAX_SEGS];
	unsigned int n;
};

static int asg_init(struct asg *b, const u8 *data, unsigned int len)
{
	unsigned int left = len, i, pos = 0;

	b->n = len < 2 ? 1 : 1 + arnd(min_t(unsigned int, A_MAX_SEGS, len));
	sg_init_table(b->sg, b->n);
	for (i = 0; i < b->n; i++) {
		unsigned int seg, off = arnd(16);

		seg = i == b->n - 1 ? left : 1 + arnd(left - (b->n - 1 - i));
		b->chunk[i] = kmalloc(seg + off + A_GUARD, GFP_KERNEL);
		if (!b->chunk[i]) {
			b->n = i;
			return -ENOMEM;
		}
		memcpy(b->chunk[i] + off, data + pos, seg);
		memset(b->chunk[i] + off + seg, 0xa5, A_GUARD);
		sg_set_buf(&b->sg[i], b->chunk[i] + off, seg);
		b->off[i] = off;
		b->len[i] = seg;
		pos += seg;
		left -= seg;
	}
	return 0;
}

static void asg_free(struct asg *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		kfree(b->chunk[i]);
	b->n = 0;
}

static bool asg_guard_ok(const struct asg *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (memchr_inv(b->chunk[i] + b->off[i] + b->len[i], 0xa5, A_GUARD))
			return false;
	return true;
}

/* One operation, waited for. */
static int aead_op(struct crypto_aead *tfm, bool enc, struct scatterlist *src,
		   struct scatterlist *dst, unsigned int assoclen, unsigned int cryptlen,
		   u8 *iv)
{
	struct aead_request *req = aead_request_alloc(tfm, GFP_KERNEL);
	DECLARE_CRYPTO_WAIT(wait);
	int err;

	if (!req)
		return -ENOMEM;
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP | CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_crypt(req, src, dst, cryptlen, iv);
	aead_request_set_ad(req, assoclen);
	err = crypto_wait_req(enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req), &wait);
	aead_request_free(req);
	return err;
}

/* The reference, in place on one linear buffer of assoclen + cryptlen (+ tag) bytes. */
static int ref_op(struct crypto_aead *ref, bool enc, u8 *buf, unsigned int assoclen,
		  unsigned int cryptlen, const u8 *iv)
{
	unsigned int out = enc ? cryptlen + crypto_aead_authsize(ref) : cryptlen;
	struct scatterlist sg;
	u8 ivc[32];

	memcpy(ivc, iv, crypto_aead_ivsize(ref));
	sg_init_one(&sg, buf, assoclen + max(cryptlen, out));
	return aead_op(ref, enc, &sg, &sg, assoclen, cryptlen, ivc);
}

/*
 * Ours on in[0..assoclen + cryptlen) in a random split, in place or out of
 * place; the output (assoclen + outlen bytes) read back into out[]. The
 * chunks' guards must be intact.
 */
static int ours_op(struct kunit *test, struct crypto_aead *tfm, bool enc, const u8 *in,
		   unsigned int assoclen, unsigned int cryptlen, const u8 *iv, u8 *out,
		   bool inplace)
{
	unsigned int authsize = crypto_aead_authsize(tfm);
	unsigned int outlen = enc ? cryptlen + authsize : cryptlen - authsize;
	unsigned int total = assoclen + max(cryptlen, outlen);
	struct asg s = {}, d = {};
	u8 ivc[32], *lin;
	int err;

	lin = kzalloc(total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lin);
	memcpy(lin, in, assoclen + cryptlen);
	memcpy(ivc, iv, crypto_aead_ivsize(tfm));
	KUNIT_ASSERT_EQ(test, asg_init(&s, lin, inplace ? total : assoclen + cryptlen), 0);
	if (!inplace) {
		memset(lin, 0, total);
		KUNIT_ASSERT_EQ(test, asg_init(&d, lin, assoclen + outlen), 0);
	}
	err = aead_op(tfm, enc, s.sg, inplace ? s.sg : d.sg, assoclen, cryptlen, ivc);
	sg_copy_to_buffer(inplace ? s.sg : d.sg, inplace ? s.n : d.n, out, assoclen + outlen);
	KUNIT_EXPECT_TRUE_MSG(test, asg_guard_ok(&s) && asg_guard_ok(&d),
			      "%s wrote past a scatterlist entry", crypto_aead_driver_name(tfm));
	asg_free(&s);
	asg_free(&d);
	kfree(lin);
	return err;
}

/*
 * One random case: key, tag length, IV, AAD and text; encrypt with ours and
 * with the reference (same result or same error), decrypt ours, and decrypt
 * a tampered copy (-EBADMSG from both).
 */
static void one_case(struct kunit *test, const struct aead_case *c, struct crypto_aead *tfm,
		     struct crypto_aead *ref, u8 *pt, u8 *ct, u8 *got)
{
	unsigned int klen, authsize, assoclen, textlen, ivsize = crypto_aead_ivsize(tfm);
	bool inplace = arnd(2);
	u8 key[400], iv[32];
	int err, ref_err;

	klen = random_key(c, key);
	authsize = random_authsize(c, crypto_aead_maxauthsize(tfm));
	/* Expectations, not assertions: an assertion would leak the transforms. */
	err = crypto_aead_setkey(ref, key, klen) ?: crypto_aead_setauthsize(ref, authsize);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s: key %u, tag %u", c->ref, klen, authsize);
	if (err)
		return;
	/* Key and tag length in either order (IPsec keys first, testmgr too). */
	if (arnd(2))
		err = crypto_aead_setkey(tfm, key, klen) ?: crypto_aead_setauthsize(tfm, authsize);
	else
		err = crypto_aead_setauthsize(tfm, authsize) ?: crypto_aead_setkey(tfm, key, klen);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s: key %u, tag %u", c->ours, klen, authsize);
	if (err)
		return;
	assoclen = random_assoclen(c);
	textlen = random_text_len(c);
	random_iv(c, iv, ivsize, textlen);
	get_random_bytes(pt, assoclen + textlen);
	if (c->kind == ESP || c->kind == RFC4106 || c->kind == RFC4309)
		/* ESP puts the IV at the end of the AAD. */
		memcpy(pt + assoclen - 8, iv, 8);

	memcpy(ct, pt, assoclen + textlen);
	ref_err = ref_op(ref, true, ct, assoclen, textlen, iv);
	err = ours_op(test, tfm, true, pt, assoclen, textlen, iv, got, inplace);
	KUNIT_EXPECT_EQ_MSG(test, err, ref_err, "%s encrypt aad %u text %u tag %u iv0 %u",
			    c->ours, assoclen, textlen, authsize, iv[0]);
	if (err || ref_err)
		return;
	/* The AAD in dst is left alone by gcm.c and ccm.c: only the text and tag count. */
	KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, ct + assoclen, textlen + authsize,
			       "%s encrypt aad %u text %u tag %u %s", c->ours, assoclen,
			       textlen, authsize, inplace ? "in place" : "out of place");

	inplace = arnd(2);
	err = ours_op(test, tfm, false, ct, assoclen, textlen + authsize, iv, got, inplace);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s decrypt aad %u text %u tag %u", c->ours,
			    assoclen, textlen, authsize);
	KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, pt + assoclen, textlen,
			       "%s decrypt aad %u text %u tag %u %s", c->ours, assoclen,
			       textlen, authsize, inplace ? "in place" : "out of place");

	/* Tampered: one bit of the tag, the ciphertext or the authenticated AAD. */
	if (authsize) {
		/* ESP's IV at the end of the AAD is not authenticated. */
		unsigned int iv_in_aad = c->kind == ESP || c->kind == RFC4106 ||
					 c->kind == RFC4309 ? 8 : 0;
		unsigned int what = arnd(3), at;

		if (what == 1 && textlen)
			at = assoclen + arnd(textlen);
		else if (what == 2 && assoclen > iv_in_aad)
			at = arnd(assoclen - iv_in_aad);
		else
			at = assoclen + textlen + arnd(authsize);
		ct[at] ^= 1 << arnd(8);
		err = ours_op(test, tfm, false, ct, assoclen, textlen + authsize, iv, got,
			      arnd(2));
		KUNIT_EXPECT_EQ_MSG(test, err, -EBADMSG,
				    "%s tampered byte %u of aad %u text %u tag %u", c->ours, at,
				    assoclen, textlen, authsize);
		KUNIT_EXPECT_EQ(test, ref_op(ref, false, ct, assoclen, textlen + authsize, iv),
				-EBADMSG);
	}
}

static void test_aead_random_vs_generic(struct kunit *test)
{
	u8 *pt = kmalloc(A_BUF, GFP_KERNEL), *ct = kmalloc(A_BUF, GFP_KERNEL);
	u8 *got = kmalloc(A_BUF, GFP_KERNEL);
	unsigned int i, k, tested = 0;

	KUNIT_ASSERT_NOT_NULL(test, pt);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, got);
	for (k = 0; k < ARRAY_SIZE(aeads); k++) {
		struct crypto_aead *tfm = aead_get(aeads[k].ours), *ref;

		if (!tfm) {
			kunit_info(test, "%s: not registered, skipped", aeads[k].ours);
			continue;
		}
		ref = crypto_alloc_aead(aeads[k].ref, 0, 0);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(ref), "no %s", aeads[k].ref);
		tested++;
		for (i = 0; i < aead_iterations; i++)
			one_case(test, &aeads[k], tfm, ref, pt, ct, got);
		crypto_free_aead(ref);
		crypto_free_aead(tfm);
	}
	kfree(pt);
	kfree(ct);
	kfree(got);
	if (!tested)
		kunit_skip(test, "no aead of ours is registered");
}

/*
 * Every allowed tag length of each algorithm, with empty text and with AAD
 * only, in place and out of place: exact, and a tampered tag refused.
 */
static void test_aead_tag_lengths(struct kunit *test)
{
	u8 *pt = kmalloc(A_BUF, GFP_KERNEL), *ct = kmalloc(A_BUF, GFP_KERNEL);
	u8 *got = kmalloc(A_BUF, GFP_KERNEL);
	unsigned int k, n, tested = 0;

	KUNIT_ASSERT_NOT_NULL(test, pt);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, got);
	for (k = 0; k < ARRAY_SIZE(aeads); k++) {
		const struct aead_case *c = &aeads[k];
		struct crypto_aead *tfm = aead_get(c->ours), *ref;

		if (!tfm)
			continue;
		ref = crypto_alloc_aead(c->ref, 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
		tested++;
		for (n = 0; n <= crypto_aead_maxauthsize(tfm); n++) {
			unsigned int ivsize = crypto_aead_ivsize(tfm), klen, assoclen, textlen;
			int ours_ok, ref_ok, err;
			u8 key[400], iv[32];

			ref_ok = crypto_aead_setauthsize(ref, n);
			ours_ok = crypto_aead_setauthsize(tfm, n);
			KUNIT_EXPECT_EQ_MSG(test, ours_ok, ref_ok, "%s setauthsize %u", c->ours, n);
			if (ref_ok || ours_ok)
				continue;
			klen = random_key(c, key);
			KUNIT_ASSERT_EQ(test, crypto_aead_setkey(tfm, key, klen), 0);
			KUNIT_ASSERT_EQ(test, crypto_aead_setkey(ref, key, klen), 0);
			/* Alternately: nothing at all (AAD only, or not even that). */
			assoclen = c->kind == RFC4106 || c->kind == RFC4309 ? 16 :
				   c->kind == ESP ? 8 + (n & 1) * 13 : (n & 1) * 29;
			textlen = (n & 2) ? 0 : (c->kind == AUTHENC ? 32 : 33);
			random_iv(c, iv, ivsize, textlen);
			if (c->kind == CCM)
				iv[0] = 3;
			get_random_bytes(pt, assoclen + textlen);
			memcpy(ct, pt, assoclen + textlen);
			KUNIT_ASSERT_EQ(test, ref_op(ref, true, ct, assoclen, textlen, iv), 0);
			err = ours_op(test, tfm, true, pt, assoclen, textlen, iv, got, n & 4);
			KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s tag %u", c->ours, n);
			KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, ct + assoclen, textlen + n,
					       "%s tag %u aad %u text %u", c->ours, n, assoclen,
					       textlen);
			err = ours_op(test, tfm, false, ct, assoclen, textlen + n, iv, got, !(n & 4));
			KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s decrypt tag %u", c->ours, n);
			KUNIT_EXPECT_MEMEQ(test, got + assoclen, pt + assoclen, textlen);
			if (n) {
				ct[assoclen + textlen + n - 1] ^= 0x80;
				err = ours_op(test, tfm, false, ct, assoclen, textlen + n, iv, got,
					      n & 4);
				KUNIT_EXPECT_EQ_MSG(test, err, -EBADMSG, "%s tampered tag %u",
						    c->ours, n);
			}
		}
		crypto_free_aead(ref);
		crypto_free_aead(tfm);
	}
	kfree(pt);
	kfree(ct);
	kfree(got);
	if (!tested)
		kunit_skip(test, "no aead of ours is registered");
}

/* Bad keys and tag lengths: -EINVAL, as the generic code says. */
static void test_aead_bad_keys(struct kunit *test)
{
	static const unsigned int lens[] = { 0, 1, 15, 16, 17, 20, 24, 31, 32, 33, 35, 36, 37,
					     64 };
	unsigned int k, i, tested = 0;
	u8 key[128], bad[64];

	get_random_bytes(key, sizeof(key));
	for (k = 0; k < ARRAY_SIZE(aeads); k++) {
		const struct aead_case *c = &aeads[k];
		struct crypto_aead *tfm = aead_get(c->ours), *ref;

		if (!tfm)
			continue;
		ref = crypto_alloc_aead(c->ref, 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
		tested++;
		for (i = 0; i < ARRAY_SIZE(lens); i++)
			KUNIT_EXPECT_EQ_MSG(test, crypto_aead_setkey(tfm, key, lens[i]),
					    crypto_aead_setkey(ref, key, lens[i]), "%s key %u",
					    c->ours, lens[i]);
		if (c->kind == AUTHENC) {
			u8 a[20];
			unsigned int n;

			get_random_bytes(a, sizeof(a));
			/* A cipher key of 17 bytes inside a well-formed authenc key. */
			n = authenc_key(bad, a, sizeof(a), key, 17);
			KUNIT_EXPECT_EQ(test, crypto_aead_setkey(tfm, bad, n), -EINVAL);
			/* The length field claims more than there is. */
			n = authenc_key(bad, a, 0, key, 16);
			KUNIT_EXPECT_EQ(test, crypto_aead_setkey(tfm, bad, n - 1), -EINVAL);
		}
		for (i = 0; i <= crypto_aead_maxauthsize(tfm) + 1; i++)
			KUNIT_EXPECT_EQ_MSG(test, crypto_aead_setauthsize(tfm, i),
					    crypto_aead_setauthsize(ref, i), "%s authsize %u",
					    c->ours, i);
		crypto_free_aead(ref);
		crypto_free_aead(tfm);
	}
	if (!tested)
		kunit_skip(test, "no aead of ours is registered");
}

#define A_FLIGHT	256
#define A_FLIGHT_TFMS	8

struct aflight {
	struct aead_request *req;
	struct scatterlist sg;
	u8 *buf;
	u8 *expect;
	unsigned int len;
	u8 iv[16];
	int err;
	atomic_t *pending;
	struct completion *all;
};

static void aflight_done(void *data, int err)
{
	struct aflight *r = data;

	if (err == -EINPROGRESS)
		return;
	r->err = err;
	if (atomic_dec_and_test(r->pending))
		complete(r->all);
}

/*
 * A_FLIGHT in-place encryptions at once over A_FLIGHT_TFMS transforms (spread
 * over the data queues), with MAY_BACKLOG: every one completes once, right.
 */
static void aead_flight(struct kunit *test, const struct aead_case *c)
{
	struct crypto_aead *tfms[A_FLIGHT_TFMS], *ref;
	struct aflight *rs = kcalloc(A_FLIGHT, sizeof(*rs), GFP_KERNEL);
	DECLARE_COMPLETION_ONSTACK(all);
	atomic_t pending = ATOMIC_INIT(1);
	unsigned int i, klen, as = 16, assoclen = 20;
	long long served;
	u8 key[400];

	KUNIT_ASSERT_NOT_NULL(test, rs);
	ref = crypto_alloc_aead(c->ref, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
	klen = random_key(c, key);
	KUNIT_ASSERT_EQ(test, crypto_aead_setkey(ref, key, klen), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(ref, as), 0);
	for (i = 0; i < A_FLIGHT_TFMS; i++) {
		tfms[i] = aead_get(c->ours);
		KUNIT_ASSERT_NOT_NULL(test, tfms[i]);
		KUNIT_ASSERT_EQ(test, crypto_aead_setkey(tfms[i], key, klen), 0);
		KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(tfms[i], as), 0);
	}
	for (i = 0; i < A_FLIGHT; i++) {
		struct aflight *r = &rs[i];

		r->len = 16 * (1 + arnd(256));
		r->buf = kmalloc(assoclen + r->len + as, GFP_KERNEL);
		r->expect = kmalloc(assoclen + r->len + as, GFP_KERNEL);
		r->req = aead_request_alloc(tfms[i % A_FLIGHT_TFMS], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, r->buf);
		KUNIT_ASSERT_NOT_NULL(test, r->expect);
		KUNIT_ASSERT_NOT_NULL(test, r->req);
		get_random_bytes(r->buf, assoclen + r->len);
		get_random_bytes(r->iv, sizeof(r->iv));
		memcpy(r->expect, r->buf, assoclen + r->len);
		KUNIT_ASSERT_EQ(test, ref_op(ref, true, r->expect, assoclen, r->len, r->iv), 0);
		sg_init_one(&r->sg, r->buf, assoclen + r->len + as);
		r->pending = &pending;
		r->all = &all;
		r->err = -EINPROGRESS;
		aead_request_set_callback(r->req, CRYPTO_TFM_REQ_MAY_BACKLOG, aflight_done, r);
		aead_request_set_crypt(r->req, &r->sg, &r->sg, r->len, r->iv);
		aead_request_set_ad(r->req, assoclen);
	}
	served = vcrs_stat("aead_requests", false);
	for (i = 0; i < A_FLIGHT; i++) {
		int err;

		atomic_inc(&pending);
		err = crypto_aead_encrypt(rs[i].req);
		if (err != -EINPROGRESS && err != -EBUSY) {
			rs[i].err = err;
			atomic_dec(&pending);
		}
	}
	if (!atomic_dec_and_test(&pending))
		KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&all, 60 * HZ), 0,
				    "%s: requests still pending after 60 s", c->ours);
	for (i = 0; i < A_FLIGHT; i++) {
		KUNIT_EXPECT_EQ_MSG(test, rs[i].err, 0, "%s request %u", c->ours, i);
		KUNIT_EXPECT_MEMEQ_MSG(test, rs[i].buf + assoclen, rs[i].expect + assoclen,
				       rs[i].len + as, "%s request %u", c->ours, i);
		aead_request_free(rs[i].req);
		kfree(rs[i].buf);
		kfree(rs[i].expect);
	}
	/* Every one of them went to the device (they fit, and may wait in the backlog). */
	if (served >= 0)
		KUNIT_EXPECT_GE_MSG(test, vcrs_stat("aead_requests", false) - served,
				    (long long)A_FLIGHT,
				    "%s: the device served fewer than %d requests", c->ours,
				    A_FLIGHT);
	for (i = 0; i < A_FLIGHT_TFMS; i++)
		crypto_free_aead(tfms[i]);
	crypto_free_aead(ref);
	kfree(rs);
}

static void test_aead_many_in_flight(struct kunit *test)
{
	unsigned int k, tested = 0;

	for (k = 0; k < ARRAY_SIZE(aeads); k++) {
		struct crypto_aead *probe;

		/* One AEAD-service and one chained algorithm: the queue path is the same. */
		if (strcmp(aeads[k].ours, "virtio-rs-gcm-aes") &&
		    strcmp(aeads[k].ours, "virtio-rs-authenc-hmac-sha256-cbc-aes"))
			continue;
		probe = aead_get(aeads[k].ours);
		if (!probe)
			continue;
		crypto_free_aead(probe);
		tested++;
		aead_flight(test, &aeads[k]);
	}
	if (!tested)
		kunit_skip(test, "no gcm(aes) or authenc(hmac(sha256),cbc(aes)) of ours");
}

/*
 * Texts of about 64 KiB, one encryption each: longer than a device with a
 * small max_size takes (IV, AAD, source, destination and MAC count), so the
 * fallback runs them there, and the device otherwise; either way the output
 * is the generic code's, and the counters say who did it.
 */
static void test_aead_long_messages(struct kunit *test)
{
	static const unsigned int lens[] = { 1024, 32752, 65536 };
	long long max = vcrs_stat("max_size", true);
	u8 *pt = kmalloc(A_BUF, GFP_KERNEL), *ct = kmalloc(A_BUF, GFP_KERNEL);
	u8 *got = kmalloc(A_BUF, GFP_KERNEL);
	unsigned int k, i, tested = 0, assoclen = 16, as = 16;

	KUNIT_ASSERT_NOT_NULL(test, pt);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, got);
	kunit_info(test, "device max_size %lld", max);
	for (k = 0; k < ARRAY_SIZE(aeads); k++) {
		const struct aead_case *c = &aeads[k];
		struct crypto_aead *tfm, *ref;
		unsigned int klen, ivsize;
		u8 key[400], iv[32];

		if (strcmp(c->ours, "virtio-rs-gcm-aes") &&
		    strcmp(c->ours, "virtio-rs-authenc-hmac-sha256-cbc-aes"))
			continue;
		tfm = aead_get(c->ours);
		if (!tfm)
			continue;
		ref = crypto_alloc_aead(c->ref, 0, 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
		tested++;
		ivsize = crypto_aead_ivsize(tfm);
		klen = random_key(c, key);
		KUNIT_EXPECT_EQ(test, crypto_aead_setkey(tfm, key, klen), 0);
		KUNIT_EXPECT_EQ(test, crypto_aead_setauthsize(tfm, as), 0);
		KUNIT_EXPECT_EQ(test, crypto_aead_setkey(ref, key, klen), 0);
		KUNIT_EXPECT_EQ(test, crypto_aead_setauthsize(ref, as), 0);
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			/* What counts against max_size, as the driver counts it. */
			long long need = ivsize + assoclen + 2LL * lens[i] + as;
			long long dev0 = vcrs_stat("aead_requests", false);
			long long fb0 = vcrs_stat("aead_fallbacks", false);
			int err;

			get_random_bytes(iv, sizeof(iv));
			get_random_bytes(pt, assoclen + lens[i]);
			memcpy(ct, pt, assoclen + lens[i]);
			KUNIT_EXPECT_EQ(test, ref_op(ref, true, ct, assoclen, lens[i], iv), 0);
			err = ours_op(test, tfm, true, pt, assoclen, lens[i], iv, got, i & 1);
			KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s len %u", c->ours, lens[i]);
			KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, ct + assoclen, lens[i] + as,
					       "%s len %u", c->ours, lens[i]);
			if (max > 0 && dev0 >= 0 && fb0 >= 0) {
				bool fits = need <= max;

				KUNIT_EXPECT_EQ_MSG(test, vcrs_stat("aead_requests", false) - dev0,
						    fits ? 1LL : 0LL, "%s len %u, max_size %lld",
						    c->ours, lens[i], max);
				KUNIT_EXPECT_EQ_MSG(test, vcrs_stat("aead_fallbacks", false) - fb0,
						    fits ? 0LL : 1LL, "%s len %u, max_size %lld",
						    c->ours, lens[i], max);
			}
		}
		crypto_free_aead(ref);
		crypto_free_aead(tfm);
	}
	kfree(pt);
	kfree(ct);
	kfree(got);
	if (!tested)
		kunit_skip(test, "no gcm(aes) or authenc(hmac(sha256),cbc(aes)) of ours");
}

/* Fault mode skips the ordinary cases: the device fails some of their requests. */
static int vcrs_aead_case_init(struct kunit *test)
{
	if (fault_every)
		kunit_skip(test, "fault mode (fault_every=%u)", fault_every);
	return 0;
}

/*
 * One request at a time (each reaches the device, in order), 8 * fault_every
 * of them, alternately encrypting and decrypting what the reference
 * encrypted: the device fails every fault_every-th request of the kind the
 * fault rule names. Other requests may have moved the device's count before
 * (the phase is unknown), so: exactly 8 fail, fault_every apart, each with
 * -fault_errno, and every other one is exact.
 */
static void test_aead_faults(struct kunit *test)
{
	const struct aead_case *c = NULL;
	unsigned int i, k, n, klen, failed = 0, first = 0, assoclen = 16, len = 64, as;
	struct crypto_aead *tfm, *ref;
	u8 key[400], iv[16], pt[128], ct[128], got[128];
	long long fail0, ren0;

	if (!fault_every)
		kunit_skip(test, "no fault_every: the device injects no fault");
	for (k = 0; k < ARRAY_SIZE(aeads); k++)
		if (!strcmp(aeads[k].ours, fault_alg))
			c = &aeads[k];
	if (!c)
		kunit_skip(test, "fault_alg %s is not one of our aeads", fault_alg);
	tfm = aead_get(c->ours);
	KUNIT_ASSERT_NOT_NULL_MSG(test, tfm, "%s is not registered", fault_alg);
	ref = crypto_alloc_aead(c->ref, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ref));
	klen = random_key(c, key);
	as = crypto_aead_maxauthsize(tfm) > 16 ? 16 : crypto_aead_maxauthsize(tfm);
	KUNIT_ASSERT_EQ(test, crypto_aead_setkey(tfm, key, klen), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(tfm, as), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setkey(ref, key, klen), 0);
	KUNIT_ASSERT_EQ(test, crypto_aead_setauthsize(ref, as), 0);
	n = 8 * fault_every;
	fail0 = vcrs_stat("aead_failures", false);
	ren0 = vcrs_stat("renewals", false);
	for (i = 0; i < n; i++) {
		bool enc = !(i & 1) || !strstr(fault_alg, "ccm");
		int err;

		/* ccm: the rule names decryptions; the others: encryptions. */
		random_iv(c, iv, crypto_aead_ivsize(tfm), len);
		if (c->kind == CCM)
			iv[0] = 3;
		get_random_bytes(pt, assoclen + len);
		memcpy(ct, pt, assoclen + len);
		KUNIT_ASSERT_EQ(test, ref_op(ref, true, ct, assoclen, len, iv), 0);
		if (enc)
			err = ours_op(test, tfm, true, pt, assoclen, len, iv, got, i & 2);
		else
			err = ours_op(test, tfm, false, ct, assoclen, len + as, iv, got, i & 2);
		if (err) {
			KUNIT_EXPECT_EQ_MSG(test, err, -fault_errno, "%s request %u", c->ours, i);
			if (failed)
				KUNIT_EXPECT_EQ_MSG(test, (i - first) % fault_every, 0u,
						    "%s request %u failed out of step", c->ours, i);
			else
				first = i;
			failed++;
		} else if (enc) {
			KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, ct + assoclen, len + as,
					       "%s request %u", c->ours, i);
		} else {
			KUNIT_EXPECT_MEMEQ_MSG(test, got + assoclen, pt + assoclen, len,
					       "%s request %u", c->ours, i);
		}
	}
	/*
	 * For ccm only every other request is of the kind the rule counts; with
	 * fault_errno 0 the driver recovers every fault and none fails.
	 */
	KUNIT_EXPECT_EQ_MSG(test, failed, !fault_errno ? 0u : strstr(fault_alg, "ccm") ? 4u : 8u,
			    "%s: failed requests", c->ours);
	if (fail0 >= 0)
		KUNIT_EXPECT_EQ(test, vcrs_stat("aead_failures", false) - fail0, (long long)failed);
	if (!fault_errno)
		KUNIT_EXPECT_GT_MSG(test, vcrs_stat("renewals", false) - ren0, 0LL,
				    "%s: no fault was recovered", c->ours);
	kunit_info(test, "%s: %u requests, %u failed by the device as injected, %lld renewals",
		   c->ours, n, failed, vcrs_stat("renewals", false) - ren0);
	crypto_free_aead(ref);
	crypto_free_aead(tfm);
}

static struct kunit_case vcrs_aead_fault_cases[] = {
	KUNIT_CASE(test_aead_faults),
	{}
};

static struct kunit_suite vcrs_aead_fault_suite = {
	.name = "virtio_crypto_rs_aead_faults",
	.test_cases = vcrs_aead_fault_cases,
};

static struct kunit_case vcrs_aead_cases[] = {
	KUNIT_CASE_SLOW(test_aead_random_vs_generic),
	KUNIT_CASE_SLOW(test_aead_tag_lengths),
	KUNIT_CASE(test_aead_bad_keys),
	KUNIT_CASE_SLOW(test_aead_many_in_flight),
	KUNIT_CASE_SLOW(test_aead_long_messages),
	{}
};

static struct kunit_suite vcrs_aead_suite = {
	.name = "virtio_crypto_rs_aead",
	.init = vcrs_aead_case_init,
	.test_cases = vcrs_aead_cases,
};
kunit_test_suites(&vcrs_aead_suite, &vcrs_aead_fault_suite);
