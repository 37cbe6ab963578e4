# SPDX-License-Identifier: GPL-2.0
#
# virtio-crypto-rs: user-facing targets. The module itself is built by Kbuild
# (see ./Kbuild) through the kernel's build system:
#
#   make                 build virtio_crypto_rs.ko against the cached test kernel
#   make KDIR=<dir>      ... against any Rust-enabled kernel build tree
#   make install         install the module into /lib/modules/<release>/updates
#                        of that kernel and run depmod (INSTALL_MOD_PATH=<root>
#                        installs under <root> instead); DKMS: see ./dkms.conf
#   make run             boot a QEMU guest with the module and its device
#   make check           build everything needed and run the whole test suite
#   make bench           speed of our driver beside the C driver and the generic code
#                        (tools/crypto-loadgen, dm-crypt, IPsec, the device on the host);
#                        results.md and plot.png in $(VCRYPTO_CACHE)/bench/latest/
#   make stock-module    build the module for Debian's stock cloud kernel (7.2)
#   make stock-check     ... and test it in that kernel under QEMU (KTAP)
#   make CLIPPY=1        build with clippy as the Rust compiler driver
#   make rustfmt / rustfmtcheck

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(HOME)/.cargo/bin:$(PATH)
export LIBCLANG_PATH ?= /usr/lib/llvm-19/lib

ifeq ($(KDIR),)
KDIR_CMD = $$($(TOP)/scripts/host-deps.sh >&2 && $(TOP)/scripts/kernel.sh)
else
KDIR_CMD = $(KDIR)
endif

.PHONY: all modules install run check bench stock-module stock-check rustfmt rustfmtcheck clean

all modules:
	@kdir=$(KDIR_CMD) && $(TOP)/scripts/check-kdir.sh "$$kdir" && \
	$(MAKE) -C "$$kdir" M=$(TOP) $$(cat "$$kdir/.vcrypto-make-args" 2>/dev/null) $(if $(CLIPPY),CLIPPY=1) modules

# The kernel's modules_install puts an external module into updates/ and runs
# depmod when the tree has a System.map; a headers-only tree has none, so run
# depmod here then (the module still has to be found by modprobe).
# Like the kernel's modules_install, it builds nothing if the module is built:
# `make` as yourself, then `sudo make install` (root's PATH may have no rustc).
install: $(if $(wildcard $(TOP)/virtio_crypto_rs.ko),,all)
	@kdir=$(KDIR_CMD) && \
	$(MAKE) -C "$$kdir" M=$(TOP) $$(cat "$$kdir/.vcrypto-make-args" 2>/dev/null) \
		INSTALL_MOD_DIR=updates $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install && \
	if [ ! -r "$$kdir/System.map" ]; then \
		rel=$$(cat "$$kdir/include/config/kernel.release") && \
		echo "  DEPMOD  $$rel" && depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) "$$rel"; \
	fi

run: all
	@$(TOP)/scripts/run.sh

check:
	@$(TOP)/scripts/check.sh

bench:
	@$(TOP)/scripts/bench.sh

# Debian's linux-image-7.2.*-cloud-amd64: its exact toolchain in a Debian
# root, the Rust crates rebuilt from linux-source-7.2 (scripts/stock-kernel.sh).
stock-module:
	@$(TOP)/scripts/stock-kernel.sh build

stock-check:
	@$(TOP)/scripts/stock-kernel.sh test

rustfmt:
	@find $(TOP)/rust $(TOP)/drivers -name '*.rs' | xargs rustfmt --edition 2021 --config-path $(TOP)/.rustfmt.toml

rustfmtcheck:
	@find $(TOP)/rust $(TOP)/drivers -name '*.rs' | xargs rustfmt --edition 2021 --config-path $(TOP)/.rustfmt.toml --check

clean:
	@kdir=$(KDIR_CMD) && $(MAKE) -C "$$kdir" M=$(TOP) $$(cat "$$kdir/.vcrypto-make-args" 2>/dev/null) clean && \
	$(MAKE) -C "$$kdir" M=$(TOP)/tools/crypto-loadgen clean
	rm -rf $(TOP)/include/generated
