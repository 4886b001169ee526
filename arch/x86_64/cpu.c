/* SPDX-License-Identifier: BSD-2-Clause */
/* CPU feature detection and per-CPU control register setup. */
#include "arch/x86_64/cpu.h"

struct cpu_features cpu;

static void copy_regs_str(char *dst, uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t w[3] = { a, b, c };

	__builtin_memcpy(dst, w, 12);
	dst[12] = '\0';
}

/* Intel SDM vol. 2A, CPUID: leaves 0, 1, 7, 0xd, 0x80000001, 0x80000007; hypervisor range 0x40000000. */
void cpu_detect(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	cpu.max_leaf = a;
	copy_regs_str(cpu.vendor, b, d, c);

	cpuid(1, 0, &a, &b, &c, &d);
	cpu.stepping = a & 0xf;
	cpu.model = (a >> 4) & 0xf;
	cpu.family = (a >> 8) & 0xf;
	if (cpu.family == 0xf)
		cpu.family += (a >> 20) & 0xff;
	if (cpu.family >= 6)
		cpu.model |= ((a >> 16) & 0xf) << 4;
	cpu.hwcap = d;			/* Linux: AT_HWCAP is CPUID.1:EDX on x86 */
	cpu.fxsr = d & (1u << 24);
	cpu.pge = d & (1u << 13);
	cpu.xsave = c & (1u << 26);
	cpu.avx = c & (1u << 28);
	cpu.rdrand = c & (1u << 30);
	cpu.tsc_deadline = c & (1u << 24);
	cpu.x2apic = c & (1u << 21);
	cpu.hypervisor = c & (1u << 31);

	if (cpu.max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		cpu.fsgsbase = b & (1u << 0);
		cpu.rdseed = b & (1u << 18);
		cpu.rdpid = c & (1u << 22);
	}
	if (cpu.max_leaf >= 0xd && cpu.xsave) {
		cpuid(0xd, 1, &a, &b, &c, &d);
		cpu.xsaveopt = a & 1;
	}

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	cpu.max_ext_leaf = a;
	if (cpu.max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cpu.nx = d & (1u << 20);
		cpu.pages_1g = d & (1u << 26);
		cpu.rdtscp = d & (1u << 27);
	}
	if (cpu.max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		cpu.invariant_tsc = d & (1u << 8);
	}

	if (cpu.hypervisor) {
		cpuid(0x40000000, 0, &a, &b, &c, &d);
		cpu.max_hv_leaf = a;
		copy_regs_str(cpu.hv_vendor, b, c, d);
		/* Linux Documentation/virt/kvm/x86/cpuid.rst: KVM_FEATURE_CLOCKSOURCE2 = bit 3 */
		if (__builtin_memcmp(cpu.hv_vendor, "KVMKVMKVM\0\0\0", 12) == 0 &&
		    a >= 0x40000001) {
			cpuid(0x40000001, 0, &a, &b, &c, &d);
			cpu.kvmclock = a & (1u << 3);
		}
	}
	/* Linux uapi asm/hwcap2.h: HWCAP2_FSGSBASE is bit 1. */
	cpu.hwcap2 = cpu.fsgsbase ? (1u << 1) : 0;
}

void cpu_init(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer;

	/* Write protection also binds ring 0 (DESIGN.md, Ring 0 rules); x87 errors native. */
	cr0 |= CR0_WP | CR0_NE | CR0_MP;
	cr0 &= ~(CR0_EM | CR0_TS);
	write_cr0(cr0);

	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu.pge)
		cr4 |= CR4_PGE;
	if (cpu.fsgsbase)
		cr4 |= CR4_FSGSBASE;	/* musl and glibc may use wrfsbase when HWCAP2 says so */
	if (cpu.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);

	efer = rdmsr(MSR_EFER) | EFER_SCE;
	if (cpu.nx)
		efer |= EFER_NXE;
	wrmsr(MSR_EFER, efer);
}

bool cpu_rdrand64(uint64_t *out)
{
	if (!cpu.rdrand)
		return false;
	/* Intel DRNG guide: retry a few times on transient underflow (CF = 0). */
	for (int i = 0; i < 10; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

bool cpu_rdseed64(uint64_t *out)
{
	if (!cpu.rdseed)
		return false;
	for (int i = 0; i < 100; i++) {
		unsigned char ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return true;
		cpu_relax();
	}
	return false;
}
