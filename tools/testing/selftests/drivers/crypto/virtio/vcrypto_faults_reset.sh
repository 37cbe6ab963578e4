#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The second half of vcrypto_faults.sh (stalled queues, a device that needs a
# reset), as a program of its own so that each half has the runner's whole
# timeout.
exec "$(dirname "$0")/vcrypto_faults.sh" reset
