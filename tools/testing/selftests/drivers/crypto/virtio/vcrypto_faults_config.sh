#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Part of vcrypto_faults.sh (the config part, see there), as a program of its own so
# that it has the runner's whole timeout.
exec "$(dirname "$0")/vcrypto_faults.sh" config
