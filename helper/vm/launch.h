/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * launch.h - inside `vfiobind vm run` (vm_run(), vm.h): what its stages
 * share. Internal to vm/. The stages, in order, and where they live:
 *   prepare, hand over, conclude, give back   start.c
 *   isolate (isolate = yes: the host off cpus) isolate.c, from start.c
 *   hugepages: reserve, give back             hugepages.c
 *   swtpm                                     swtpm.c
 *   QEMU: its arguments, start, signals       qemu.c
 *   supervise: signals, QMP, deadlines        supervise.c
 *   restart after a guest reboot              restart.c
 * Each takes the one struct launch of the run; "give back" is safe after
 * any earlier stage, whatever it left half done.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "basic/cpulist.h"
#include "config/vmconf.h"
#include "vm/devices.h"
#include "vm/devns.h"
#include "vm/handover.h"
#include "vm/qmp.h"
#include "vm/spawn.h"

/* How long QEMU may take to answer QMP: it does so only after the
 * machine is built, vfio devices realized and guest RAM pinned, which for
 * tens of GiB without huge pages takes seconds. */
#define QMP_START_TIMEOUT_S 120
#define SWTPM_TIMEOUT_S	    10
#define KILL_GRACE_S	    10
/* QMP messages handled per wakeup, and batches read after QEMU exited. */
#define QMP_BATCH	  64
#define QMP_DRAIN_BATCHES 64
/* Lines of QEMU's making logged: a burst per window (supervise.c). */
#define QMP_LOG_BURST	  10
#define QMP_LOG_WINDOW_MS 5000
/* QEMU's locked-memory limit above the guest's RAM: vfio pins all of
 * it, and the 1 GiB libvirt adds for the rest (qemu_domain.c,
 * qemuDomainGetMemLockLimitBytes(): "guest memory + 1 GiB" whenever VFIO
 * is used); a RAM size neither memory = nor -m gives is QEMU's default,
 * 128 MiB on x86 (hw/i386/pc.c). swtpm gets Linux's default (MLOCK_LIMIT,
 * 8 MiB since 5.16), whatever the unit's LimitMEMLOCK=. */
/* reboot = restart: at most this many restarts within the window; the
 * next one ends the VM (result "reboot-limit", no host power-off). A
 * guest that resets as soon as it runs (a triple fault at boot) would
 * otherwise restart QEMU for ever. */
#define REBOOT_LIMIT	 5
#define REBOOT_WINDOW_MS 60000
/* How long the old QEMU's process group may take to be gone (its vfio
 * descriptors closed) before the functions are reset. */
#define REBOOT_GONE_MS	     10000
#define MEMLOCK_EXTRA_MIB    1024ULL
#define QEMU_DEFAULT_RAM_MIB 128ULL
#define SWTPM_MEMLOCK_BYTES  (8ULL << 20)

/* Descriptor numbers QEMU gets, named in its arguments. */
#define QMP_FD	     3
#define QMP_ADMIN_FD 4

/* Everything the launcher holds while the VM runs. */
struct launch {
	const struct vm *vm;
	const struct vmdevs *d;
	struct vmuser user;
	char dir[PATH_MAX];	  /* its runtime state directory */
	char tpm_sock[PATH_MAX];  /* swtpm's control socket, "" without tpm */
	struct devns qemu_dev;	  /* the /dev QEMU gets (devns.h) */
	struct devns tpm_dev;	  /* and swtpm */
	struct handed *handed;	  /* the image-file disks, all noted */
	size_t nhanded, napplied; /* noted; changed so far */
	int sigfd;
	int lockfd; /* the locked launcher file */
	pid_t qemu, swtpm;
	pid_t qemu_pgid; /* QEMU's process group: its pid, kept after it exits */
	int qemu_status;
	struct qmp qmp;
	bool qmp_open;
	/* GREETING, CAPS, then with cpus = PIN (query-cpus-fast) and CONT
	 * (QEMU was started paused, -S), then RUNNING. */
	enum { QMP_GREETING, QMP_CAPS, QMP_PIN, QMP_CONT, QMP_RUNNING } qmp_state;
	unsigned *pin;	     /* vCPU i's host CPU (vmcpu_qemu_args()), or NULL */
	size_t npin;	     /* vCPUs */
	bool pin_cont;	     /* -S is ours: cont after pinning */
	struct cpuset emu;   /* QEMU's other threads and swtpm; empty: no pinning */
	bool isolated;	     /* isolate = yes applied: restore at give back */
	bool huge_reserved;  /* hugepages = reserved and recorded: give back */
	bool stopping;	     /* told to stop: no power-off, whatever the guest does */
	bool guest_shutdown; /* SHUTDOWN guest=true reason=guest-shutdown seen */
	bool qemu_shutdown;  /* any SHUTDOWN event seen: QEMU is on its way out */
	long long deadline;  /* ms; 0: none */
	int deadline_step;   /* 0 start, 1 powerdown wait, 2 SIGTERM sent */
	/* reboot = restart (restart.c): the guest reset itself (SHUTDOWN
	 * reason guest-reset, or host-qmp-system-reset from root's monitor),
	 * restarts so far, when the last REBOOT_LIMIT were (ms), and why the
	 * restarts ended when that is the result ("reboot-limit", "exited"). */
	bool guest_reset;
	unsigned reboots;
	long long reboot_at[REBOOT_LIMIT];
	const char *reboot_end;
	/* What QEMU says is the VM user's text: logged at a bounded rate. */
	long long log_window; /* ms, start of the current window */
	unsigned log_count, log_dropped;
};

/** launch_now_ms() - CLOCK_MONOTONIC in milliseconds (clock_gettime(2)). */
long long launch_now_ms(void);

/**
 * launch_swtpm() - stage "swtpm": the TPM state directory (the user's,
 * created when missing under a directory of root's alone), then swtpm
 * socket --tpm2 --terminate as the user; waits up to SWTPM_TIMEOUT_S for
 * its control socket, as libvirt does, and names it in @L->tpm_sock.
 * Return: 0; -EPERM the directory is not the user's; -ENOENT it cannot be
 * created; -EIO swtpm exited first; -ETIMEDOUT; -ENAMETOOLONG; another
 * -errno (mkdir(2), fchown(2), fork(2)). Every refusal is logged.
 */
int launch_swtpm(struct launch *L);

/**
 * launch_stop_swtpm() - swtpm ends by itself once QEMU hangs up
 * (--terminate, swtpm(8)); wait up to 5 s for that, then SIGTERM, then
 * SIGKILL after 2 s. Nothing when it does not run.
 */
void launch_stop_swtpm(struct launch *L);

/**
 * launch_qemu() - stage "start QEMU": the user's command and arguments,
 * then -display none, our QMP monitor on a socket pair (QMP_FD), root's
 * listening monitor <state>/qmp.sock (QMP_ADMIN_FD, 0600), the TPM when
 * @L->tpm_sock is set, and the -device arguments (vmdevs_qemu_args());
 * started as the user with VFIOBIND_VM=NAME in its environment. Later
 * options win in QEMU (qemu-options.hx), so -display none overrides the
 * user's. Sets @L->qemu, @L->qemu_pgid and opens @L->qmp.
 * Return: 0; -ENAMETOOLONG; -ENOMEM; another -errno (socketpair(2),
 * bind(2), listen(2), fork(2)).
 */
int launch_qemu(struct launch *L);

/**
 * launch_kill_qemu() - send @sig to QEMU's process group (see qemu.c for
 * why the group). Nothing before QEMU started; ESRCH is not an error.
 */
void launch_kill_qemu(struct launch *L, int sig);

/**
 * launch_reap() - reap every child that has exited (waitpid(2) WNOHANG):
 * QEMU's status into @L->qemu_status, swtpm noted (and logged when it
 * left while QEMU still ran).
 * Return: true when QEMU has exited (or never started).
 */
bool launch_reap(struct launch *L);

/**
 * launch_supervise() - stage "supervise": until QEMU exits, handle the
 * signals (@L->sigfd), QMP in bounded batches (greeting, capabilities,
 * SHUTDOWN events, READY=1 to systemd), and the deadlines: QMP within
 * QMP_START_TIMEOUT_S, the guest's power-off within stop-timeout, SIGKILL
 * KILL_GRACE_S after SIGTERM. Then kills what is left of QEMU's group and
 * reads what QMP still had buffered.
 */
void launch_supervise(struct launch *L);

/**
 * launch_emulator_cpus() - with cpus =, where QEMU's other threads (main
 * loop, I/O, workers) and swtpm run, into @L->emu: emulator-cpus =, or the
 * online CPUs outside cpus =. Logged; empty (no pinning) without cpus = or
 * when this host's CPUs cannot be read.
 */
void launch_emulator_cpus(struct launch *L);

/**
 * launch_pin_vcpus() - stage "pin", from QEMU's answer to
 * query-cpus-fast (@ret, its "return" array): each vCPU's thread, when it
 * is a thread of QEMU (its thread group in QEMU's process group, the VM
 * user's: QEMU names the threads, and a false one must not make root move
 * another process), pinned to its one host CPU (sched_setaffinity(2),
 * which another user's thread needs CAP_SYS_NICE for) and read back.
 * Return: the number of vCPUs pinned; each one that is not is logged.
 */
size_t launch_pin_vcpus(struct launch *L, const struct json_val *ret);

/**
 * launch_restart() - after launch_supervise(), with reboot = restart and
 * a guest reboot seen (@L->guest_reset): unless the launcher is stopping
 * (a stop signal, also one still queued on @L->sigfd) or the guest
 * rebooted REBOOT_LIMIT times within REBOOT_WINDOW_MS, wait up to
 * REBOOT_GONE_MS for QEMU's process group to be gone, reset each of the
 * VM's functions that has a reset method (restart_reset_functions()),
 * start swtpm again when it left with QEMU (--terminate), and QEMU
 * (launch_qemu()), with the per-run state cleared. Logged, with the count
 * ("guest reboot N: QEMU started again") and in sd_notify STATUS=.
 * Return: 0 when QEMU runs again (supervise it); 1 when there is nothing
 * to restart (no reboot, reboot = reset, stopping); -EMLINK at the limit
 * (@L->reboot_end "reboot-limit"); another -errno when swtpm or QEMU
 * could not be started (@L->reboot_end "exited"). Never powers off.
 */
int launch_restart(struct launch *L);

/**
 * restart_reset_functions() - reset each function of @d through
 * /sys/bus/pci/devices/ADDR/reset (write "1": reset_store() ->
 * pci_reset_function(), drivers/pci/pci-sysfs.c), where its reset_method
 * is not empty: the kernel then tries those methods in order (5.15+,
 * pci_reset_function() -> __pci_reset_function_locked()). A function
 * with an empty or no reset_method is skipped, said. Each reset, with its
 * methods, and each failure (with the kernel's -errno) is logged as @name's.
 * Return: the number of functions whose reset failed; a failure does not
 * stop the others.
 */
unsigned restart_reset_functions(const char *name, const struct vmdevs *d);

/**
 * launch_close_qmp() - stop listening to QMP; @why (or NULL when QEMU is
 * simply exiting) is logged as a warning.
 */
void launch_close_qmp(struct launch *L, const char *why);
