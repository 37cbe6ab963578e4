// SPDX-License-Identifier: GPL-2.0
/*
 * crypto_loadgen: a parallel load generator for asynchronous crypto drivers.
 *
 * tcrypt keeps one thread busy; a driver with several queues is only measured
 * by several submitters at once. This module starts one kernel thread per
 * online CPU (or `threads`), each bound to its CPU, and each keeps `inflight`
 * requests in flight on a transform of `alg` for `secs` seconds per size. It
 * prints, per size, the operations and bytes per second of all threads
 * together. Like tcrypt it does its work at load time and then refuses to stay
 * loaded (-EAGAIN).
 *
 *   insmod crypto_loadgen.ko alg=virtio-rs-cbc-aes type=skcipher keylen=16
 *   insmod crypto_loadgen.ko alg=cbc-aes-virtio ...      (the C driver)
 *   insmod crypto_loadgen.ko alg='cbc(aes-generic)' ...  (software)
 *
 * `alg` is an algorithm or a driver name. Every transform is asynchronous:
 * requests complete in their callback, and the thread refills its slots. A
 * request the driver refuses for now (-EBUSY with backlog) counts as in
 * flight; any other error is counted and printed, and stops the run after
 * `max_errors`. The output is `crypto_loadgen: ...` lines in the kernel log:
 *
 *   crypto_loadgen: result driver=<d> type=<t> threads=<n> inflight=<m> size=<s>
 *                   ops=<n> ns=<n> ops_per_s=<n> bytes_per_s=<n> errors=<n>
 *                   busy_pct=<p> cpu_ns_per_op=<n>
 *
 * busy_pct is how busy all online CPUs were during the size's run (100: the
 * CPUs, not the device, were the limit), and cpu_ns_per_op the CPU time all
 * of them spent per operation: the submitting threads, the driver, the
 * interrupts and everything else that ran meanwhile (the run has the machine
 * to itself). Both come from the idle time /proc/stat counts.
 *
 * With `rekey`, every operation is a new key and one request on it (what a
 * TLS connection or an IPsec rekey costs: setkey, then the first request):
 * one request in flight per thread, a transform each; `rekey=1` is printed in
 * the result line.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kernel_stat.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/tick.h>
#include <linux/wait.h>

static char *alg = "cbc(aes)";
module_param(alg, charp, 0444);
MODULE_PARM_DESC(alg, "algorithm or driver name");
static char *type = "skcipher";
module_param(type, charp, 0444);
MODULE_PARM_DESC(type, "skcipher (encrypt), aead (encrypt) or ahash (digest)");
static unsigned int keylen = 16;
module_param(keylen, uint, 0444);
MODULE_PARM_DESC(keylen, "key length in bytes (0: no key, for unkeyed hashes)");
static unsigned int authsize = 16;
module_param(authsize, uint, 0444);
MODULE_PARM_DESC(authsize, "aead tag length");
static unsigned int assoclen;
module_param(assoclen, uint, 0444);
MODULE_PARM_DESC(assoclen, "aead associated data length (part of the source)");
static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "submitting threads, one per CPU in turn (0: one per online CPU)");
static unsigned int inflight = 16;
module_param(inflight, uint, 0444);
MODULE_PARM_DESC(inflight, "requests each thread keeps in flight");
static unsigned int secs = 1;
module_param(secs, uint, 0444);
MODULE_PARM_DESC(secs, "seconds per size");
static bool shared;
module_param(shared, bool, 0444);
MODULE_PARM_DESC(shared, "one transform for all threads (like one dm-crypt mapping) instead of one each");
static unsigned int sizes[16] = { 16, 64, 256, 1024, 4096, 16384, 65536 };
static unsigned int nr_sizes = 7;
module_param_array(sizes, uint, &nr_sizes, 0444);
MODULE_PARM_DESC(sizes, "request sizes in bytes, comma-separated");
static bool rekey;
module_param(rekey, bool, 0444);
MODULE_PARM_DESC(rekey, "every operation sets a new key first (needs inflight=1, not shared)");
static unsigned int max_errors = 16;
module_param(max_errors, uint, 0444);
MODULE_PARM_DESC(max_errors, "stop a run after this many failed requests");

#define LG_MAX_SIZE	(1U << 20)
#define LG_MAX_THREADS	64
#define LG_MAX_INFLIGHT	1024
#define LG_DRAIN_SECS	30

enum lg_type { LG_SKCIPHER, LG_AEAD, LG_AHASH };

/* A transform of any of the three types. */
struct lg_tfm {
	enum lg_type type;
	union {
		struct crypto_skcipher *skcipher;
		struct crypto_aead *aead;
		struct crypto_ahash *ahash;
	};
};

struct lg_thread;

/* One request slot: the request and its buffers, reused for every operation. */
struct lg_slot {
	struct lg_thread *t;
	unsigned int index;
	union {
		struct skcipher_request *skreq;
		struct aead_request *areq;
		struct ahash_request *hreq;
	};
	u8 *src, *dst;
	struct scatterlist ssg, dsg;
	u8 iv[32];
	u8 digest[HASH_MAX_DIGESTSIZE];
};

struct lg_thread {
	struct lg_tfm tfm;
	bool own_tfm;
	unsigned int cpu, size;
	struct lg_slot *slots;
	struct task_struct *task;
	/* Completed slots, waiting for the thread to refill them. */
	spinlock_t lock;
	unsigned long *done;
	unsigned int busy;		/* slots in flight, under lock */
	u64 completed;			/* operations completed, under lock */
	u64 errors;			/* failed operations, under lock */
	int first_error;
	wait_queue_head_t wq;
	/* Results of the run. */
	u64 ops, ns;
	int ret;
	struct completion finished;
};

static int lg_parse_type(enum lg_type *t)
{
	if (!strcmp(type, "skcipher"))
		*t = LG_SKCIPHER;
	else if (!strcmp(type, "aead"))
		*t = LG_AEAD;
	else if (!strcmp(type, "ahash"))
		*t = LG_AHASH;
	else
		return -EINVAL;
	return 0;
}

static const char *lg_driver_name(struct lg_tfm *tfm)
{
	switch (tfm->type) {
	case LG_SKCIPHER:
		return crypto_tfm_alg_driver_name(crypto_skcipher_tfm(tfm->skcipher));
	case LG_AEAD:
		return crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm->aead));
	default:
		return crypto_tfm_alg_driver_name(crypto_ahash_tfm(tfm->ahash));
	}
}


static void lg_free_tfm(struct lg_tfm *tfm)
{
	switch (tfm->type) {
	case LG_SKCIPHER:
		crypto_free_skcipher(tfm->skcipher);
		break;
	case LG_AEAD:
		crypto_free_aead(tfm->aead);
		break;
	default:
		crypto_free_ahash(tfm->ahash);
	}
}

/* Gives tfm a new random key (an aead also its tag length). */
static int lg_setkey(struct lg_tfm *tfm)
{
	u8 key[128];
	int ret = 0;

	if (keylen > sizeof(key))
		return -EINVAL;
	get_random_bytes(key, keylen);
	switch (tfm->type) {
	case LG_SKCIPHER:
		ret = crypto_skcipher_setkey(tfm->skcipher, key, keylen);
		break;
	case LG_AEAD:
		ret = crypto_aead_setkey(tfm->aead, key, keylen) ?:
		      crypto_aead_setauthsize(tfm->aead, authsize);
		break;
	case LG_AHASH:
		if (keylen)
			ret = crypto_ahash_setkey(tfm->ahash, key, keylen);
		break;
	}
	memzero_explicit(key, sizeof(key));
	return ret;
}

/* Allocates an asynchronous-capable transform of `alg` and gives it a random key. */
static int lg_alloc_tfm(struct lg_tfm *tfm, enum lg_type t)
{
	int ret;

	tfm->type = t;
	switch (t) {
	case LG_SKCIPHER:
		tfm->skcipher = crypto_alloc_skcipher(alg, 0, 0);
		if (IS_ERR(tfm->skcipher))
			return PTR_ERR(tfm->skcipher);
		break;
	case LG_AEAD:
		tfm->aead = crypto_alloc_aead(alg, 0, 0);
		if (IS_ERR(tfm->aead))
			return PTR_ERR(tfm->aead);
		break;
	case LG_AHASH:
		tfm->ahash = crypto_alloc_ahash(alg, 0, 0);
		if (IS_ERR(tfm->ahash))
			return PTR_ERR(tfm->ahash);
		break;
	}
	ret = lg_setkey(tfm);
	if (ret) {
		pr_err("crypto_loadgen: setting the key of %s failed: %d\n", alg, ret);
		lg_free_tfm(tfm);
	}
	return ret;
}

static void lg_done(void *data, int err)
{
	struct lg_slot *s = data;
	struct lg_thread *t = s->t;
	unsigned long flags;

	/* A backlogged request was taken: it completes later. */
	if (err == -EINPROGRESS)
		return;
	spin_lock_irqsave(&t->lock, flags);
	if (err) {
		if (!t->errors++)
			t->first_error = err;
	} else {
		t->completed++;
	}
	t->busy--;
	__set_bit(s->index, t->done);
	spin_unlock_irqrestore(&t->lock, flags);
	wake_up(&t->wq);
}

/* Starts one operation on slot s; a synchronous answer completes it at once. */
static void lg_submit(struct lg_thread *t, struct lg_slot *s)
{
	unsigned int len = t->size;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&t->lock, flags);
	t->busy++;
	spin_unlock_irqrestore(&t->lock, flags);

	switch (t->tfm.type) {
	case LG_SKCIPHER:
		sg_init_one(&s->ssg, s->src, len);
		sg_init_one(&s->dsg, s->dst, len);
		skcipher_request_set_callback(s->skreq, CRYPTO_TFM_REQ_MAY_BACKLOG, lg_done, s);
		skcipher_request_set_crypt(s->skreq, &s->ssg, &s->dsg, len, s->iv);
		ret = crypto_skcipher_encrypt(s->skreq);
		break;
	case LG_AEAD:
		sg_init_one(&s->ssg, s->src, assoclen + len);
		sg_init_one(&s->dsg, s->dst, assoclen + len + authsize);
		aead_request_set_callback(s->areq, CRYPTO_TFM_REQ_MAY_BACKLOG, lg_done, s);
		aead_request_set_ad(s->areq, assoclen);
		aead_request_set_crypt(s->areq, &s->ssg, &s->dsg, len, s->iv);
		ret = crypto_aead_encrypt(s->areq);
		break;
	default:
		sg_init_one(&s->ssg, s->src, len);
		ahash_request_set_callback(s->hreq, CRYPTO_TFM_REQ_MAY_BACKLOG, lg_done, s);
		ahash_request_set_crypt(s->hreq, &s->ssg, s->digest, len);
		ret = crypto_ahash_digest(s->hreq);
		break;
	}
	if (ret != -EINPROGRESS && ret != -EBUSY)
		lg_done(s, ret);
}

static void lg_free_slots(struct lg_thread *t)
{
	unsigned int i;

	if (!t->slots)
		return;
	for (i = 0; i < inflight; i++) {
		struct lg_slot *s = &t->slots[i];

		switch (t->tfm.type) {
		case LG_SKCIPHER:
			skcipher_request_free(s->skreq);
			break;
		case LG_AEAD:
			aead_request_free(s->areq);
			break;
		default:
			ahash_request_free(s->hreq);
		}
		kfree(s->src);
		kfree(s->dst);
	}
	kfree(t->slots);
	bitmap_free(t->done);
	t->slots = NULL;
}

static int lg_alloc_slots(struct lg_thread *t, unsigned int max_size)
{
	unsigned int i, room = assoclen + max_size + authsize;

	t->slots = kcalloc(inflight, sizeof(*t->slots), GFP_KERNEL);
	t->done = bitmap_zalloc(inflight, GFP_KERNEL);
	if (!t->slots || !t->done)
		goto nomem;
	for (i = 0; i < inflight; i++) {
		struct lg_slot *s = &t->slots[i];

		s->t = t;
		s->index = i;
		s->src = kmalloc(room, GFP_KERNEL);
		s->dst = kmalloc(room, GFP_KERNEL);
		switch (t->tfm.type) {
		case LG_SKCIPHER:
			s->skreq = skcipher_request_alloc(t->tfm.skcipher, GFP_KERNEL);
			break;
		case LG_AEAD:
			s->areq = aead_request_alloc(t->tfm.aead, GFP_KERNEL);
			break;
		default:
			s->hreq = ahash_request_alloc(t->tfm.ahash, GFP_KERNEL);
		}
		if (!s->src || !s->dst || !s->skreq)
			goto nomem;
		get_random_bytes(s->src, room);
		get_random_bytes(s->iv, sizeof(s->iv));
	}
	return 0;
nomem:
	lg_free_slots(t);
	return -ENOMEM;
}

/* Waits for every slot in flight: a request is never freed under its driver. */
static int lg_drain(struct lg_thread *t)
{
	if (!wait_event_timeout(t->wq, READ_ONCE(t->busy) == 0, LG_DRAIN_SECS * HZ)) {
		pr_err("crypto_loadgen: %u requests of CPU %u unanswered after %d s\n",
		       READ_ONCE(t->busy), t->cpu, LG_DRAIN_SECS);
		return -ETIMEDOUT;
	}
	return 0;
}

static bool lg_has_done(struct lg_thread *t)
{
	return !bitmap_empty(t->done, inflight);
}

/*
 * Takes the completed slots into ready (the thread refills them) and stops the
 * run after too many errors: the run's result, 0 to go on.
 */
static int lg_take_done(struct lg_thread *t, unsigned long *ready)
{
	spin_lock_irq(&t->lock);
	bitmap_copy(ready, t->done, inflight);
	bitmap_zero(t->done, inflight);
	if (t->errors > max_errors)
		t->ret = t->first_error;
	spin_unlock_irq(&t->lock);
	return t->ret;
}

/* rekey: a new key, then one request on it, until the deadline. */
static void lg_rekey_loop(struct lg_thread *t, unsigned long *ready, unsigned long deadline)
{
	while (time_before(jiffies, deadline)) {
		t->ret = lg_setkey(&t->tfm);
		if (t->ret)
			return;
		lg_submit(t, &t->slots[0]);
		wait_event(t->wq, lg_has_done(t));
		if (lg_take_done(t, ready))
			return;
	}
}

/* inflight requests at once, each slot refilled as it completes, until the deadline. */
static void lg_load_loop(struct lg_thread *t, unsigned long *ready, unsigned long deadline)
{
	unsigned int i;

	for (i = 0; i < inflight; i++)
		lg_submit(t, &t->slots[i]);
	while (time_before(jiffies, deadline)) {
		wait_event_timeout(t->wq, lg_has_done(t), HZ / 10);
		if (lg_take_done(t, ready))
			return;
		for_each_set_bit(i, ready, inflight)
			lg_submit(t, &t->slots[i]);
	}
}

static int lg_thread_fn(void *data)
{
	struct lg_thread *t = data;
	unsigned long *ready = bitmap_zalloc(inflight, GFP_KERNEL);
	unsigned long deadline;
	ktime_t start;

	t->ret = ready ? 0 : -ENOMEM;
	if (!ready)
		goto out;
	start = ktime_get();
	deadline = jiffies + secs * HZ;
	if (rekey)
		lg_rekey_loop(t, ready, deadline);
	else
		lg_load_loop(t, ready, deadline);
	spin_lock_irq(&t->lock);
	t->ops = t->completed;
	spin_unlock_irq(&t->lock);
	t->ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	if (lg_drain(t))
		t->ret = -ETIMEDOUT;
	bitmap_free(ready);
out:
	complete(&t->finished);
	/* Stay until kthread_stop(): the creator reads the results first. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * Time all online CPUs have spent idle or waiting for I/O, in ns, as
 * /proc/stat counts it: the tick code's figure where it keeps one (NO_HZ),
 * else the tick's counters.
 */
static u64 lg_idle_ns(void)
{
	u64 sum = 0;
	int cpu;

	for_each_online_cpu(cpu) {
		u64 idle = get_cpu_idle_time_us(cpu, NULL);
		u64 iowait = get_cpu_iowait_time_us(cpu, NULL);

		if (idle == -1ULL)
			sum += kcpustat_cpu(cpu).cpustat[CPUTIME_IDLE] +
			       kcpustat_cpu(cpu).cpustat[CPUTIME_IOWAIT];
		else
			sum += (idle + (iowait == -1ULL ? 0 : iowait)) * NSEC_PER_USEC;
	}
	return sum;
}

/* Runs every thread at one size and prints the sum. */
static int lg_run_size(struct lg_thread *ts, unsigned int n, unsigned int size)
{
	u64 ops = 0, ns = 0, errors = 0, idle, capacity, busy;
	unsigned int i, cpus = num_online_cpus();
	ktime_t start;
	int ret = 0;

	for (i = 0; i < n; i++) {
		struct lg_thread *t = &ts[i];

		t->size = size;
		t->completed = t->errors = t->busy = 0;
		t->first_error = t->ret = 0;
		bitmap_zero(t->done, inflight);
		init_completion(&t->finished);
		t->task = kthread_create_on_cpu(lg_thread_fn, t, t->cpu, "crypto_loadgen/%u");
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
			break;
		}
	}
	/* The CPUs' time from here to the last thread's end (its drain too). */
	idle = lg_idle_ns();
	start = ktime_get();
	for (i = 0; i < n && ts[i].task; i++)
		wake_up_process(ts[i].task);
	for (i = 0; i < n && ts[i].task; i++) {
		struct lg_thread *t = &ts[i];

		wait_for_completion(&t->finished);
		kthread_stop(t->task);
		t->task = NULL;
		ops += t->ops;
		ns = max(ns, t->ns);
		errors += t->errors;
		if (t->ret && !ret)
			ret = t->ret;
	}
	capacity = (u64)cpus * ktime_to_ns(ktime_sub(ktime_get(), start));
	idle = lg_idle_ns() - idle;
	busy = capacity > idle ? capacity - idle : 0;
	if (ret) {
		pr_err("crypto_loadgen: %s at %u bytes failed: %d\n", alg, size, ret);
		return ret;
	}
	pr_info("crypto_loadgen: result driver=%s type=%s threads=%u inflight=%u size=%u%s ops=%llu ns=%llu ops_per_s=%llu bytes_per_s=%llu errors=%llu busy_pct=%llu cpu_ns_per_op=%llu\n",
		lg_driver_name(&ts[0].tfm), type, n, inflight, size, rekey ? " rekey=1" : "", ops, ns,
		mul_u64_u64_div_u64(ops, NSEC_PER_SEC, max_t(u64, ns, 1)),
		mul_u64_u64_div_u64(ops * size, NSEC_PER_SEC, max_t(u64, ns, 1)), errors,
		div64_u64(busy * 100, max_t(u64, capacity, 1)), div64_u64(busy, max_t(u64, ops, 1)));
	return 0;
}

static int __init lg_init(void)
{
	unsigned int n = threads ?: num_online_cpus(), i, max_size = 0, cpu;
	struct lg_thread *ts;
	enum lg_type t;
	int ret;

	ret = lg_parse_type(&t);
	if (ret || !n || n > LG_MAX_THREADS || !inflight || inflight > LG_MAX_INFLIGHT ||
	    !secs || !nr_sizes || (rekey && (inflight != 1 || shared))) {
		pr_err("crypto_loadgen: bad parameters\n");
		return -EINVAL;
	}
	for (i = 0; i < nr_sizes; i++) {
		if (!sizes[i] || sizes[i] > LG_MAX_SIZE)
			return -EINVAL;
		max_size = max(max_size, sizes[i]);
	}
	ts = kcalloc(n, sizeof(*ts), GFP_KERNEL);
	if (!ts)
		return -ENOMEM;
	cpu = cpumask_first(cpu_online_mask);
	for (i = 0; i < n; i++) {
		struct lg_thread *th = &ts[i];

		th->cpu = cpu;
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		spin_lock_init(&th->lock);
		init_waitqueue_head(&th->wq);
		if (shared && i > 0) {
			th->tfm = ts[0].tfm;
		} else {
			ret = lg_alloc_tfm(&th->tfm, t);
			if (ret)
				goto out;
			th->own_tfm = true;
		}
		ret = lg_alloc_slots(th, max_size);
		if (ret)
			goto out;
	}
	pr_info("crypto_loadgen: %s (driver %s), %s, %u threads, %u in flight each, %u s per size\n",
		alg, lg_driver_name(&ts[0].tfm), shared ? "one shared transform" : "a transform each",
		n, inflight, secs);
	for (i = 0; i < nr_sizes && !ret; i++)
		ret = lg_run_size(ts, n, sizes[i]);
out:
	if (ret)
		pr_err("crypto_loadgen: %s: %d\n", alg, ret);
	/* Slots first (their requests belong to the transforms), shared transform last. */
	for (i = 0; i < n; i++)
		lg_free_slots(&ts[i]);
	for (i = n; i-- > 0;)
		if (ts[i].own_tfm)
			lg_free_tfm(&ts[i].tfm);
	kfree(ts);
	/* Like tcrypt: the work is done, the module does not stay. */
	return ret ?: -EAGAIN;
}

module_init(lg_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Parallel load generator for asynchronous crypto drivers");
