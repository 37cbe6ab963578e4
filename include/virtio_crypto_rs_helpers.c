// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers linked into virtio_crypto_rs.ko: out-of-line copies of the
 * static inline functions of the virtio API, which bindgen cannot bind.
 * Each one is a plain forward; the Rust side documents the contracts.
 */
#include "virtio_crypto_rs.h"

bool vcrs_virtio_has_feature(const struct virtio_device *vdev, unsigned int fbit)
{
	return virtio_has_feature(vdev, fbit);
}

void vcrs_virtio_clear_feature(struct virtio_device *vdev, unsigned int fbit)
{
	__virtio_clear_bit(vdev, fbit);
}

int vcrs_virtio_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			 struct virtqueue *vqs[], struct virtqueue_info vqs_info[])
{
	return virtio_find_vqs(vdev, nvqs, vqs, vqs_info, NULL);
}

void vcrs_virtio_del_vqs(struct virtio_device *vdev)
{
	vdev->config->del_vqs(vdev);
}

int vcrs_virtqueue_set_affinity(struct virtqueue *vq, const struct cpumask *cpus)
{
	return virtqueue_set_affinity(vq, cpus);
}

void vcrs_virtio_device_ready(struct virtio_device *vdev)
{
	virtio_device_ready(vdev);
}

bool vcrs_virtio_has_config_get(const struct virtio_device *vdev)
{
	return vdev->config->get != NULL;
}

/* Reads with the generation-count retry loop, so multi-field reads are consistent. */
void vcrs_virtio_cread_bytes(struct virtio_device *vdev, unsigned int offset,
			     void *buf, size_t len)
{
	virtio_cread_bytes(vdev, offset, buf, len);
}

u8 vcrs_virtio_get_status(struct virtio_device *vdev)
{
	return vdev->config->get_status(vdev);
}

bool vcrs_device_trylock(struct device *dev)
{
	return device_trylock(dev);
}

void vcrs_device_unlock(struct device *dev)
{
	device_unlock(dev);
}

/* Called with the device lock held: dev.driver does not change meanwhile. */
void *vcrs_virtio_bound_probe(struct virtio_device *vdev)
{
	struct device_driver *drv = vdev->dev.driver;

	return drv ? (void *)drv_to_virtio(drv)->probe : NULL;
}

unsigned long vcrs_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void vcrs_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

bool vcrs_spin_trylock_irqsave(spinlock_t *lock, unsigned long *flags)
{
	return spin_trylock_irqsave(lock, *flags);
}

void vcrs_assert_spin_locked(spinlock_t *lock)
{
	lockdep_assert_held(lock);
}

bool vcrs_virt_addr_valid(const void *addr)
{
	return virt_addr_valid(addr);
}

void *vcrs_skcipher_request_ctx_dma(struct skcipher_request *req)
{
	return skcipher_request_ctx_dma(req);
}

void vcrs_skcipher_set_reqsize_dma(struct crypto_skcipher *tfm, unsigned int reqsize)
{
	crypto_skcipher_set_reqsize_dma(tfm, reqsize);
}

void *vcrs_crypto_skcipher_ctx(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_ctx(tfm);
}

struct skcipher_alg *vcrs_crypto_skcipher_alg(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_alg(tfm);
}

struct crypto_skcipher *vcrs_crypto_skcipher_reqtfm(struct skcipher_request *req)
{
	return crypto_skcipher_reqtfm(req);
}

unsigned int vcrs_crypto_skcipher_ivsize(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_ivsize(tfm);
}

void vcrs_crypto_request_complete(struct crypto_async_request *req, int err)
{
	crypto_request_complete(req, err);
}

void *vcrs_crypto_tfm_ctx(struct crypto_tfm *tfm)
{
	return crypto_tfm_ctx(tfm);
}

struct crypto_tfm *vcrs_crypto_skcipher_tfm(struct crypto_skcipher *tfm)
{
	return crypto_skcipher_tfm(tfm);
}

void *vcrs_ahash_request_ctx_dma(struct ahash_request *req)
{
	return ahash_request_ctx_dma(req);
}

void vcrs_crypto_ahash_set_reqsize_dma(struct crypto_ahash *tfm, unsigned int reqsize)
{
	crypto_ahash_set_reqsize_dma(tfm, reqsize);
}

struct crypto_tfm *vcrs_crypto_ahash_tfm(struct crypto_ahash *tfm)
{
	return crypto_ahash_tfm(tfm);
}

struct crypto_ahash *vcrs_crypto_ahash_reqtfm(struct ahash_request *req)
{
	return crypto_ahash_reqtfm(req);
}

unsigned int vcrs_crypto_ahash_digestsize(struct crypto_ahash *tfm)
{
	return crypto_ahash_digestsize(tfm);
}

unsigned int vcrs_crypto_ahash_statesize(struct crypto_ahash *tfm)
{
	return crypto_ahash_statesize(tfm);
}

/* rust/crypto/ahash.rs: CORE_STATE_MAX. */
static_assert(HASH_MAX_STATESIZE == 200 + 144 + 1);

unsigned int vcrs_ahash_fb_reqsize(struct crypto_ahash *tfm)
{
	return crypto_ahash_reqsize(crypto_ahash_fb(tfm));
}

int vcrs_ahash_fb_op(struct ahash_request *sub, struct ahash_request *req,
		     int op, void *state)
{
	struct crypto_ahash *fb = crypto_ahash_fb(crypto_ahash_reqtfm(req));

	ahash_request_set_tfm(sub, fb);
	/* The fallback is synchronous: no callback is ever called. */
	ahash_request_set_callback(sub, req->base.flags & CRYPTO_TFM_REQ_MAY_SLEEP,
				   NULL, NULL);
	ahash_request_set_crypt(sub, req->src, req->result, req->nbytes);
	switch (op) {
	case 0: return crypto_ahash_init(sub);
	case 1: return crypto_ahash_update(sub);
	case 2: return crypto_ahash_final(sub);
	case 3: return crypto_ahash_finup(sub);
	case 4: return crypto_ahash_digest(sub);
	case 5: return crypto_ahash_export(sub, state);
	case 6: return crypto_ahash_import(sub, state);
	case 7: return crypto_ahash_export_core(sub, state);
	case 8: return crypto_ahash_import_core(sub, state);
	}
	return -EINVAL;
}

int vcrs_ahash_fallback_props(const char *name, unsigned int *statesize,
			      unsigned int *digestsize, unsigned int *blocksize)
{
	struct crypto_ahash *fb;

	/*
	 * The fallback must export its core state (CRYPTO_AHASH_ALG_NO_EXPORT_CORE
	 * clear). Some library-backed shashes do not (cmac-aes-lib, xcbc-aes-lib
	 * in 7.2); then the fallback lookup below would instantiate the template,
	 * which refuses a lookup that asks for CRYPTO_ALG_REQ_VIRT
	 * (crypto_check_attr_type()): the algorithm could have no transform at
	 * all. A lookup that only masks NO_EXPORT_CORE out instantiates the
	 * template (cmac(aes-lib)); the instance stays registered and the
	 * fallback lookup of every later transform finds it.
	 */
	fb = crypto_alloc_ahash(name, 0, CRYPTO_AHASH_ALG_NO_EXPORT_CORE);
	if (!IS_ERR(fb))
		crypto_free_ahash(fb);
	/* The same lookup as crypto_ahash_init_tfm() does for its fallback. */
	fb = crypto_alloc_ahash(name, CRYPTO_ALG_REQ_VIRT,
				CRYPTO_ALG_ASYNC | CRYPTO_ALG_REQ_VIRT |
				CRYPTO_AHASH_ALG_NO_EXPORT_CORE);
	if (IS_ERR(fb))
		return PTR_ERR(fb);
	*statesize = crypto_ahash_statesize(fb);
	*digestsize = crypto_ahash_digestsize(fb);
	*blocksize = crypto_ahash_blocksize(fb);
	crypto_free_ahash(fb);
	return 0;
}

int vcrs_hash_digest(const char *name, const u8 *data, unsigned int len, u8 *out,
		     unsigned int outlen)
{
	struct crypto_shash *h = crypto_alloc_shash(name, 0, 0);
	int err;

	if (IS_ERR(h))
		return PTR_ERR(h);
	err = crypto_shash_digestsize(h) <= outlen ?
		crypto_shash_tfm_digest(h, data, len, out) : -EINVAL;
	crypto_free_shash(h);
	return err;
}

struct crypto_async_request *vcrs_crypto_get_backlog(struct crypto_queue *queue)
{
	return crypto_get_backlog(queue);
}

unsigned int vcrs_crypto_queue_len(struct crypto_queue *queue)
{
	return crypto_queue_len(queue);
}

void vcrs_init_list_head(struct list_head *head)
{
	INIT_LIST_HEAD(head);
}

void vcrs_list_add_tail(struct list_head *entry, struct list_head *head)
{
	list_add_tail(entry, head);
}

void vcrs_list_add(struct list_head *entry, struct list_head *head)
{
	list_add(entry, head);
}

void vcrs_list_del_init(struct list_head *entry)
{
	list_del_init(entry);
}

int vcrs_sg_compact(struct scatterlist *dst, unsigned int nents,
		    struct scatterlist *src, unsigned int len)
{
	unsigned int n = 0;

	sg_init_table(dst, nents);
	for (; src && len; src = sg_next(src)) {
		unsigned int l = min(src->length, len);

		if (!l)
			continue;
		if (n == nents)
			return -E2BIG;
		sg_set_page(&dst[n], sg_page(src), l, src->offset);
		len -= l;
		n++;
	}
	if (len)
		return -EINVAL;
	if (n)
		sg_mark_end(&dst[n - 1]);
	return n;
}

bool vcrs_sg_has_empty(struct scatterlist *sg)
{
	for (; sg; sg = sg_next(sg))
		if (!sg->length)
			return true;
	return false;
}

static vcrs_stat_reader_t vcrs_stat_reader;

void vcrs_set_stat_reader(vcrs_stat_reader_t reader)
{
	WRITE_ONCE(vcrs_stat_reader, reader);
}

/* The KUnit module uses it, so this module stays loaded meanwhile. */
long long vcrs_stat(const char *key, bool min)
{
	vcrs_stat_reader_t reader = READ_ONCE(vcrs_stat_reader);

	return reader ? reader(key, min) : -1;
}
EXPORT_SYMBOL_GPL(vcrs_stat);

void *vcrs_aead_request_ctx_dma(struct aead_request *req)
{
	return aead_request_ctx_dma(req);
}

void vcrs_crypto_aead_set_reqsize_dma(struct crypto_aead *tfm, unsigned int reqsize)
{
	crypto_aead_set_reqsize_dma(tfm, reqsize);
}

struct crypto_tfm *vcrs_crypto_aead_tfm(struct crypto_aead *tfm)
{
	return crypto_aead_tfm(tfm);
}

struct crypto_aead *vcrs_crypto_aead_reqtfm(struct aead_request *req)
{
	return crypto_aead_reqtfm(req);
}

unsigned int vcrs_crypto_aead_authsize(struct crypto_aead *tfm)
{
	return crypto_aead_authsize(tfm);
}

unsigned int vcrs_crypto_aead_ivsize(struct crypto_aead *tfm)
{
	return crypto_aead_ivsize(tfm);
}

struct crypto_aead *vcrs_aead_fb_alloc(const char *name)
{
	/* Synchronous only: never ours (async), and usable in any context. */
	return crypto_alloc_aead(name, 0, CRYPTO_ALG_ASYNC | CRYPTO_ALG_NEED_FALLBACK);
}

void vcrs_aead_fb_free(struct crypto_aead *fb)
{
	crypto_free_aead(fb);
}

unsigned int vcrs_aead_fb_reqsize(struct crypto_aead *fb)
{
	return crypto_aead_reqsize(fb);
}

int vcrs_aead_fb_setkey(struct crypto_aead *fb, const u8 *key, unsigned int len)
{
	return crypto_aead_setkey(fb, key, len);
}

int vcrs_aead_fb_setauthsize(struct crypto_aead *fb, unsigned int authsize)
{
	return crypto_aead_setauthsize(fb, authsize);
}

int vcrs_aead_fb_crypt(struct crypto_aead *fb, struct aead_request *sub,
		       struct aead_request *req, bool encrypt)
{
	aead_request_set_tfm(sub, fb);
	/* The fallback is synchronous: no callback is ever called. */
	aead_request_set_callback(sub, req->base.flags & CRYPTO_TFM_REQ_MAY_SLEEP,
				  NULL, NULL);
	aead_request_set_crypt(sub, req->src, req->dst, req->cryptlen, req->iv);
	aead_request_set_ad(sub, req->assoclen);
	return encrypt ? crypto_aead_encrypt(sub) : crypto_aead_decrypt(sub);
}

long vcrs_ptr_err(const void *ptr)
{
	return IS_ERR(ptr) ? PTR_ERR(ptr) : 0;
}

int vcrs_authenc_extractkeys(const u8 *key, unsigned int keylen,
			     unsigned int *enc_off, unsigned int *enc_len,
			     unsigned int *auth_off, unsigned int *auth_len)
{
	struct crypto_authenc_keys keys;
	int err = crypto_authenc_extractkeys(&keys, key, keylen);

	if (err)
		return err;
	*enc_off = keys.enckey - key;
	*enc_len = keys.enckeylen;
	*auth_off = keys.authkey - key;
	*auth_len = keys.authkeylen;
	return 0;
}

int vcrs_sg_compact_at(struct scatterlist *dst, unsigned int nents,
		       struct scatterlist *src, unsigned int skip, unsigned int len)
{
	unsigned int n = 0;

	sg_init_table(dst, nents);
	for (; src && len; src = sg_next(src)) {
		unsigned int avail = src->length, off = src->offset, l;

		if (skip >= avail) {
			skip -= avail;
			continue;
		}
		avail -= skip;
		off += skip;
		skip = 0;
		l = min(avail, len);
		if (!l)
			continue;
		if (n == nents)
			return -E2BIG;
		/* sg_set_page() takes offsets past the first page as they are. */
		sg_set_page(&dst[n], sg_page(src), l, off);
		len -= l;
		n++;
	}
	if (len)
		return -EINVAL;
	if (n)
		sg_mark_end(&dst[n - 1]);
	return n;
}

void vcrs_memcpy_sglist(struct scatterlist *dst, struct scatterlist *src, unsigned int len)
{
	memcpy_sglist(dst, src, len);
}

void vcrs_sg_copy(void *buf, struct scatterlist *sg, unsigned int skip,
		  unsigned int len, bool to_sg)
{
	scatterwalk_map_and_copy(buf, sg, skip, len, to_sg);
}

void vcrs_sg_zero(struct scatterlist *sg, unsigned int skip, unsigned int len)
{
	static const u8 zeros[64];

	while (len) {
		unsigned int n = min_t(unsigned int, len, sizeof(zeros));

		scatterwalk_map_and_copy((void *)zeros, sg, skip, n, 1);
		skip += n;
		len -= n;
	}
}

bool vcrs_memneq(const void *a, const void *b, size_t len)
{
	return crypto_memneq(a, b, len);
}
