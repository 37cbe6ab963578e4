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
