#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The setkey part of vcrypto_faults_alloc.sh (see there), as a program of its
# own so that each part has the runner's whole timeout.
exec "$(dirname "$0")/vcrypto_faults_alloc.sh" setkey
