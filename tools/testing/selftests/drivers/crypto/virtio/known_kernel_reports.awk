# SPDX-License-Identifier: GPL-2.0
# Filters a kernel log: prints it without the reports of known bugs of the
# kernel itself (not of our module), each replaced by one line
# "KNOWN: <what>". Used by the guest tests (dmesg_problems, vcrypto_lib.sh)
# and the host's check of every guest's whole log (scripts/check.sh), so a
# known report is shown but counts as no failure; anything else still does.
#
# Known reports:
# - pciehp (7.2.12): lockdep "possible circular locking dependency" between
#   pci_rescan_remove_lock and the slot's reset_lock, both taken by
#   pciehp_unconfigure_device() itself on every hot-unplug of a device (it
#   holds reset_lock, takes pci_rescan_remove_lock, drops reset_lock around
#   the device's removal and takes it again under pci_rescan_remove_lock).
#   Seen on the debug kernel at the first device_del of vcrypto_unplug.sh,
#   also with no driver bound; only while no frame of ours is in it.
/possible circular locking dependency detected/ { inblk = 1; blk = "" }
inblk {
	blk = blk $0 "\n"
	if ($0 ~ /<\/TASK>/) {
		inblk = 0
		if (blk ~ /pciehp_unconfigure_device/ && blk ~ /pci_rescan_remove_lock/ &&
		    blk ~ /reset_lock/ && blk !~ /virtio_crypto_rs|vcrs_/)
			print "KNOWN: pciehp's own lockdep report (pci_rescan_remove_lock vs reset_lock in pciehp_unconfigure_device), not ours"
		else
			printf "%s", blk
	}
	next
}
{ print }
END { if (inblk) printf "%s", blk }
