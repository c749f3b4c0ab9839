/*
 * sandbox-runner: the fast path for commands into a sandbox. Started by one engine exec (as the
 * sandbox user, with the container's limits), it connects three times to the worker's unix socket
 * for this sandbox (bind-mounted read-only), says which stream each connection carries, puts them
 * on fds 0/1/2 and execs the program it was given (the persistent shell). From then on commands
 * and their output go straight between the worker and the shell, not through the engine.
 *
 *   PATCHBAY_RUNNER_TOKEN=<32 hex> sandbox-runner SOCKET_PATH PROGRAM [ARGS...]
 *
 * Each connection starts with the token and one role byte: 'i' (stdin, read-only here), 'o'
 * (stdout) and 'e' (stderr), both write-only here. The token leaves the environment before the
 * exec. It opens nothing else and forks nothing: what the shell can do is what the exec could.
 * Errors go to the exec's own stderr, exit 1 (the worker then uses the engine's attach stream).
 * Built with `cc -static`, so it runs in any glibc or musl image.
 *
 *   sandbox-runner --serve-files
 *
 * The worker's file server (file-server.ts), the PROGRAM of a runner exec of its own: it answers
 * read/write/delete requests on fds 0/1 with plain system calls, so a file operation costs no
 * process in the sandbox (a `base64` or `tee` there costs 5-60 ms on a busy host). It runs as the
 * sandbox user like everything else and ends when its connection closes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TOKEN_LEN 32

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "sandbox-runner: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* One connection to the worker, announced as `role`; -1 on failure (errno set). */
static int open_stream(const char *path, const char *token, char role) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  char hello[TOKEN_LEN + 1];
  memcpy(hello, token, TOKEN_LEN);
  hello[TOKEN_LEN] = role;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || write_all(fd, hello, sizeof hello) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

/* ---- the file server ------------------------------------------------------------------------
 * Request: op ('r' read, 'w' write, 'd' delete), u32 path length, u64 argument (read: most bytes,
 * all ones for the whole file; write: the data's length), the absolute path, then a write's data.
 * Answer: frames of u8 type, u32 length, payload: any number of 'd' (a read's data), then one 'e'
 * whose payload is a status byte (0 done, 40 a folder, 41 not a regular file, 44 missing, 1 an
 * error) and the error's text. Integers are big-endian. The status bytes are the exit codes of the
 * worker's shell scripts for the same operations (file-ops.ts), so both paths answer alike.
 */
#define CHUNK 65536
#define MAX_PATH_BYTES 4096

static int read_full(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static uint64_t be64(const unsigned char *b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | b[i];
  return v;
}

static int send_frame(char type, const void *payload, uint32_t len) {
  unsigned char head[5] = {(unsigned char)type, len >> 24, len >> 16, len >> 8, len};
  if (write_all(1, (const char *)head, 5) < 0) return -1;
  return len ? write_all(1, payload, len) : 0;
}

/* The closing frame: status and, for an error, "<what>: <strerror(err)>". */
static int send_end(int status, const char *what, int err) {
  char buf[512];
  buf[0] = (char)status;
  int n = what ? snprintf(buf + 1, sizeof buf - 1, "%s: %s", what, strerror(err)) : 0;
  if (n < 0) n = 0;
  if (n > (int)sizeof buf - 2) n = (int)sizeof buf - 2;
  return send_frame('e', buf, (uint32_t)n + 1);
}

/* Only regular files (or symlinks to them); a FIFO must not block, so opens are non-blocking. */
static int serve_read(const char *path, uint64_t max) {
  struct stat st;
  if (stat(path, &st) < 0) return send_end(44, NULL, 0);
  if (S_ISDIR(st.st_mode)) return send_end(40, NULL, 0);
  if (!S_ISREG(st.st_mode)) return send_end(41, NULL, 0);
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? send_end(44, NULL, 0) : send_end(1, "open", errno);
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return send_end(41, NULL, 0);
  }
  static char buf[CHUNK];
  while (max > 0) {
    ssize_t n = read(fd, buf, max < CHUNK ? (size_t)max : CHUNK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return send_end(1, "read", err);
    }
    if (n == 0) break;
    if (send_frame('d', buf, (uint32_t)n) < 0) return -1;
    max -= (uint64_t)n;
  }
  close(fd);
  return send_end(0, NULL, 0);
}

/* mkdir -p of the folder holding `path` (absolute), with the process's umask. */
static int make_parents(const char *path) {
  char dir[MAX_PATH_BYTES + 1];
  strcpy(dir, path);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) return 0;
  *slash = '\0';
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) return -1;
    *p = saved;
    if (saved == '\0') return 0;
  }
}

/* Writes `len` bytes from the connection into `fd` (-1: only drained); the first write error, or 0. */
static int take_data(int fd, uint64_t len, int *werr) {
  static char buf[CHUNK];
  *werr = 0;
  while (len > 0) {
    size_t want = len < CHUNK ? (size_t)len : CHUNK;
    if (read_full(0, buf, want) < 0) return -1;
    len -= want;
    if (fd >= 0 && *werr == 0 && write_all(fd, buf, want) < 0) *werr = errno;
  }
  return 0;
}

/* Opens `path` to be replaced, its folders made; -1 with `status` (and `what`, `err`) set when refused. */
static int open_to_replace(const char *path, int *status, const char **what, int *err) {
  struct stat st;
  if (make_parents(path) < 0) {
    *status = 1, *what = "mkdir", *err = errno;
    return -1;
  }
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    *status = S_ISDIR(st.st_mode) ? 40 : 41;
    return -1;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0666);
  if (fd < 0) {
    *err = errno;
    *status = *err == EISDIR ? 40 : *err == ENXIO ? 41 : 1;
    *what = "open";
    return -1;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    *status = 41;
    return -1;
  }
  return fd;
}

/* Replaces the content in place (the file keeps its inode and mode), as `tee` does. */
static int serve_write(const char *path, uint64_t len) {
  int status = 0, err = 0, werr = 0;
  const char *what = NULL;
  int fd = open_to_replace(path, &status, &what, &err);
  if (take_data(fd, len, &werr) < 0) return -1;
  if (fd >= 0 && werr) status = 1, what = "write", err = werr;
  if (fd >= 0 && close(fd) < 0 && status == 0) status = 1, what = "close", err = errno;
  return send_end(status, what, err);
}

/* A folder is refused; a symlink (also to a folder) is removed itself; a missing file is fine. */
static int serve_delete(const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) return send_end(40, NULL, 0);
  if (unlink(path) < 0 && errno != ENOENT) return send_end(1, "rm", errno);
  return send_end(0, NULL, 0);
}

/* Serves requests until the connection ends. */
static int serve_files(void) {
  /* A closed connection ends the server; a file past the size limit is an error, not a signal. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  for (;;) {
    unsigned char head[13];
    char path[MAX_PATH_BYTES + 1];
    if (read_full(0, head, sizeof head) < 0) return 0;
    uint32_t plen = (uint32_t)head[1] << 24 | head[2] << 16 | head[3] << 8 | head[4];
    uint64_t arg = be64(head + 5);
    if (plen == 0 || plen > MAX_PATH_BYTES || read_full(0, path, plen) < 0) return 2;
    path[plen] = '\0';
    if (path[0] != '/' || strlen(path) != plen) return 2;
    int sent = head[0] == 'r'   ? serve_read(path, arg)
               : head[0] == 'w' ? serve_write(path, arg)
               : head[0] == 'd' ? serve_delete(path)
                                : -1;
    if (sent < 0) return 2;
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--serve-files") == 0) return serve_files();
  if (argc < 3) return fail("usage: sandbox-runner SOCKET_PATH PROGRAM [ARGS...]", NULL);
  const char *env = getenv("PATCHBAY_RUNNER_TOKEN");
  if (!env || strlen(env) != TOKEN_LEN) return fail("PATCHBAY_RUNNER_TOKEN must hold 32 characters", NULL);
  char token[TOKEN_LEN];
  memcpy(token, env, TOKEN_LEN);
  unsetenv("PATCHBAY_RUNNER_TOKEN");

  static const char roles[3] = {'i', 'o', 'e'};
  int fds[3];
  for (int i = 0; i < 3; i++) {
    fds[i] = open_stream(argv[1], token, roles[i]);
    if (fds[i] < 0) return fail("cannot connect to the worker's socket", strerror(errno));
  }
  /* Half-close what each stream does not carry: a command cannot read the protocol from fd 1. */
  shutdown(fds[0], SHUT_WR);
  shutdown(fds[1], SHUT_RD);
  shutdown(fds[2], SHUT_RD);
  /* From here errors can only go to the exec's stderr until fd 2 is replaced. */
  for (int i = 0; i < 3; i++) {
    if (dup2(fds[i], i) < 0) return fail("dup2", strerror(errno));
  }
  for (int i = 0; i < 3; i++) {
    if (fds[i] > 2) close(fds[i]);
  }
  execvp(argv[2], argv + 2);
  /* stderr is the worker's socket now: it sees this and the connection closing. */
  fprintf(stderr, "sandbox-runner: cannot run %s: %s\n", argv[2], strerror(errno));
  return 127;
}
