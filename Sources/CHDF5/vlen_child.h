// Variable-length strings are read in a child process, so that a crash of libhdf5 on a corrupt
// file becomes an error of the reader instead of the end of the process.
//
// libhdf5 1.10 trusts the global-heap references of variable-length data: in a corrupt file
// H5Aread/H5Dread copy from a wild address (H5HG_read; found by `make fuzz`, see
// Fuzz/README.md). Nothing the suite can check through the library's API tells such a
// reference from a good one before the library follows it, and the corrupt references need
// not be reachable by iterating the file (a damaged name index still lets a lookup by name
// through). So the parent never follows them: s2ac_read_vlen_strings forks, the child (C only:
// no Swift runtime, no lock of the parent) reads the strings and writes them into a pipe, and
// the parent takes them from the pipe, or learns that the child died.
#ifndef S2AC_CHDF5_VLEN_CHILD_H
#define S2AC_CHDF5_VLEN_CHILD_H
#include <hdf5.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// glibc declares pipe2 only with _GNU_SOURCE, which an including program may not define.
int pipe2(int fds[2], int flags);

static inline int s2ac_write_all(int fd, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        bytes += n;
        length -= (size_t)n;
    }
    return 0;
}

/// Reads the strings in this process into a malloc'ed block as s2ac_read_vlen_strings
/// returns it, reclaiming libhdf5's copies. 0 when read, 1 otherwise. The child of
/// s2ac_read_vlen_strings reads with it; the parent only when no child can be made (fork
/// refused, e.g. for memory), and then a crash of the library is the process's.
static inline int s2ac_collect_vlen_strings(hid_t object, int is_dataset, hid_t memory_type, size_t count,
                                            char **out, size_t *out_length) {
    char **strings = calloc(count > 0 ? count : 1, sizeof(char *));
    if (strings == NULL) return 1;
    herr_t status = is_dataset ? H5Dread(object, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, strings)
                               : H5Aread(object, memory_type, strings);
    if (status < 0) { free(strings); return 1; }
    size_t length = 0;
    for (size_t i = 0; i < count; i++) length += (strings[i] ? strlen(strings[i]) : 0) + 1;
    char *block = malloc(length > 0 ? length : 1), *at = block;
    for (size_t i = 0; block != NULL && i < count; i++) {
        const char *s = strings[i] ? strings[i] : "";
        size_t n = strlen(s) + 1;
        memcpy(at, s, n);
        at += n;
    }
    hid_t space = is_dataset ? H5Dget_space(object) : H5Aget_space(object);
    if (space >= 0) {
        H5Dvlen_reclaim(memory_type, space, H5P_DEFAULT, strings);
        H5Sclose(space);
    }
    free(strings);
    if (block == NULL) return 1;
    *out = block;
    *out_length = length;
    return 0;
}

/// This process's data segment (VmData of /proc/self/status: heap and private mappings, what
/// RLIMIT_DATA limits) in KiB, 0 when unknown.
static inline unsigned long long s2ac_data_segment_kb(void) {
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char text[8192];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0) return 0;
    text[n] = 0;
    const char *line = strstr(text, "\nVmData:");
    return line ? strtoull(line + 8, NULL, 10) : 0;
}

/// Reads the `count` variable-length strings of an attribute (`is_dataset` 0) or a dataset
/// (1) as `memory_type` (a variable-length string type) in a child process that gets
/// `timeout_seconds` of wall-clock time and `cpu_seconds` of CPU time (a corrupt heap can also
/// send libhdf5 round a loop; the CPU limit finds that whatever the machine's load). On success
/// returns 0 and sets `*out` to a malloc'ed block of the strings, each ended by a NUL (a null
/// string reads as empty), and `*out_length` to its length; the caller frees it. Otherwise
/// `*out` is NULL and the result is 1 when libhdf5 reported an error, 128 + the signal when the
/// child was killed by one (SIGALRM or SIGXCPU: it did not finish in time), -1 when the pipe broke. When no pipe or child can be made the strings are
/// read in this process instead (s2ac_collect_vlen_strings). Call it with no other thread
/// inside libhdf5.
static inline int s2ac_read_vlen_strings(hid_t object, int is_dataset, hid_t memory_type, size_t count,
                                         unsigned timeout_seconds, unsigned cpu_seconds, char **out,
                                         size_t *out_length) {
    *out = NULL;
    *out_length = 0;
    int fds[2];
    // Close-on-exec from the start, so no program another thread starts holds an end of the
    // pipe (a write end held elsewhere would keep the read below from seeing the end).
    if (pipe2(fds, O_CLOEXEC) != 0) return s2ac_collect_vlen_strings(object, is_dataset, memory_type, count, out, out_length);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return s2ac_collect_vlen_strings(object, is_dataset, memory_type, count, out, out_length);
    }
    if (pid == 0) {
        // The parent's crash handlers (the Swift runtime's backtracer, libFuzzer's) must not
        // run here: the child's death is the answer, and the parent reports it.
        const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGALRM, SIGXCPU, SIGPIPE};
        sigset_t unblock;
        sigemptyset(&unblock);
        for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
            signal(fatal[i], SIG_DFL);
            sigaddset(&unblock, fatal[i]);
        }
        sigprocmask(SIG_UNBLOCK, &unblock, NULL);
        alarm(timeout_seconds);
        // SIGXCPU at the soft limit; no core file of the child's death; and at most 1 GiB of
        // memory beyond the parent's, which the child shares (a corrupt heap made libhdf5 zero
        // 10 GB for a few short strings: a fuzzing finding).
        struct rlimit cpu = {cpu_seconds, cpu_seconds + 1}, core = {0, 0};
        setrlimit(RLIMIT_CPU, &cpu);
        setrlimit(RLIMIT_CORE, &core);
        unsigned long long data_kb = s2ac_data_segment_kb();
        if (data_kb > 0) {
            rlim_t bytes = (rlim_t)(data_kb + (1ULL << 20)) * 1024;
            struct rlimit data = {bytes, bytes};
            setrlimit(RLIMIT_DATA, &data);
        }
        close(fds[0]);
        char *block = NULL;
        size_t length = 0;
        if (s2ac_collect_vlen_strings(object, is_dataset, memory_type, count, &block, &length) != 0) _exit(1);
        if (s2ac_write_all(fds[1], block, length) != 0) _exit(1);
        // _exit, not exit: no atexit handler (libhdf5's would close and flush the parent's
        // files) runs in the child.
        _exit(0);
    }
    close(fds[1]);
    size_t capacity = 4096, length = 0;
    char *buffer = malloc(capacity);
    int broken = buffer == NULL;
    while (!broken) {
        if (length == capacity) {
            char *larger = realloc(buffer, capacity * 2);
            if (larger == NULL) { broken = 1; break; }
            buffer = larger;
            capacity *= 2;
        }
        ssize_t n = read(fds[0], buffer + length, capacity - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) broken = 1;
        if (n <= 0) break;
        length += (size_t)n;
    }
    close(fds[0]);
    if (broken) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) { free(buffer); return -1; }
    }
    if (broken) { free(buffer); return -1; }
    if (WIFSIGNALED(status)) { free(buffer); return 128 + WTERMSIG(status); }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { free(buffer); return 1; }
    *out = buffer;
    *out_length = length;
    return 0;
}

#endif
