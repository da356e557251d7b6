/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * complete.h - `vfiobind complete WHAT`, the hidden command the shell
 * completions (completions/) call for candidates only the system knows:
 * the declared functions and the [vm NAME] sections. The shells never
 * parse the config themselves, so a completion cannot drift from what the
 * helper reads.
 */
#pragma once

/**
 * complete_main() - print the candidates of @what, one per line, sorted,
 * each once:
 *   devices  every function or slot the device list declares (IDs resolved
 *            against sysfs) and every function now on vfio-pci: what
 *            `release` takes
 *   vms      the names of the [vm NAME] sections: what `qemu-args` and
 *            `vm ...` take
 * @config: --config FILE, or NULL for /etc/vfiobind.conf under the root
 *          prefix (root_set() already called).
 *
 * A completion must never print errors into the user's command line: a
 * missing or broken config, or no sysfs, gives fewer candidates, nothing
 * on stderr.
 * Return: the exit code: 0, or 2 (usage) for an unknown @what.
 */
int complete_main(const char *config, int argc, char **argv);
