/*
 * boot.S - the inner guest of the end-to-end test: a 512-byte boot
 * sector that behaves, for the launcher, like an operating system.
 *
 * It enables the ACPI power button and then waits, halting between timer
 * ticks, for one of two things:
 *   - the power button (PWRBTN_STS in PM1a_STS): what QMP system_powerdown
 *     presses, as Windows sees it when the launcher stops the VM;
 *   - a key (BIOS int 16h): what the test sends with QMP send-key to make
 *     the guest shut down on its own, as a user choosing "Shut down".
 * Either way it powers off the way an ACPI OS does: SLP_TYP 0 (S5 in
 * QEMU's tables) with SLP_EN in PM1a_CNT, which QEMU reports as a
 * SHUTDOWN event with "guest": true, "reason": "guest-shutdown".
 * The key 'r' reboots instead, as Windows does after an update: a full
 * reset through the ICH9 reset control register (0x06 to port 0xCF9,
 * hw/isa/lpc_ich9.c), then the keyboard controller's reset line (0xFE to
 * port 0x64) should that one be missing. QEMU resets the machine (RESET,
 * "guest-reset"), or with -no-reboot exits (SHUTDOWN, "guest-reset").
 *
 * q35 (ICH9): SeaBIOS puts the PM I/O base at 0x600, so PM1a_STS is 0x600,
 * PM1a_EN 0x602 and PM1a_CNT 0x604 (hw/isa/lpc_ich9.c, hw/acpi/ich9.c).
 * Progress goes to COM1 (0x3f8) when the VM has a serial port.
 *
 * Built by mkboot.sh: as --32, then ld -m elf_i386 -Ttext 0x7c00
 * --oformat binary.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $0x7c00, %sp
	sti
	/* PWRBTN_EN (PM1a_EN bit 8): QEMU sets PWRBTN_STS only when it is
	 * enabled (hw/acpi/core.c, acpi_pm1_evt_power_down()). Assembled
	 * with --defsym DEAF=1 it is not: a guest that ignores the power
	 * button, for the launcher's stop-timeout. */
	.ifndef DEAF
	movw $0x602, %dx
	inw %dx, %ax
	orw $0x100, %ax
	outw %ax, %dx
	.endif
	movw $up, %si
	call puts
wait:
	movw $0x600, %dx
	inw %dx, %ax
	testw $0x100, %ax
	jnz pwrbtn
	movb $1, %ah		/* keystroke waiting? ZF clear if so */
	int $0x16
	jnz key
	hlt			/* until the next timer tick */
	jmp wait
pwrbtn:
	movw $btn, %si
	jmp off
key:
	cmpb $'r', %al		/* AL: the key's ASCII code */
	jne 2f
	movw $rbt, %si
	call puts
	movw $0xcf9, %dx
	movb $0x06, %al
	outb %al, %dx
	movb $0xfe, %al
	outb %al, $0x64
	jmp hang
2:	movw $kbd, %si
off:
	call puts
	movw $0x604, %dx	/* PM1a_CNT: SLP_EN (bit 13), SLP_TYP 0 */
	movw $0x2000, %ax
	outw %ax, %dx
hang:
	cli
	hlt
	jmp hang

puts:
	lodsb
	testb %al, %al
	jz 1f
	movw $0x3f8, %dx
	outb %al, %dx
	jmp puts
1:	ret

up:	.asciz "e2e-guest: up, waiting for the power button or a key\r\n"
btn:	.asciz "e2e-guest: power button: powering off\r\n"
kbd:	.asciz "e2e-guest: key: shutting down on its own\r\n"
rbt:	.asciz "e2e-guest: key r: rebooting\r\n"

	.org 510
	.word 0xaa55
