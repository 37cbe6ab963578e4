// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal in-kernel user of the asynchronous crypto API.
 *
 * At load it allocates a cbc(aes) skcipher and a gcm(aes) aead by name, runs
 * one encryption with each, waits for it with a completion (struct
 * crypto_wait), compares the result with a published test vector and logs
 * which implementation the crypto API picked for it, e.g.
 *
 *   vcrypto_sample: cbc(aes): known answer ok, served by virtio-rs-cbc-aes
 *   vcrypto_sample: gcm(aes): known answer ok, served by virtio-rs-gcm-aes
 *
 * The load fails (-EBADMSG) if an answer is wrong. Nothing here knows about
 * virtio: the crypto API picks the registered implementation with the
 * highest priority, which is the device's when virtio_crypto_rs is loaded
 * and the device serves the algorithm. Pass a driver name to insist on one:
 *
 *   insmod vcrypto_sample.ko skcipher=virtio-rs-cbc-aes aead=virtio-rs-gcm-aes
 *
 * Buffers handed to an asynchronous implementation must stay valid until the
 * request completes and must be addressable by DMA: kmalloc'ed, never on the
 * stack or in vmalloc memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/skcipher.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

static char *skcipher = "cbc(aes)";
module_param(skcipher, charp, 0444);
MODULE_PARM_DESC(skcipher, "cbc(aes) or a driver name of it (default cbc(aes))");

static char *aead = "gcm(aes)";
module_param(aead, charp, 0444);
MODULE_PARM_DESC(aead, "gcm(aes) or a driver name of it (default gcm(aes); empty: skip)");

/* RFC 3602, case 1: AES-128-CBC, one block. */
static const u8 cbc_key[16] = {
	0x06, 0xa9, 0x21, 0x40, 0x36, 0xb8, 0xa1, 0x5b,
	0x51, 0x2e, 0x03, 0xd5, 0x34, 0x12, 0x00, 0x06 };
static const u8 cbc_iv[16] = {
	0x3d, 0xaf, 0xba, 0x42, 0x9d, 0x9e, 0xb4, 0x30,
	0xb4, 0x22, 0xda, 0x80, 0x2c, 0x9f, 0xac, 0x41 };
static const u8 cbc_pt[16] = "Single block msg";
static const u8 cbc_ct[16] = {
	0xe3, 0x53, 0x77, 0x9c, 0x10, 0x79, 0xae, 0xb8,
	0x27, 0x08, 0x94, 0x2d, 0xbe, 0x77, 0x18, 0x1a };

/* The GCM specification (McGrew, Viega), test case 4: AES-128, 20 bytes of
 * associated data, 60 of plaintext, a 16-byte tag.
 */
static const u8 gcm_key[16] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08 };
static const u8 gcm_iv[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad,
	0xde, 0xca, 0xf8, 0x88 };
static const u8 gcm_ad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xab, 0xad, 0xda, 0xd2 };
static const u8 gcm_pt[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5,
	0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
	0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda,
	0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
	0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53,
	0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
	0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57,
	0xba, 0x63, 0x7b, 0x39 };
/* Ciphertext followed by the tag. */
static const u8 gcm_ct[60 + 16] = {
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24,
	0x4b, 0x72, 0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c,
	0xe3, 0xaa, 0x21, 0x2f, 0x2c, 0x02, 0xa4, 0xe0,
	0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac, 0xa1, 0x2e,
	0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c,
	0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05,
	0x1b, 0xa3, 0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97,
	0x3d, 0x58, 0xe0, 0x91,
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb,
	0x94, 0xfa, 0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47 };

static int run_skcipher(void)
{
	struct crypto_skcipher *tfm;
	struct skcipher_request *req = NULL;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *buf = NULL, *iv = NULL;
	int err;

	/* type 0, mask 0: asynchronous implementations are welcome. */
	tfm = crypto_alloc_skcipher(skcipher, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("%s: cannot allocate: %ld\n", skcipher, PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	err = crypto_skcipher_setkey(tfm, cbc_key, sizeof(cbc_key));
	if (err)
		goto out;
	err = -ENOMEM;
	req = skcipher_request_alloc(tfm, GFP_KERNEL);
	buf = kmemdup(cbc_pt, sizeof(cbc_pt), GFP_KERNEL);
	iv = kmemdup(cbc_iv, sizeof(cbc_iv), GFP_KERNEL);
	if (!req || !buf || !iv)
		goto out;

	/* In place: source and destination are the same buffer. */
	sg_init_one(&sg, buf, sizeof(cbc_pt));
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &sg, &sg, sizeof(cbc_pt), iv);
	/* -EINPROGRESS or -EBUSY: crypto_wait_req sleeps until crypto_req_done. */
	err = crypto_wait_req(crypto_skcipher_encrypt(req), &wait);
	if (err) {
		pr_err("%s: encryption failed: %d\n", skcipher, err);
		goto out;
	}
	if (memcmp(buf, cbc_ct, sizeof(cbc_ct))) {
		pr_err("cbc(aes): WRONG answer from %s\n",
		       crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)));
		err = -EBADMSG;
		goto out;
	}
	pr_info("cbc(aes): known answer ok, served by %s\n",
		crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm)));
out:
	kfree(iv);
	kfree(buf);
	skcipher_request_free(req);
	crypto_free_skcipher(tfm);
	return err;
}

static int run_aead(void)
{
	const unsigned int adlen = sizeof(gcm_ad), ptlen = sizeof(gcm_pt);
	struct crypto_aead *tfm;
	struct aead_request *req = NULL;
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg;
	u8 *buf = NULL, *iv = NULL;
	int err;

	tfm = crypto_alloc_aead(aead, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("%s: cannot allocate: %ld\n", aead, PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	err = crypto_aead_setkey(tfm, gcm_key, sizeof(gcm_key));
	if (!err)
		err = crypto_aead_setauthsize(tfm, 16);
	if (err)
		goto out;
	err = -ENOMEM;
	req = aead_request_alloc(tfm, GFP_KERNEL);
	/* One buffer: associated data, then the plaintext, then room for the tag. */
	buf = kmalloc(adlen + ptlen + 16, GFP_KERNEL);
	iv = kmemdup(gcm_iv, sizeof(gcm_iv), GFP_KERNEL);
	if (!req || !buf || !iv)
		goto out;
	memcpy(buf, gcm_ad, adlen);
	memcpy(buf + adlen, gcm_pt, ptlen);

	sg_init_one(&sg, buf, adlen + ptlen + 16);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG | CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, adlen);
	/* Encryption: cryptlen is the plaintext; the tag is written after it. */
	aead_request_set_crypt(req, &sg, &sg, ptlen, iv);
	err = crypto_wait_req(crypto_aead_encrypt(req), &wait);
	if (err) {
		pr_err("%s: encryption failed: %d\n", aead, err);
		goto out;
	}
	if (memcmp(buf + adlen, gcm_ct, sizeof(gcm_ct))) {
		pr_err("gcm(aes): WRONG answer from %s\n",
		       crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
		err = -EBADMSG;
		goto out;
	}
	pr_info("gcm(aes): known answer ok, served by %s\n",
		crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
out:
	kfree(iv);
	kfree(buf);
	aead_request_free(req);
	crypto_free_aead(tfm);
	return err;
}

static int __init vcrypto_sample_init(void)
{
	int err = run_skcipher();

	if (!err && aead && *aead)
		err = run_aead();
	return err;
}

static void __exit vcrypto_sample_exit(void)
{
}

module_init(vcrypto_sample_init);
module_exit(vcrypto_sample_exit);
MODULE_DESCRIPTION("Sample: one asynchronous cbc(aes) and gcm(aes) request through the crypto API");
MODULE_LICENSE("GPL");
