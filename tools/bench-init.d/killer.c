/*
 * tools/bench-init's respawn-latency probe, run in the guest:
 * killer FILE N -- N times: find the live `stamp FILE` (tools/stamp.c)
 * under /proc, read CLOCK_MONOTONIC, SIGKILL it, wait for the next line
 * in FILE (the new instance's first instruction, CLOCK_MONOTONIC too),
 * print the difference in microseconds, rest 100 ms.
 * build: gcc -O2 -static -o killer killer.c
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The pid of the running (not zombie) `stamp FILE`, or 0. */
static int find(const char *file)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d))) {
        int pid = atoi(e->d_name);
        if (pid <= 1)
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *arg1 = buf + strlen(buf) + 1;
        if (arg1 >= buf + n || strcmp(arg1, file) != 0 || !strstr(buf, "stamp"))
            continue;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        f = fopen(path, "r");
        if (!f)
            continue;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        if (p && p[2] != 'Z') {
            found = pid;
            break;
        }
    }
    if (d)
        closedir(d);
    return found;
}

/* Lines in FILE and the last number in it. */
static int lines(const char *file, long long *last)
{
    FILE *f = fopen(file, "r");
    int n = 0;
    long long v;
    while (f && fscanf(f, "%lld", &v) == 1) {
        n++;
        *last = v;
    }
    if (f)
        fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
        int pid = 0;
        long long last = 0;
        for (int k = 0; k < 5000 && !(pid = find(argv[1])); k++)
            usleep(1000);
        if (!pid) {
            printf("B: error no live stamp %s\n", argv[1]);
            return 1;
        }
        int before = lines(argv[1], &last);
        long long t0 = now_ns();
        kill(pid, SIGKILL);
        int k = 0;
        while (lines(argv[1], &last) == before && k++ < 10000)
            usleep(500);
        printf("B: latency_us %lld\n", (last - t0) / 1000);
        fflush(stdout);
        usleep(100000);
    }
    return 0;
}
