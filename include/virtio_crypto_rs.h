/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C interface of virtio-crypto-rs: the kernel headers bindgen reads for
 * the module's own bindings (the parts of the kernel API that the kernel's
 * `bindings` crate does not cover: virtio and the crypto driver API), and
 * the C helpers that wrap `static inline` kernel functions.
 *
 * Types the kernel crate already binds (struct device, scatterlist, ...) are
 * not regenerated: bindgen runs with --no-recursive-allowlist and the
 * generated file resolves them from kernel::bindings.
 */
#ifndef VIRTIO_CRYPTO_RS_H
#define VIRTIO_CRYPTO_RS_H

#include <linux/mod_devicetable.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <uapi/linux/virtio_crypto.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_ring.h>
#include <linux/completion.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <crypto/algapi.h>
#include <crypto/internal/skcipher.h>
#include <crypto/internal/hash.h>
#include <crypto/internal/aead.h>
#include <crypto/authenc.h>
#include <crypto/scatterwalk.h>

/* Wrappers for static inline functions and macros of <linux/virtio_config.h>. */
bool vcrs_virtio_has_feature(const struct virtio_device *vdev, unsigned int fbit);
void vcrs_virtio_clear_feature(struct virtio_device *vdev, unsigned int fbit);
int vcrs_virtio_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			 struct virtqueue *vqs[], struct virtqueue_info vqs_info[]);
void vcrs_virtio_del_vqs(struct virtio_device *vdev);
/*
 * Steers the queue's interrupt to cpus (with MSI-X; a no-op with INTx); cpus
 * NULL clears the hint, which must be done before the queues are deleted.
 */
int vcrs_virtqueue_set_affinity(struct virtqueue *vq, const struct cpumask *cpus);
void vcrs_virtio_device_ready(struct virtio_device *vdev);
bool vcrs_virtio_has_config_get(const struct virtio_device *vdev);
void vcrs_virtio_cread_bytes(struct virtio_device *vdev, unsigned int offset,
			     void *buf, size_t len);
u8 vcrs_virtio_get_status(struct virtio_device *vdev);
/* The device lock (static inline in <linux/device.h>). */
bool vcrs_device_trylock(struct device *dev);
void vcrs_device_unlock(struct device *dev);
/* The probe callback of the driver bound to vdev, NULL if none. */
void *vcrs_virtio_bound_probe(struct virtio_device *vdev);

/* Interrupt-safe spinlock operations (macros in <linux/spinlock.h>). */
unsigned long vcrs_spin_lock_irqsave(spinlock_t *lock);
void vcrs_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
bool vcrs_spin_trylock_irqsave(spinlock_t *lock, unsigned long *flags);
void vcrs_assert_spin_locked(spinlock_t *lock);

/*
 * Describes the first len bytes of src in the table dst (nents entries), skipping
 * empty entries (a device must not see zero-sized buffers). Returns the number of
 * entries used, -E2BIG if dst is too small, -EINVAL if src is shorter than len.
 */
int vcrs_sg_compact(struct scatterlist *dst, unsigned int nents,
		    struct scatterlist *src, unsigned int len);
/* Whether a scatterlist has an empty entry. */
bool vcrs_sg_has_empty(struct scatterlist *sg);

/* Whether a buffer may be described by a scatterlist (it is in the linear map). */
bool vcrs_virt_addr_valid(const void *addr);

/* The crypto API's static inline accessors. */
void *vcrs_skcipher_request_ctx_dma(struct skcipher_request *req);
void vcrs_skcipher_set_reqsize_dma(struct crypto_skcipher *tfm, unsigned int reqsize);
void *vcrs_crypto_skcipher_ctx(struct crypto_skcipher *tfm);
struct skcipher_alg *vcrs_crypto_skcipher_alg(struct crypto_skcipher *tfm);
struct crypto_skcipher *vcrs_crypto_skcipher_reqtfm(struct skcipher_request *req);
unsigned int vcrs_crypto_skcipher_ivsize(struct crypto_skcipher *tfm);
void vcrs_crypto_request_complete(struct crypto_async_request *req, int err);
void *vcrs_crypto_tfm_ctx(struct crypto_tfm *tfm);
struct crypto_tfm *vcrs_crypto_skcipher_tfm(struct crypto_skcipher *tfm);

/* ahash: the static inline accessors of <crypto/internal/hash.h>. */
void *vcrs_ahash_request_ctx_dma(struct ahash_request *req);
void vcrs_crypto_ahash_set_reqsize_dma(struct crypto_ahash *tfm, unsigned int reqsize);
struct crypto_tfm *vcrs_crypto_ahash_tfm(struct crypto_ahash *tfm);
struct crypto_ahash *vcrs_crypto_ahash_reqtfm(struct ahash_request *req);
unsigned int vcrs_crypto_ahash_digestsize(struct crypto_ahash *tfm);
unsigned int vcrs_crypto_ahash_statesize(struct crypto_ahash *tfm);

/*
 * The synchronous fallback transform the ahash core allocates for an async
 * ahash (CRYPTO_ALG_NEED_FALLBACK): its request size, and one operation of
 * it on sub, a request in the caller's request context, for the data and
 * result of req. op: 0 init, 1 update, 2 final, 3 finup, 4 digest, 5 export
 * (into state), 6 import (from state), 7 export_core, 8 import_core. Returns
 * the operation's result.
 */
unsigned int vcrs_ahash_fb_reqsize(struct crypto_ahash *tfm);
int vcrs_ahash_fb_op(struct ahash_request *sub, struct ahash_request *req,
		     int op, void *state);

/*
 * The properties of the synchronous implementation the ahash core would pick
 * as fallback for name (its state size must be ours). 0 or -errno.
 */
int vcrs_ahash_fallback_props(const char *name, unsigned int *statesize,
			      unsigned int *digestsize, unsigned int *blocksize);
/*
 * The driver's named values (its debugfs stats, max_size) for the KUnit
 * module: vcrs_stat() (exported) asks the reader the driver installed, -1
 * without one.
 */
typedef long long (*vcrs_stat_reader_t)(const char *key, bool min);
void vcrs_set_stat_reader(vcrs_stat_reader_t reader);
long long vcrs_stat(const char *key, bool min);

/* Digests data with the synchronous hash name (may sleep). 0 or -errno. */
int vcrs_hash_digest(const char *name, const u8 *data, unsigned int len, u8 *out,
		     unsigned int outlen);
struct crypto_async_request *vcrs_crypto_get_backlog(struct crypto_queue *queue);
unsigned int vcrs_crypto_queue_len(struct crypto_queue *queue);

/* aead: the static inline accessors of <crypto/internal/aead.h>. */
void *vcrs_aead_request_ctx_dma(struct aead_request *req);
void vcrs_crypto_aead_set_reqsize_dma(struct crypto_aead *tfm, unsigned int reqsize);
struct crypto_tfm *vcrs_crypto_aead_tfm(struct crypto_aead *tfm);
struct crypto_aead *vcrs_crypto_aead_reqtfm(struct aead_request *req);
unsigned int vcrs_crypto_aead_authsize(struct crypto_aead *tfm);
unsigned int vcrs_crypto_aead_ivsize(struct crypto_aead *tfm);

/*
 * The software fallback of an aead transform: a synchronous implementation of
 * name (never ours: ours are async), its request size, key, auth size, and one
 * operation on sub, a request in the caller's request context, for the data of
 * req. NULL-free: alloc returns a valid pointer or an ERR_PTR (checked by
 * vcrs_is_err).
 */
struct crypto_aead *vcrs_aead_fb_alloc(const char *name);
void vcrs_aead_fb_free(struct crypto_aead *fb);
unsigned int vcrs_aead_fb_reqsize(struct crypto_aead *fb);
int vcrs_aead_fb_setkey(struct crypto_aead *fb, const u8 *key, unsigned int len);
int vcrs_aead_fb_setauthsize(struct crypto_aead *fb, unsigned int authsize);
int vcrs_aead_fb_crypt(struct crypto_aead *fb, struct aead_request *sub,
		       struct aead_request *req, bool encrypt);
long vcrs_ptr_err(const void *ptr);

/* crypto_authenc_extractkeys(): offsets and lengths of the two keys in key. */
int vcrs_authenc_extractkeys(const u8 *key, unsigned int keylen,
			     unsigned int *enc_off, unsigned int *enc_len,
			     unsigned int *auth_off, unsigned int *auth_len);

/*
 * Like vcrs_sg_compact(), for the len bytes that start skip bytes into src.
 */
int vcrs_sg_compact_at(struct scatterlist *dst, unsigned int nents,
		       struct scatterlist *src, unsigned int skip, unsigned int len);
/* Copies len bytes at the start of src to the start of dst (memcpy_sglist). */
void vcrs_memcpy_sglist(struct scatterlist *dst, struct scatterlist *src, unsigned int len);
/* Copies between a buffer and the sg list at skip (scatterwalk_map_and_copy). */
void vcrs_sg_copy(void *buf, struct scatterlist *sg, unsigned int skip,
		  unsigned int len, bool to_sg);
/* Zeroes len bytes of sg at skip. */
void vcrs_sg_zero(struct scatterlist *sg, unsigned int skip, unsigned int len);
/* crypto_memneq(): constant-time comparison, nonzero if different. */
bool vcrs_memneq(const void *a, const void *b, size_t len);

/* <linux/list.h> */
void vcrs_init_list_head(struct list_head *head);
void vcrs_list_add_tail(struct list_head *entry, struct list_head *head);
void vcrs_list_add(struct list_head *entry, struct list_head *head);
void vcrs_list_del_init(struct list_head *entry);

/*
 * Revision 1 of the virtio crypto device (VIRTIO_CRYPTO_F_REVISION_1 and the
 * stateless-mode bits), which <uapi/linux/virtio_crypto.h> does not describe:
 * the feature bits, the data header's flag, and the fixed-length parts (op_flf)
 * of stateless data requests, as the specification's crypto chapter defines
 * them ("Device Operation"). The session-mode structures of revision 1 are the
 * uapi header's revision 0 ones without their padding to 56 and 48 bytes.
 */
#define VCRS_CRYPTO_F_REVISION_1		0
#define VCRS_CRYPTO_F_CIPHER_STATELESS_MODE	1
#define VCRS_CRYPTO_F_HASH_STATELESS_MODE	2
#define VCRS_CRYPTO_F_MAC_STATELESS_MODE	3
#define VCRS_CRYPTO_F_AEAD_STATELESS_MODE	4
/* virtio_crypto_op_header.flag (the uapi header's `padding`). */
#define VCRS_CRYPTO_FLAG_SESSION_MODE		1

struct vcrs_op_header_rev1 {
	__le32 opcode;
	__le32 algo;
	__le64 session_id;
	__le32 flag;
	__le32 padding;
};

struct vcrs_cipher_data_flf_stateless {
	struct {
		__le32 algo;
		__le32 key_len;
		__le32 op;
	} sess_para;
	__le32 iv_len;
	__le32 src_data_len;
	__le32 dst_data_len;
};

struct vcrs_alg_chain_data_flf_stateless {
	struct {
		__le32 alg_chain_order;
		__le32 aad_len;
		struct {
			__le32 algo;
			__le32 key_len;
			__le32 op;
		} cipher;
		struct {
			__le32 algo;
			__le32 auth_key_len;
			__le32 hash_mode;
		} hash;
	} sess_para;
	__le32 iv_len;
	__le32 src_data_len;
	__le32 dst_data_len;
	__le32 cipher_start_src_offset;
	__le32 len_to_cipher;
	__le32 hash_start_src_offset;
	__le32 len_to_hash;
	__le32 aad_len;
	__le32 hash_result_len;
	__le32 reserved;
};

#define VCRS_CRYPTO_SYM_DATA_REQ_HDR_STATELESS_SIZE 72
struct vcrs_sym_data_flf_stateless {
	__u8 op_type_flf[VCRS_CRYPTO_SYM_DATA_REQ_HDR_STATELESS_SIZE];
	__le32 op_type;
};

struct vcrs_hash_data_flf_stateless {
	struct {
		__le32 algo;
	} sess_para;
	__le32 src_data_len;
	__le32 hash_result_len;
	__le32 reserved;
};

struct vcrs_mac_data_flf_stateless {
	struct {
		__le32 algo;
		__le32 auth_key_len;
	} sess_para;
	__le32 src_data_len;
	__le32 hash_result_len;
};

struct vcrs_aead_data_flf_stateless {
	struct {
		__le32 algo;
		__le32 key_len;
		__le32 op;
	} sess_para;
	__le32 iv_len;
	__le32 tag_len;
	__le32 aad_len;
	__le32 src_data_len;
	__le32 dst_data_len;
};

/* Revision 1's session-mode AEAD data request: the uapi one grows tag_len. */
struct vcrs_aead_data_flf {
	__le32 iv_len;
	__le32 aad_len;
	__le32 src_data_len;
	__le32 dst_data_len;
	__le32 tag_len;
	__le32 reserved;
};

#endif /* VIRTIO_CRYPTO_RS_H */
