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
