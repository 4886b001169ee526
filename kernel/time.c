/* SPDX-License-Identifier: BSD-2-Clause */
/* Clocks: TSC frequency from CPUID 0x15/0x16, the hypervisor timing leaf or kvmclock, else calibrated once on first use. */
#include <mote/compiler.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "plat/plat.h"

static uint64_t tsc_boot;
static uint64_t tsc_hz;
static uint64_t lapic_hz;
static uint64_t mult;		/* ns = ticks * mult >> 32 */
static uint64_t wall_at_rtc_ns;		/* the RTC's reading ... */
static uint64_t tsc_at_rtc;		/* ... and the TSC at that moment */
static const char *source = "uncalibrated";

/* Linux Documentation/virt/kvm/x86/msr.rst: pvclock_vcpu_time_info. */
struct pvclock {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __packed __aligned(32);

static struct pvclock pvclock;

static void set_tsc_hz(uint64_t hz, const char *src)
{
	tsc_hz = hz;
	mult = (uint64_t)(((unsigned __int128)NSEC_PER_SEC << 32) / hz);
	source = src;
}

static bool from_cpuid(void)
{
	uint32_t a, b, c, d;

	/* Intel SDM vol. 2A, CPUID 15H: TSC = crystal * EBX / EAX; 16H: base MHz. */
	if (cpu.max_leaf >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			set_tsc_hz((uint64_t)c * b / a, "CPUID 0x15");
			lapic_hz = c;	/* the APIC timer runs on the crystal clock */
			return true;
		}
	}
	if (cpu.max_leaf >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff) {
			set_tsc_hz((uint64_t)(a & 0xffff) * 1000000, "CPUID 0x16");
			return true;
		}
	}
	/* Hypervisor timing leaf 0x40000010 (VMware, QEMU vmware-cpuid-freq): EAX TSC kHz, EBX bus kHz. */
	if (cpu.max_hv_leaf >= 0x40000010) {
		cpuid(0x40000010, 0, &a, &b, &c, &d);
		if (a) {
			set_tsc_hz((uint64_t)a * 1000, "hypervisor leaf 0x40000010");
			lapic_hz = (uint64_t)b * 1000;
			return true;
		}
	}
	return false;
}

static bool from_kvmclock(void)
{
	uint32_t version;
	uint64_t hz;

	if (!cpu.kvmclock)
		return false;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, kernel_virt_to_phys(&pvclock) | 1);
	do {
		version = READ_ONCE(pvclock.version);
		barrier();
		hz = ((unsigned __int128)NSEC_PER_SEC << 32) / pvclock.tsc_to_system_mul;
		if (pvclock.tsc_shift >= 0)
			hz >>= pvclock.tsc_shift;
		else
			hz <<= -pvclock.tsc_shift;
		barrier();
	} while ((version & 1) || version != READ_ONCE(pvclock.version));
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (!pvclock.tsc_to_system_mul)
		return false;
	set_tsc_hz(hz, "kvmclock");
	return true;
}

/* Measures the TSC (and the LAPIC timer) against the platform's reference counter for ~10 ms. */
static void calibrate(void)
{
	struct plat_refclock ref;
	uint64_t r0, r1, t0, t1, want;
	uint32_t l0 = 0, l1 = 0;

	if (!plat_refclock(&ref)) {
		pr_warn("no reference clock to calibrate the TSC: assuming 1 GHz\n");
		set_tsc_hz(NSEC_PER_SEC, "assumed");
		if (!lapic_hz)
			lapic_hz = NSEC_PER_SEC;	/* QEMU's APIC timer rate; a guess all the same */
		return;
	}
	want = ref.hz / 100;
	if (lapic_ready())
		lapic_timer_start_free();
	r0 = ref.read();
	t0 = rdtsc();
	if (lapic_ready())
		l0 = lapic_timer_current();
	do {
		r1 = ref.read();
	} while (((r1 - r0) & ref.mask) < want);
	t1 = rdtsc();
	if (lapic_ready())
		l1 = lapic_timer_current();
	r1 = (r1 - r0) & ref.mask;
	set_tsc_hz((t1 - t0) * ref.hz / r1, ref.name);
	if (lapic_ready() && !lapic_hz)
		lapic_hz = (uint64_t)(l0 - l1) * ref.hz / r1;
}

void time_set_boot_tsc(uint64_t boot)
{
	tsc_boot = boot;
}

void time_init(uint64_t boot)
{
	tsc_boot = boot;
	if (!from_cpuid())
		from_kvmclock();
	wall_at_rtc_ns = plat_rtc_seconds() * NSEC_PER_SEC;
	tsc_at_rtc = rdtsc();
}

uint64_t time_tsc_hz(void)
{
	if (!tsc_hz)
		calibrate();
	return tsc_hz;
}

bool time_calibrated(void)
{
	return tsc_hz != 0;
}

uint64_t time_lapic_hz(void)
{
	if (!tsc_hz || (!lapic_hz && lapic_ready()))
		calibrate();
	return lapic_hz;
}

const char *time_source(void)
{
	return source;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	time_tsc_hz();
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

uint64_t ns_to_tsc(uint64_t ns)
{
	uint64_t hz = time_tsc_hz();

	/* Split so that nothing needs a 128-bit division (no libgcc in the kernel). */
	return ns / NSEC_PER_SEC * hz + ns % NSEC_PER_SEC * hz / NSEC_PER_SEC;
}

uint64_t time_ticks_since_boot(void)
{
	return rdtsc() - tsc_boot;
}

uint64_t time_monotonic_ns(void)
{
	/* Calibrate (maybe ~10 ms) before reading the TSC, not after: "now" must be now. */
	time_tsc_hz();
	return tsc_to_ns(rdtsc() - tsc_boot);
}

/* Counted from the RTC read, not from boot: the boot before time_init() is not wall time to add. */
uint64_t time_realtime_ns(void)
{
	time_tsc_hz();
	return wall_at_rtc_ns + tsc_to_ns(rdtsc() - tsc_at_rtc);
}

const char *time_timer_arm(uint64_t deadline_ns)
{
	uint64_t now = time_monotonic_ns(), ticks;

	if (cpu.tsc_deadline) {
		lapic_timer_deadline(tsc_boot + ns_to_tsc(deadline_ns));
		return "TSC-deadline";
	}
	ticks = deadline_ns > now ? (deadline_ns - now) * time_lapic_hz() / NSEC_PER_SEC : 1;
	lapic_timer_oneshot(ticks > 0xffffffffull ? 0xffffffffu : ticks ? (uint32_t)ticks : 1);
	return "LAPIC one-shot";
}
