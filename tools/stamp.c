/*
 * A tiny service for restart-latency benchmarks, the same for every
 * supervisor measured. Its first act is to append CLOCK_MONOTONIC (ns) to
 * FILE, so a measurement is: kill -9 -> the new instance's first
 * instruction. No libc (raw syscalls, ~2 kB static), so exec costs only
 * the kernel's work and the figure shows the supervisor, not the service.
 *
 * usage: stamp FILE           stay in the foreground (runsv, s6)
 *        stamp FILE daemon    fork, parent exits 0 (pcheck, monit)
 *
 * build: gcc -O2 -static -nostdlib -fno-stack-protector -o stamp stamp.c
 */
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_dup2 33
#define SYS_pause 34
#define SYS_fork 57
#define SYS_setsid 112
#define SYS_clock_gettime 228
#define SYS_exit_group 231

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

__asm__(".global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call stamp_main\n hlt\n");

void stamp_main(long *sp)
{
    struct { long sec, nsec; } ts;
    sys3(SYS_clock_gettime, 1 /* CLOCK_MONOTONIC */, (long)&ts, 0);
    long argc = sp[0];
    char **argv = (char **)(sp + 1);
    if (argc < 2)
        sys3(SYS_exit_group, 2, 0, 0);
    unsigned long long ns = (unsigned long long)ts.sec * 1000000000ull + (unsigned long long)ts.nsec;
    char buf[32];
    int i = sizeof buf;
    buf[--i] = '\n';
    do {
        buf[--i] = (char)('0' + ns % 10);
        ns /= 10;
    } while (ns);
    long fd = sys3(SYS_open, (long)argv[1], 02101 /* O_WRONLY|O_APPEND|O_CREAT */, 0644);
    if (fd >= 0) {
        sys3(SYS_write, fd, (long)(buf + i), (long)(sizeof buf - i));
        sys3(SYS_close, fd, 0, 0);
    }
    if (argc > 2) {
        if (sys3(SYS_fork, 0, 0, 0) != 0)
            sys3(SYS_exit_group, 0, 0, 0);
        sys3(SYS_setsid, 0, 0, 0);
        long null = sys3(SYS_open, (long)"/dev/null", 2 /* O_RDWR */, 0);
        for (long k = 0; k < 3; k++)
            sys3(SYS_dup2, null, k, 0);
    }
    for (;;)
        sys3(SYS_pause, 0, 0, 0);
}
