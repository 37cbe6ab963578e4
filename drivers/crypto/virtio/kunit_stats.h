/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's debugfs stats, read by the KUnit suites: an independent
 * witness of which requests the device served (digests and ciphertexts alone
 * would be right either way), and the device's max_size, by which the suites
 * size their requests.
 */
#ifndef VCRS_KUNIT_STATS_H
#define VCRS_KUNIT_STATS_H

#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * A value of the stats files (/sys/kernel/debug/virtio_crypto_rs-virtioN/stats),
 * summed over the devices, or their minimum with @min; -1 if there is none.
 */
static inline long long vcrs_stat(const char *key, bool min)
{
	size_t klen = strlen(key);
	long long res = -1;
	char path[64], *buf;
	int d;

	buf = kzalloc(2048, GFP_KERNEL);
	if (!buf)
		return -1;
	for (d = 0; d < 16; d++) {
		struct file *f;
		loff_t pos = 0;
		ssize_t n;
		char *p;

		snprintf(path, sizeof(path), "/sys/kernel/debug/virtio_crypto_rs-virtio%d/stats", d);
		f = filp_open(path, O_RDONLY, 0);
		if (IS_ERR(f))
			continue;
		n = kernel_read(f, buf, 2047, &pos);
		filp_close(f, NULL);
		if (n <= 0)
			continue;
		buf[n] = 0;
		for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			long long v;

			if (strncmp(p, key, klen) || p[klen] != ' ' ||
			    sscanf(p + klen + 1, "%lld", &v) != 1)
				continue;
			if (res < 0)
				res = v;
			else
				res = min ? min_t(long long, res, v) : res + v;
		}
	}
	kfree(buf);
	return res;
}

#endif /* VCRS_KUNIT_STATS_H */
