/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver's stats for the KUnit suites: an independent witness of which
 * requests the device served (digests and ciphertexts alone would be right
 * either way), and the device's max_size, by which the suites size requests.
 */
#ifndef VCRS_KUNIT_STATS_H
#define VCRS_KUNIT_STATS_H

#include <linux/types.h>

/*
 * A counter of the driver's stats (the keys of its debugfs stats file, and
 * "max_size"), summed over its devices, or their minimum with @min; -1 if
 * there is none. Exported by virtio_crypto_rs.
 */
long long vcrs_stat(const char *key, bool min);

/*
 * Fault mode (module parameters, defined in ahash_kunit.c): the device fails
 * every fault_every-th request of one kind; the fault suite of fault_alg's
 * type checks that exactly those callers get -fault_errno, and the ordinary
 * suites are skipped. fault_errno 0: the driver recovers from the fault (an
 * INVSESS answer: it creates the session again and resubmits), so no caller
 * may see an error, and the driver's "renewals" counter must move.
 */
extern unsigned int fault_every;
extern int fault_errno;
extern char *fault_alg;

#endif /* VCRS_KUNIT_STATS_H */
