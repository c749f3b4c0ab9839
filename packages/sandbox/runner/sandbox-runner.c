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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int main(int argc, char **argv) {
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
