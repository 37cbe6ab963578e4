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

/* Wrappers for static inline functions and macros of <linux/virtio_config.h>. */
bool vcrs_virtio_has_feature(const struct virtio_device *vdev, unsigned int fbit);
int vcrs_virtio_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			 struct virtqueue *vqs[], struct virtqueue_info vqs_info[]);
void vcrs_virtio_del_vqs(struct virtio_device *vdev);
void vcrs_virtio_device_ready(struct virtio_device *vdev);
bool vcrs_virtio_has_config_get(const struct virtio_device *vdev);
void vcrs_virtio_cread_bytes(struct virtio_device *vdev, unsigned int offset,
			     void *buf, size_t len);

#endif /* VIRTIO_CRYPTO_RS_H */
