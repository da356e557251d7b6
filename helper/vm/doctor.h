/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor.h - the VM half of `vfiobind doctor`: whether the launcher could
 * start each declared VM as its user. Read-only, under the root prefix.
 */
#pragma once

#include "config/conf.h"
#include "report/findings.h"

/**
 * vm_doctor() - the [vm NAME] checks of @conf into @fs: the VM sections'
 * errors, then per VM the user (exists; not root, nor of group
 * root), the qemu program
 * (found in SPAWN_PATH, executable by the user), the files its arguments
 * and romfile = name (readable by the user unless disk = hands them over),
 * tpm (swtpm installed, the directory the user's), the unit installed with
 * LimitMEMLOCK=infinity (vfio pins all guest RAM) and enabled (a link in a .wants directory
 * of /etc/systemd/system, what `systemctl enable` makes). Nothing when @conf declares no VM.
 */
void vm_doctor(const struct conf *conf, struct findings *fs);
